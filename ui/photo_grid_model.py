"""The grid's model: the album's photos as ids with named roles, filtered and sorted in place.

Filtering and sorting work on a list of row numbers, not a proxy model: at 50,000 photos a
`QSortFilterProxyModel` costs more than the whole grid paint budget. The photos are held as the
database sent them (`AlbumRows`: a list of column values each); a `PhotoRow` is built only for a
photo someone asks about, and the delegate paints from the column values (`cell`).
"""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractListModel, QByteArray, QModelIndex, QPersistentModelIndex, Qt

from core.services.photo_rows import RAW, AlbumRows, raw_of
from core.services.photos import PhotoRow

Index = QModelIndex | QPersistentModelIndex


class Roles(IntEnum):
    ID = Qt.ItemDataRole.UserRole + 1
    ROW = Qt.ItemDataRole.UserRole + 2
    FILENAME = Qt.ItemDataRole.UserRole + 3
    STARS = Qt.ItemDataRole.UserRole + 4
    FLAG = Qt.ItemDataRole.UserRole + 5
    LABEL = Qt.ItemDataRole.UserRole + 6
    SELECTED = Qt.ItemDataRole.UserRole + 7
    PREVIEW_HASH = Qt.ItemDataRole.UserRole + 8
    CLIENT_PICKS = Qt.ItemDataRole.UserRole + 9
    COMMENTS = Qt.ItemDataRole.UserRole + 10


_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable  # asked per cell per paint
_FIELDS = {
    Roles.ID: "id",
    Roles.FILENAME: "filename",
    Roles.STARS: "stars",
    Roles.FLAG: "flag",
    Roles.LABEL: "label",
    Roles.SELECTED: "selected",
    Roles.PREVIEW_HASH: "preview_hash",
    Roles.CLIENT_PICKS: "client_picks",
    Roles.COMMENTS: "comments",
}


@dataclass(frozen=True)
class PhotoFilter:
    """What the filter bar asks for; `only` shows exactly these photos (a refusal's photos)."""

    flag: str | None = None  # "pick" | "reject" | "unflagged"
    min_stars: int = 0
    in_selection: bool = False  # the studio's selection (S), what the album's limits count
    client_picks: bool = False  # picked by at least one guest of a client link
    has_comments: bool = False
    only: frozenset[uuid.UUID] | None = None

    def accepts_raw(
        self, r: list[Any], picks: dict[str, int], comments: dict[str, int], only: set[str] | None
    ) -> bool:
        """Whether a row of `AlbumRows.data` (no PhotoRow built) passes; `only`: the hex ids of
        `self.only`, made once for all the rows."""
        if only is not None and r[_ID] not in only:
            return False
        flag = r[_FLAG]
        if self.flag == "unflagged":
            if flag is not None:
                return False
        elif self.flag is not None and flag != self.flag:
            return False
        if r[_STARS] < self.min_stars:
            return False
        if self.in_selection and not r[_SELECTED]:
            return False
        if self.client_picks and not picks.get(r[_ID]):
            return False
        return not (self.has_comments and not comments.get(r[_ID]))

    @property
    def active(self) -> bool:
        return self != PhotoFilter()


_ID, _NAME, _FLAG, _STARS, _SELECTED = (
    RAW["id"],
    RAW["filename"],
    RAW["flag"],
    RAW["stars"],
    RAW["selected"],
)


def _sort_key(order: str):  # type: ignore[no-untyped-def]
    """A key on a row of `AlbumRows.data`; capture order is the service's, kept by position."""
    if order == "name":
        return lambda r: r[_NAME].lower()
    return None


class PhotoGridModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._album = AlbumRows([], {}, {}, {})
        self._built: list[PhotoRow | None] = []  # PhotoRows built so far, by position
        self._visible: list[int] = []
        self._where: dict[str, int] = {}  # photo id (hex) -> position in the album's rows
        self._shown_at: dict[int, int] = {}  # position in the rows -> visible row, built lazily
        # Marks and rows changed since some moment, replayed onto a listing read before them.
        self._edits: list[tuple[uuid.UUID, dict[str, Any] | PhotoRow]] = []
        self._edits_before = 0  # how many edits were dropped from the front of _edits
        self.filter = PhotoFilter()
        self.order = "taken"
        self._as_listed = True

    # Qt's model interface -------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        i = self._visible[index.row()]
        if role == Roles.ROW:
            return self._photo(i)
        r = self._album.data[i]
        if role == Qt.ItemDataRole.DisplayRole:
            return r[_NAME]
        if role == Qt.ItemDataRole.ToolTipRole:
            row = self._photo(i)
            return f"{row.filename}\n{row.camera or ''} {row.lens or ''}".strip()
        field = _FIELDS.get(role)  # type: ignore[call-overload]
        return getattr(self._photo(i), field) if field else None

    def roleNames(self) -> dict[int, QByteArray]:
        names = {int(r): QByteArray(r.name.lower().encode()) for r in Roles}
        names[int(Qt.ItemDataRole.DisplayRole)] = QByteArray(b"display")
        return names

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _FLAGS

    def cell(self, row: int) -> tuple[list[Any], int, int, float]:
        """What a cell paints, without building a PhotoRow: the photo's column values (index
        them with `RAW`), its client picks, comments and mean client stars."""
        album = self._album
        r = album.data[self._visible[row]]
        key = r[_ID]
        return r, album.picks.get(key, 0), album.comments.get(key, 0), album.stars.get(key, 0.0)

    # The album's photos ------------------------------------------------------------------
    def set_rows(
        self, rows: AlbumRows | Iterable[PhotoRow], *, edits_since: int | None = None
    ) -> None:
        """Show these photos. `edits_since` (from `edits_mark()` when they were asked for):
        marks and rows changed since then are applied again, as the listing may predate them."""
        album = rows if isinstance(rows, AlbumRows) else AlbumRows.of(list(rows))
        self.beginResetModel()
        self._album = album
        self._built = [None] * len(album.data)
        self._where = album.where  # made off the GUI thread with the rows
        if edits_since is not None:
            self._replay(edits_since)
        else:  # another album, or rows given whole: nothing to apply again
            self._edits_before += len(self._edits)
            self._edits.clear()
        self._rebuild()
        self.endResetModel()
        # An album's rows live as long as it is open: keep them out of the cycle collector's
        # sight, or each full collection walks them all (170 ms at 50,000 photos, a visible
        # stall in the middle of a scroll). Rows hold no cycles: refcounting still frees them.
        gc.freeze()

    def shows(self, rows: AlbumRows) -> bool:
        """Whether these rows are the ones held, as they are now (a listing behind a sheet)."""
        album = self._album
        return (
            rows.data == album.data
            and rows.picks == album.picks
            and rows.comments == album.comments
            and rows.stars == album.stars
            and rows.tally == album.tally
        )

    def edits_mark(self) -> int:
        """A moment in the model's edits, to give `set_rows` for a listing asked for now."""
        return self._edits_before + len(self._edits)

    def _replay(self, since: int) -> None:
        drop = max(0, since - self._edits_before)
        del self._edits[:drop]
        self._edits_before += drop
        for photo_id, edit in self._edits:
            i = self._where.get(photo_id.hex)
            if i is None:
                continue
            if isinstance(edit, PhotoRow):
                self._store(i, edit)
            else:
                self._store(i, replace(self._photo(i), **edit))

    def set_filter(self, photo_filter: PhotoFilter) -> None:
        self.beginResetModel()
        self.filter = photo_filter
        self._rebuild()
        self.endResetModel()

    def set_order(self, order: str) -> None:
        self.beginResetModel()
        self.order = order
        self._rebuild()
        self.endResetModel()

    def _rebuild(self) -> None:
        f, album = self.filter, self._album
        data = album.data
        if f.active:
            only = None if f.only is None else {u.hex for u in f.only}
            picks, comments = album.picks, album.comments
            visible = [i for i, r in enumerate(data) if f.accepts_raw(r, picks, comments, only)]
        else:
            visible = list(range(len(data)))
        # The service returns capture order; re-sort only when asked for another order.
        key = _sort_key(self.order)
        if key is not None:
            visible.sort(key=lambda i: key(data[i]))
        self._visible = visible
        self._shown_at = {}
        self._as_listed = key is None and not f.active  # row n shows the n-th photo

    def _photo(self, i: int) -> PhotoRow:
        row = self._built[i]
        if row is None:
            row = self._built[i] = self._album.row(i)
        return row

    def _store(self, i: int, row: PhotoRow) -> None:
        """Put a changed photo at position i, in the built rows and the column values."""
        self._built[i] = row
        before = self._album.data[i]
        after = raw_of(row, before)
        self._album.data[i] = after
        tally = self._album.tally
        for name, column, value in (
            ("picked", _FLAG, "pick"),
            ("rejected", _FLAG, "reject"),
            ("selected", _SELECTED, True),
        ):
            tally[name] += bool(after[column] == value) - bool(before[column] == value)
        key, album = row.id.hex, self._album
        for counts, value in (
            (album.picks, row.client_picks),
            (album.comments, row.comments),
            (album.stars, row.client_stars),
        ):
            if value:
                counts[key] = value  # type: ignore[index]
            else:
                counts.pop(key, None)  # type: ignore[attr-defined]

    def photo(self, row: int) -> PhotoRow:
        return self._photo(self._visible[row])

    def photo_by_id(self, photo_id: uuid.UUID) -> PhotoRow | None:
        i = self._where.get(photo_id.hex)
        return None if i is None else self._photo(i)

    def row_of(self, photo_id: uuid.UUID) -> int | None:
        i = self._where.get(photo_id.hex)
        if i is None:
            return None
        if self._as_listed:
            return i
        if not self._shown_at:
            self._shown_at = {pos: n for n, pos in enumerate(self._visible)}
        return self._shown_at.get(i)

    def selected_ids(self) -> set[uuid.UUID]:
        """The photos shown that are in the studio's selection (no PhotoRow built)."""
        data = self._album.data
        return {uuid.UUID(data[i][_ID]) for i in self._visible if data[i][_SELECTED]}

    @property
    def total(self) -> int:
        return len(self._album.data)

    def update_photo(self, photo_id: uuid.UUID, **changes: Any) -> PhotoRow | None:
        """Change one photo's fields (a mark, a live event); the view repaints that cell only.

        A photo that no longer matches the filter stays on screen until the filter changes,
        as in Lightroom: culling must not make the photo under the cursor jump away.
        """
        self._edits.append((photo_id, changes))  # also for a photo not listed yet
        i = self._where.get(photo_id.hex)
        if i is None:
            return None
        self._store(i, replace(self._photo(i), **changes))
        row = self.row_of(photo_id)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index)
        return self._built[i]

    def put_row(self, row: PhotoRow) -> bool:
        """Replace one photo's row as the catalog has it now (a live event); False if the album
        has no such photo. Like `update_photo`, it repaints that cell only."""
        i = self._where.get(row.id.hex)
        if i is None:
            return False
        self._edits.append((row.id, row))
        self._store(i, row)
        shown = self.row_of(row.id)
        if shown is not None:
            index = self.index(shown)
            self.dataChanged.emit(index, index)
        return True

    def counts(self) -> dict[str, int]:
        """Counted where the rows were decoded, kept as marks change: no walk of 50,000 rows."""
        return {"total": len(self._album.data), "shown": len(self._visible), **self._album.tally}
