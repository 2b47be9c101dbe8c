"""Share links: publish, list and revoke them, and export what clients picked through them.

A link's token carries 256 bits from `secrets`; the catalog finds the link by the token's SHA-256
and keeps the token itself only sealed with the publishing home's key (`link_seal`), so that the
studio can show the link again on that computer while a copy of the catalog opens nothing. A PIN is
kept as a salted scrypt hash. Revoking a link emits `link.revoked` so that an open portal closes the
galleries still watching it; unlocking a sent selection emits `selection.unlocked`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog import Album, Feedback, Photo, SentSelection, ShareLink
from core.catalog.base import utcnow
from core.changes import Change
from core.errors import Invalid, NotFound
from core.policies import Actor, Permission, require
from core.services.albums import as_uuid, find_album, studio_settings
from core.services.context import Call, ServiceContext
from core.services.link_seal import LinkSeal, SealBroken
from core.settings import DOWNLOAD_SIZES

TOKEN_BYTES = 32  # 256 bits
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def pin_matches(stored: str, pin: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(
            pin.encode("utf-8", "surrogatepass")[:256],
            salt=bytes.fromhex(salt),
            dklen=32,
            n=int(n),
            r=int(r),
            p=int(p),
        )
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


def check_pin_text(pin: str) -> str:
    pin = pin.strip()
    if not 4 <= len(pin) <= 64:
        raise Invalid("A PIN has 4 to 64 characters.")
    return pin


@dataclass(frozen=True)
class LinkView:
    id: uuid.UUID
    album_id: uuid.UUID
    album: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    has_pin: bool
    max_select: int | None
    allow_download: bool
    show_filenames: bool
    watermark: bool
    guest_name: str | None
    submitted_at: datetime | None
    can_show: bool = False  # its token is sealed, so `show` may rebuild its address
    sent_by: tuple[str, ...] = ()  # guests whose sent selection waits for the studio to reopen it
    download_size: str = "full"  # where allow_download: "web" or "full" size finals
    has_download_pin: bool = False

    @property
    def downloads(self) -> str:
        """What clients may download in Final: none, web or full."""
        return self.download_size if self.allow_download else "none"

    @property
    def active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > utcnow())

    @classmethod
    def of(cls, link: ShareLink, album: str, sent_by: tuple[str, ...] = ()) -> LinkView:
        return cls(
            link.id,
            link.album_id,
            album,
            link.created_at,
            link.expires_at,
            link.revoked_at,
            link.pin_hash is not None,
            link.max_select,
            link.allow_download,
            link.show_filenames,
            link.watermark,
            link.guest_name,
            link.submitted_at,
            link.token_sealed is not None,
            sent_by,
            link.download_size or "full",
            link.download_pin_hash is not None,
        )


@dataclass(frozen=True)
class PublishedLink:
    """A link with its address; the token travels only here, never in the catalog in the clear."""

    link: LinkView
    token: str
    url: str

    @property
    def id(self) -> uuid.UUID:
        return self.link.id

    @property
    def expires_at(self) -> datetime | None:
        return self.link.expires_at


@dataclass(frozen=True)
class Reopened:
    """Whose sent selections the studio reopened through a link."""

    link: LinkView
    guests: tuple[str, ...]


@dataclass(frozen=True)
class PickList:
    """The client's picks of an album, ready for Lightroom or a script."""

    album: str
    filenames: tuple[str, ...]

    @property
    def stems(self) -> tuple[str, ...]:
        return tuple(name.rsplit(".", 1)[0] if "." in name else name for name in self.filenames)

    @property
    def lightroom(self) -> str:
        """For Lightroom's Library filter, Text: Filename, "Contains" (any word matches)."""
        return " OR ".join(self.stems)

    @property
    def text(self) -> str:
        return "\n".join(self.filenames)


LINK_FIELDS = ("token_hash", "pin_hash", "max_select", "allow_download", "show_filenames")
LINK_FIELDS += ("watermark", "guest_name")
LINK_FIELDS += ("download_size", "download_pin_hash")
LINK_TIMES = ("expires_at", "revoked_at", "submitted_at")


