"""What can change in a studio: the closed set of change kinds the journal records.

Every service call that changes something names its changes with these members, and every
follower (the desktop's views, the portal, `photoflow watch`, the sync adapters) matches on them.
A kind is stored in the journal as its string value, so values never change once released.
"""

from __future__ import annotations

from enum import StrEnum


class Change(StrEnum):
    # The studio
    STUDIO_CREATED = "studio.created"
    STUDIO_STANDING = "studio.standing"  # suspended or restored
    STUDIO_SETTINGS = "studio.settings"
    USER_CHANGED = "user.changed"  # added, role changed, deactivated
    DEVICE_CHANGED = "device.changed"  # a desktop signed in to the studio server, or was revoked
    # Albums
    ALBUM_CREATED = "album.created"
    ALBUM_CHANGED = "album.changed"  # limits, name, client
    ALBUM_STAGE = "album.stage"
    ALBUM_FAILURES = "album.failures"  # import failures recorded or looked at
    ALBUM_TRASHED = "album.trashed"  # out of sight, its links closed, until put back
    ALBUM_RESTORED = "album.restored"
    ALBUM_DELETED = "album.deleted"  # the trash was emptied
    # Photos
    PHOTO_VERSION = "photo.version"  # a file came in: an original, stock, retouch or final
    PHOTO_PREVIEWS = "photo.previews"  # its previews are made
    PHOTO_REMOVED = "photo.removed"  # withdrawn (its pixels could not be read)
    PHOTO_MARKS = "photo.marks"  # stars, flag, label, in the selection
    # What clients do
    FEEDBACK_PICK = "feedback.pick"
    FEEDBACK_STARS = "feedback.stars"
    FEEDBACK_COMMENT = "feedback.comment"
    FEEDBACK_DECISION = "feedback.decision"  # approved or changes requested
    SELECTION_SUBMITTED = "selection.submitted"
    SELECTION_UNLOCKED = "selection.unlocked"  # the studio reopened a sent selection
    # Client links
    LINK_CREATED = "link.created"
    LINK_REVOKED = "link.revoked"
    LINK_CHANGED = "link.changed"
    # Delivery (issue 14): an album's finals being made (started, one more made, done or failed)
    ALBUM_DELIVERY = "album.delivery"
    # Not a change: a follower fell behind (or the journal was compacted past it) and every view
    # of the studio re-reads what it shows.
    RESYNC = "resync"


# Changes that alter what an album's client gallery may show or who may see it.
GALLERY_CHANGES = frozenset(
    {
        Change.ALBUM_STAGE,
        Change.ALBUM_TRASHED,
        Change.ALBUM_RESTORED,
        Change.ALBUM_DELETED,
        Change.PHOTO_VERSION,
        Change.PHOTO_REMOVED,
        Change.LINK_CHANGED,
    }
)
