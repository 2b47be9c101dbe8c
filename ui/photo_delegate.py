"""Paints one grid cell: the thumbnail (or a placeholder while it loads) and the culling marks.

Everything here is cheap: pixmaps come pre-scaled from the cache, fonts and metrics are made once,
and nothing allocates per paint beyond a few rectangles.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from core.services.photos import PhotoRow
from ui.photo_grid_model import Roles
from ui.thumbnails import ThumbnailCache

CELL = QSize(196, 196)
THUMB = QSize(180, 136)
LABEL_COLOURS = {
    "Red": QColor("#d23c3c"),
    "Yellow": QColor("#d8c040"),
    "Green": QColor("#4caf50"),
    "Blue": QColor("#3f7fd0"),
    "Purple": QColor("#9c5cc4"),
}
STARS = ["", "★", "★★", "★★★", "★★★★", "★★★★★"]


class PhotoDelegate(QStyledItemDelegate):
    def __init__(self, thumbnails: ThumbnailCache, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.font = QFont()
        self.font.setPointSizeF(8.5)
        self.metrics = QFontMetrics(self.font)
        self.badge_font = QFont(self.font)
        self.badge_font.setBold(True)
        self._cell_bg = QColor("#222222")
        self._current_bg = QColor("#2e3a48")
        self._placeholder = QColor("#303030")
        self._text = QColor("#c8c8c8")
        self._star = QColor("#f0c040")
        self._dim = QColor(0, 0, 0, 150)
        self._select_pen = QPen(QColor("#5a9be0"), 2)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return CELL

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        row: PhotoRow = index.data(Roles.ROW)
        if row is None:
            return
        r = option.rect.adjusted(3, 3, -3, -3)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.fillRect(r, self._current_bg if selected else self._cell_bg)

        thumb_area = QRect(
            r.x() + (r.width() - THUMB.width()) // 2, r.y() + 6, THUMB.width(), THUMB.height()
        )
        pixmap = self.thumbnails.get(row.preview_hash)
        if pixmap is None:
            painter.fillRect(thumb_area.adjusted(20, 10, -20, -10), self._placeholder)
        else:
            x = thumb_area.x() + (thumb_area.width() - pixmap.width()) // 2
            y = thumb_area.y() + (thumb_area.height() - pixmap.height()) // 2
            painter.drawPixmap(x, y, pixmap)
        if row.flag == "reject":
            painter.fillRect(thumb_area, self._dim)

        painter.setFont(self.font)
        text_y = thumb_area.bottom() + 4
        line = QRect(r.x() + 6, text_y, r.width() - 12, self.metrics.height())
        painter.setPen(self._text)
        name = self.metrics.elidedText(
            row.filename, Qt.TextElideMode.ElideMiddle, line.width() - 34
        )
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        if row.label:
            colour = LABEL_COLOURS.get(row.label, self._text)
            painter.fillRect(QRect(line.right() - 12, line.y() + 3, 12, line.height() - 6), colour)
        line2 = line.translated(0, self.metrics.height() + 2)
        if row.stars:
            painter.setPen(self._star)
            painter.drawText(
                line2, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, STARS[row.stars]
            )
        self._paint_flag(painter, row, line2)
        self._paint_badges(painter, row, thumb_area)
        if selected:
            painter.setPen(self._select_pen)
            painter.drawRect(r.adjusted(1, 1, -1, -1))

    def _paint_flag(self, painter: QPainter, row: PhotoRow, line: QRect) -> None:
        if row.flag is None:
            return
        painter.setPen(QColor("#ffffff") if row.flag == "pick" else QColor("#ff5050"))
        painter.drawText(
            line,
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            "⚑ Pick" if row.flag == "pick" else "✕ Reject",
        )

    def _paint_badges(self, painter: QPainter, row: PhotoRow, area: QRect) -> None:
        """Top corners: the studio's selection, and the guests' picks, mean stars and comments."""
        painter.setFont(self.badge_font)
        x = area.right() - 4
        for text, colour, show in (
            (f"♥{row.client_picks}" if row.client_picks > 1 else "♥", "#e0507a", row.client_picks),
            (f"☆{row.client_stars:g}", "#b07d1a", row.client_stars),
            (f"✎{row.comments}", "#4a90d9", row.comments),
            ("✔", "#3aa35a", row.selected),
        ):
            if not show:
                continue
            w = self.metrics.horizontalAdvance(text) + 10
            badge = QRect(x - w, area.y() + 4, w, self.metrics.height() + 2)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(colour))
            painter.drawRoundedRect(badge, 4, 4)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
            x -= w + 4
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setFont(self.font)