def link_args(link: ShareLink) -> dict[str, Any]:
    """A link as JSON, for a studio server or a desktop: never its token, nor its seal."""
    row: dict[str, Any] = {name: getattr(link, name) for name in LINK_FIELDS}
    row.update({name: _iso(getattr(link, name)) for name in LINK_TIMES})
    row["link"] = str(link.id)
    return row


def fill_link(link: ShareLink, row: dict[str, Any]) -> None:
    """The fields `link_args` carries, back onto a link (its seal, if any, stays)."""
    try:
        link.id = uuid.UUID(str(row["link"]))
        for name in LINK_FIELDS:
            setattr(link, name, row.get(name))
        for name in LINK_TIMES:
            value = row.get(name)
            setattr(link, name, datetime.fromisoformat(value) if value else None)
    except (KeyError, ValueError, TypeError):
        raise Invalid("A link needs its id, and its times as ISO dates.") from None
    if not isinstance(link.token_hash, str) or len(link.token_hash) != 64:
        raise Invalid("A link needs the SHA-256 of its token.")
    if link.pin_hash is not None and (
        not isinstance(link.pin_hash, str) or "$" not in link.pin_hash
    ):
        raise Invalid("A link's PIN travels as its scrypt hash.")
    if link.download_size not in DOWNLOAD_SIZES:
        link.download_size = "full"  # a desktop from before downloads had sizes
    if link.download_pin_hash is not None and (
        not isinstance(link.download_pin_hash, str) or "$" not in link.download_pin_hash
    ):
        raise Invalid("A link's download PIN travels as its scrypt hash.")
    if link.guest_name is not None:
        link.guest_name = " ".join(str(link.guest_name).split())[:200] or None
    for name in ("allow_download", "show_filenames", "watermark"):
        setattr(link, name, bool(getattr(link, name)))
    if link.max_select is not None and (
        not isinstance(link.max_select, int) or link.max_select < 1
    ):
        raise Invalid("The selection limit must be at least 1.")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/g/{token}"


