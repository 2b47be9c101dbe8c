"""The grid's model: the album's photos as ids with named roles, filtered and sorted in place.

Filtering and sorting work on a list of row numbers, not a proxy model: at 50,000 photos a
`QSortFilterProxyModel` costs more than the whole grid paint budget.
"""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractListModel, QByteArray, QModelIndex, QPersistentModelIndex, Qt

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

    def accepts(self, row: PhotoRow) -> bool:
        if self.only is not None and row.id not in self.only:
            return False
        if self.flag == "unflagged":
            if row.flag is not None:
                return False
        elif self.flag is not None and row.flag != self.flag:
            return False
        if row.stars < self.min_stars:
            return False
        if self.in_selection and not row.selected:
            return False
        if self.client_picks and not row.client_picks:
            return False
        return not (self.has_comments and not row.comments)

    @property
    def active(self) -> bool:
        return self != PhotoFilter()


def _sort_key(order: str):  # type: ignore[no-untyped-def]
    if order == "name":
        return lambda r: r.filename.lower()
    return lambda r: (r.taken_at is None, r.taken_at.timestamp() if r.taken_at else 0, r.filename)


class PhotoGridModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[PhotoRow] = []
        self._visible: list[int] = []
        self._where: dict[uuid.UUID, int] = {}  # photo id -> position in _rows
        self._shown_at: dict[int, int] = {}  # position in _rows -> visible row, built lazily
        self.filter = PhotoFilter()
        self.order = "taken"

    # Qt's model interface -------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[self._visible[index.row()]]
        if role == Roles.ROW:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return row.filename
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.filename}\n{row.camera or ''} {row.lens or ''}".strip()
        field = _FIELDS.get(role)  # type: ignore[call-overload]
        return getattr(row, field) if field else None

    def roleNames(self) -> dict[int, QByteArray]:
        names = {int(r): QByteArray(r.name.lower().encode()) for r in Roles}
        names[int(Qt.ItemDataRole.DisplayRole)] = QByteArray(b"display")
        return names

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _FLAGS

    # The album's photos ------------------------------------------------------------------
    def set_rows(self, rows: Iterable[PhotoRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._where = {r.id: i for i, r in enumerate(self._rows)}
        self._rebuild()
        self.endResetModel()
        # An album's rows live as long as it is open: keep them out of the cycle collector's
        # sight, or each full collection walks them all (170 ms at 50,000 photos, a visible
        # stall in the middle of a scroll). Rows hold no cycles: refcounting still frees them.
        gc.freeze()

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
        f = self.filter
        visible = (
            list(range(len(self._rows)))
            if not f.active
            else [i for i, r in enumerate(self._rows) if f.accepts(r)]
        )
        # The service returns capture order; re-sort only when asked for another order.
        if self.order != "taken":
            key = _sort_key(self.order)
            visible.sort(key=lambda i: key(self._rows[i]))
        self._visible = visible
        self._shown_at = {}

    def photo(self, row: int) -> PhotoRow:
        return self._rows[self._visible[row]]

    def photo_by_id(self, photo_id: uuid.UUID) -> PhotoRow | None:
        i = self._where.get(photo_id)
        return None if i is None else self._rows[i]

    def row_of(self, photo_id: uuid.UUID) -> int | None:
        i = self._where.get(photo_id)
        if i is None:
            return None
        if not self._shown_at:
            self._shown_at = {pos: n for n, pos in enumerate(self._visible)}
        return self._shown_at.get(i)

    @property
    def total(self) -> int:
        return len(self._rows)

    def update_photo(self, photo_id: uuid.UUID, **changes: Any) -> PhotoRow | None:
        """Change one photo's fields (a mark, a live event); the view repaints that cell only.

        A photo that no longer matches the filter stays on screen until the filter changes,
        as in Lightroom: culling must not make the photo under the cursor jump away.
        """
        i = self._where.get(photo_id)
        if i is None:
            return None
        self._rows[i] = replace(self._rows[i], **changes)
        row = self.row_of(photo_id)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index)
        return self._rows[i]

    def put_row(self, row: PhotoRow) -> bool:
        """Replace one photo's row as the catalog has it now (a live event); False if the album
        has no such photo. Like `update_photo`, it repaints that cell only."""
        i = self._where.get(row.id)
        if i is None:
            return False
        self._rows[i] = row
        shown = self.row_of(row.id)
        if shown is not None:
            index = self.index(shown)
            self.dataChanged.emit(index, index)
        return True

    def counts(self) -> dict[str, int]:
        rows = self._rows
        return {
            "total": len(rows),
            "shown": len(self._visible),
            "picked": sum(1 for r in rows if r.flag == "pick"),
            "rejected": sum(1 for r in rows if r.flag == "reject"),
            "selected": sum(1 for r in rows if r.selected),
        }