class LinkService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.seal = LinkSeal(ctx.home.root)

    async def create(
        self,
        actor: Actor,
        album_ref: str | uuid.UUID,
        *,
        expires_days: int | None = None,
        pin: str | None = None,
        max_select: int | None = None,
        allow_download: bool | None = None,
        watermark: bool | None = None,
        show_filenames: bool = False,
        guest_name: str | None = None,
        download_size: str | None = None,
        download_pin: str | None = None,
    ) -> PublishedLink:
        """A new link. `allow_download` and `download_size` ("web" or "full"; the studio's
        settings by default) decide what clients may download once the album is Final;
        `download_pin` is asked before the first download."""
        if expires_days is not None and not 1 <= expires_days <= 3650:
            raise Invalid("A link stays valid for 1 to 3650 days.")
        if max_select is not None and max_select < 1:
            raise Invalid("The selection limit must be at least 1.")
        pin_hash = hash_pin(check_pin_text(pin)) if pin is not None else None
        if download_size is not None and download_size not in DOWNLOAD_SIZES:
            raise Invalid("A link lets clients download web size or full size finals.")
        download_pin_hash = (
            hash_pin(check_pin_text(download_pin)) if download_pin is not None else None
        )
        guest = " ".join((guest_name or "").split())[:200] or None
        token = new_token()
        async with self.ctx.call(actor, "link.create") as call:
            require(actor, Permission.PUBLISH_LINKS)
            album = await find_album(call.session, actor, album_ref)
            settings = await studio_settings(call.session, actor.tenant_id)
            days = expires_days if expires_days is not None else settings.link_expiry_days
            link = ShareLink(
                id=uuid.uuid4(),
                tenant_id=actor.tenant_id,
                album_id=album.id,
                token_hash=token_hash(token),
                created_by=actor.user_id,
                expires_at=utcnow() + timedelta(days=days),
                pin_hash=pin_hash,
                max_select=max_select,
                allow_download=(
                    settings.link_allow_download if allow_download is None else allow_download
                ),
                show_filenames=show_filenames,
                watermark=settings.link_watermark if watermark is None else watermark,
                guest_name=guest,
                download_size=download_size or settings.link_download_size,
                download_pin_hash=download_pin_hash,
            )
            link.token_sealed = self.seal.seal(link.id, token)
            call.session.add(link)
            await call.session.flush()
            call.on("link", link.id, f"{album.name} link {str(link.id)[:8]}")
            call.album_id = album.id
            call.detail.update(
                expires_days=days,
                pin=pin_hash is not None,
                max_select=max_select,
                allow_download=link.allow_download,
                download_size=link.download_size,
                download_pin=download_pin_hash is not None,
                watermark=link.watermark,
                guest=guest,
            )
            call.emit(Change.LINK_CREATED, link_id=str(link.id))
            # The studio server gets the link as it is here, found by the same token's hash, so
            # the address shown here opens the server's portal too; the token never travels.
            call.command("link.create", album=album.id, **link_args(link))
            return PublishedLink(
                LinkView.of(link, album.name), token, link_url(settings.portal_base_url, token)
            )

    async def copy(self, actor: Actor, album_ref: str | uuid.UUID, row: dict[str, Any]) -> LinkView:
        """A link published on a desktop, kept here as it is there (same id, same token's hash,
        PIN hash and expiry): the address the desktop shows opens this portal too."""
        async with self.ctx.call(actor, "link.create") as call:
            require(actor, Permission.PUBLISH_LINKS)
            album = await find_album(call.session, actor, album_ref)
            link = ShareLink(tenant_id=actor.tenant_id, album_id=album.id, created_by=actor.user_id)
            fill_link(link, row)
            call.session.add(link)
            await call.session.flush()
            call.on("link", link.id, f"{album.name} link {str(link.id)[:8]}")
            call.album_id = album.id
            call.detail.update(pin=link.pin_hash is not None, guest=link.guest_name, copy=True)
            call.emit(Change.LINK_CREATED, link_id=str(link.id))
            return LinkView.of(link, album.name)

    async def list(self, actor: Actor, album_ref: str | uuid.UUID) -> list[LinkView]:
        async with self.ctx.call(actor, "link.list", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await find_album(call.session, actor, album_ref)
            links = (
                await call.session.scalars(
                    select(ShareLink)
                    .where(ShareLink.album_id == album.id, ShareLink.tenant_id == actor.tenant_id)
                    .order_by(ShareLink.created_at)
                )
            ).all()
            sent: dict[uuid.UUID, list[str]] = {}
            for link_id, guest in await call.session.execute(
                select(SentSelection.link_id, SentSelection.guest_name)
                .where(SentSelection.album_id == album.id, SentSelection.reopened_at.is_(None))
                .order_by(SentSelection.sent_at)
            ):
                sent.setdefault(link_id, []).append(guest)
            return [LinkView.of(link, album.name, tuple(sent.get(link.id, ()))) for link in links]

    async def revoke(self, actor: Actor, link_ref: str | uuid.UUID) -> LinkView:
        """Revoke by id (or a unique prefix of it, as `link list` shows)."""
        async with self.ctx.call(actor, "link.revoke") as call:
            require(actor, Permission.PUBLISH_LINKS)
            link, name = await _link_of_call(call, actor, link_ref)
            if link.revoked_at is None:
                link.revoked_at = utcnow()
            call.emit(Change.LINK_REVOKED, link_id=str(link.id))
            call.command("link.revoke", link=link.id)
            return LinkView.of(link, name)

    async def show(self, actor: Actor, link_ref: str | uuid.UUID) -> PublishedLink:
        """An existing link's address again, on the computer that made it (audited: it reveals
        a way into the gallery)."""
        async with self.ctx.call(actor, "link.show") as call:
            require(actor, Permission.PUBLISH_LINKS)
            link, name = await _link_of_call(call, actor, link_ref)
            view = LinkView.of(link, name)
            if not view.active:
                raise Invalid(f"Link {str(link.id)[:8]} no longer works; publish a new one.")
            if link.token_sealed is None:
                raise Invalid(
                    f"Link {str(link.id)[:8]} was published on another computer of the studio, "
                    "or before links could be shown again; only where it was made can it be "
                    "shown. Revoke it and publish a new one here."
                )
            try:
                token = self.seal.open(link.id, link.token_sealed)
            except SealBroken:
                raise Invalid(
                    f"Link {str(link.id)[:8]} was made on another computer; only that computer "
                    "can show it. Revoke it and publish a new one here."
                ) from None
            if token_hash(token) != link.token_hash:
                raise Invalid(f"Link {str(link.id)[:8]} cannot be shown; publish a new one.")
            settings = await studio_settings(call.session, actor.tenant_id)
            return PublishedLink(view, token, link_url(settings.portal_base_url, token))

    async def unlock(
        self, actor: Actor, link_ref: str | uuid.UUID, guest: str | None = None
    ) -> Reopened:
        """Reopen the selections clients sent through this link (or only `guest`'s), so that
        they may change their picks and send again; the album's selection keeps them meanwhile."""
        async with self.ctx.call(actor, "link.unlock") as call:
            require(actor, Permission.PUBLISH_LINKS)
            link, name = await _link_of_call(call, actor, link_ref)
            query = select(SentSelection).where(
                SentSelection.link_id == link.id, SentSelection.reopened_at.is_(None)
            )
            if guest is not None:
                query = query.where(SentSelection.guest_name == " ".join(guest.split()))
            sendings = (await call.session.scalars(query)).all()
            if not sendings:
                who = f"{guest} has not" if guest else "no client has"
                raise Invalid(
                    f"Nothing to reopen: {who} sent a selection through link {str(link.id)[:8]}."
                )
            now = utcnow()
            for sending in sendings:
                sending.reopened_at = now
            guests = sorted({s.guest_name for s in sendings})
            call.detail["guests"] = guests
            call.emit(Change.SELECTION_UNLOCKED, link_id=str(link.id), guests=guests)
            call.command("link.unlock", link=link.id, guest=guest)
            return Reopened(LinkView.of(link, name), tuple(guests))

    async def picks(self, actor: Actor, album_ref: str | uuid.UUID) -> PickList:
        """The photos clients picked (any guest, any link), in filename order."""
        async with self.ctx.call(actor, "album.picks", audit=False) as call:
            require(actor, Permission.VIEW_ALBUMS)
            album = await find_album(call.session, actor, album_ref)
            picked = (
                select(Feedback.photo_id)
                .where(
                    Feedback.album_id == album.id,
                    Feedback.kind == "pick",
                    Feedback.retracted_at.is_(None),
                )
                .distinct()
            )
            names = await call.session.scalars(
                select(Photo.filename)
                .where(Photo.album_id == album.id, Photo.id.in_(picked))
                .order_by(Photo.filename)
            )
            return PickList(album.name, tuple(names))


async def _link_of_call(call: Call, actor: Actor, ref: str | uuid.UUID) -> tuple[ShareLink, str]:
    """The link a call acts on, with its album's name; the call's audit names them."""
    link = await _find_link(call.session, actor, ref)
    album = await call.session.get(Album, link.album_id)
    name = album.name if album else ""
    call.on("link", link.id, f"{name or '?'} link {str(link.id)[:8]}")
    call.album_id = link.album_id
    return link, name


async def _find_link(session: AsyncSession, actor: Actor, ref: str | uuid.UUID) -> ShareLink:
    scope = ShareLink.tenant_id == actor.tenant_id
    text = str(ref).strip().lower()
    link = None
    link_id = as_uuid(text)
    if link_id is not None:
        link = await session.scalar(select(ShareLink).where(ShareLink.id == link_id, scope))
    elif len(text) >= 6:  # the first characters of an id, as `link list` prints them
        ids = [i for i in await session.scalars(select(ShareLink.id).where(scope))]
        found = [i for i in ids if str(i).startswith(text)]
        if len(found) == 1:
            link = await session.get(ShareLink, found[0])
    if link is None:
        raise NotFound(f"No link {ref!s} in this studio.")
    return link
