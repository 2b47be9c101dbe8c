"""Paints one grid cell: the thumbnail (or a placeholder while it loads) and the culling marks.

A fling through 50,000 photos paints every cell once or twice, so each paint must be cheap:
pixmaps come pre-scaled from the cache; the stars, flags and badges (a handful of strings, with
symbols from fallback fonts) are `QStaticText`s laid out once; a file name is elided once and
kept for the next few thousand cells; the photo's fields are read from the model's column
values (`PhotoGridModel.cell`), no `PhotoRow` built for a paint.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QPixmap, QStaticText
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from core.services.photo_rows import RAW
from ui.photo_grid_model import PhotoGridModel
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
FLAGS = {"pick": ("⚑ Pick", QColor("#ffffff")), "reject": ("✕ Reject", QColor("#ff5050"))}
NAMES_KEPT = 4096  # laid-out file names kept: a few screens of the largest grid
SELECTED = QStyle.StateFlag.State_Selected.value  # tested on ints: Flag operators cost more
NAME, STARRED, FLAG, LABEL, IN_SELECTION, HASH = (
    RAW[k] for k in ("filename", "stars", "flag", "label", "selected", "preview_hash")
)


class PhotoDelegate(QStyledItemDelegate):
    def __init__(self, thumbnails: ThumbnailCache, model: PhotoGridModel, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.model = model
        self.font = QFont()
        self.font.setPointSizeF(8.5)
        self.metrics = QFontMetrics(self.font)
        self._advances: dict[str, int] = {}  # each letter's width, for `_roughly_wide`
        self.badge_font = QFont(self.font)
        self.badge_font.setBold(True)
        self.badge_metrics = QFontMetrics(self.badge_font)
        self._cell_bg = QColor("#222222")
        self._current_bg = QColor("#2e3a48")
        self._placeholder = QColor("#303030")
        self._text = QColor("#c8c8c8")
        self._star = QColor("#f0c040")
        self._white = QColor("#ffffff")
        self._dim = QColor(0, 0, 0, 150)
        self._select_pen = QPen(QColor("#5a9be0"), 2)
        self._names: OrderedDict[tuple[str, int], str] = OrderedDict()
        self._texts: dict[tuple[str, bool], QStaticText] = {}  # stars, flags, badges
        self._badges: dict[tuple[str, str, float], QPixmap] = {}

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
        if not index.isValid():
            return
        row, picks, comments, client_stars = self.model.cell(index.row())
        r = option.rect.adjusted(3, 3, -3, -3)
        selected = bool(option.state.value & SELECTED)
        painter.fillRect(r, self._current_bg if selected else self._cell_bg)

        thumb_area = QRect(
            r.x() + (r.width() - THUMB.width()) // 2, r.y() + 6, THUMB.width(), THUMB.height()
        )
        pixmap = self.thumbnails.get(row[HASH])
        if pixmap is None:
            painter.fillRect(thumb_area.adjusted(20, 10, -20, -10), self._placeholder)
        else:
            x = thumb_area.x() + (thumb_area.width() - pixmap.width()) // 2
            y = thumb_area.y() + (thumb_area.height() - pixmap.height()) // 2
            painter.drawPixmap(x, y, pixmap)
        flag = row[FLAG]
        if flag == "reject":
            painter.fillRect(thumb_area, self._dim)

        painter.setFont(self.font)
        height = self.metrics.height()
        line = QRect(r.x() + 6, thumb_area.bottom() + 4, r.width() - 12, height)
        painter.setPen(self._text)
        name = self._name(row[NAME], line.width() - 34)
        painter.drawText(line.x(), line.y() + self.metrics.ascent(), name)
        if row[LABEL]:
            colour = LABEL_COLOURS.get(row[LABEL], self._text)
            painter.fillRect(QRect(line.right() - 12, line.y() + 3, 12, height - 6), colour)
        line2 = line.translated(0, height + 2)
        if row[STARRED]:
            painter.setPen(self._star)
            painter.drawStaticText(line2.topLeft(), self._static(STARS[row[STARRED]]))
        if flag in FLAGS:
            text, colour = FLAGS[flag]
            static = self._static(text)
            painter.setPen(colour)
            painter.drawStaticText(
                QPoint(line2.right() + 1 - int(static.size().width()), line2.y()), static
            )
        if picks or comments or client_stars or row[IN_SELECTION]:
            self._paint_badges(
                painter, (picks, client_stars, comments, row[IN_SELECTION]), thumb_area
            )
        if selected:
            painter.setPen(self._select_pen)
            painter.drawRect(r.adjusted(1, 1, -1, -1))

    def _name(self, filename: str, width: int) -> str:
        """The file name, elided in the middle when the cell is too narrow."""
        if self._roughly_wide(filename) <= width:
            return filename  # surely fits: no text layout to elide it
        key = (filename, width)
        name = self._names.get(key)
        if name is None:
            name = self._names[key] = self.metrics.elidedText(
                filename, Qt.TextElideMode.ElideMiddle, width
            )
            if len(self._names) > NAMES_KEPT:
                self._names.popitem(last=False)
        return name

    def _roughly_wide(self, text: str) -> float:
        """A little more than the text's width, from its letters' widths (laid out once each)."""
        advances, width = self._advances, 0
        for letter in text:
            w = advances.get(letter)
            if w is None:
                w = advances[letter] = self.metrics.horizontalAdvance(letter)
            width += w
        return width * 1.1 + 2

    def _static(self, text: str, bold: bool = False) -> QStaticText:
        static = self._texts.get((text, bold))
        if static is None:
            font = self.badge_font if bold else self.font
            static = self._texts[(text, bold)] = self._laid_out(text, font)
        return static

    @staticmethod
    def _laid_out(text: str, font: QFont) -> QStaticText:
        static = QStaticText(text)
        static.setTextFormat(Qt.TextFormat.PlainText)
        static.prepare(font=font)
        return static

    def _paint_badges(
        self, painter: QPainter, marks: tuple[int, float, int, bool], area: QRect
    ) -> None:
        """Top corners: the studio's selection, and the guests' picks, mean stars and comments."""
        picks, client_stars, comments, in_selection = marks
        x = area.right() - 4
        ratio = painter.device().devicePixelRatio()
        for text, colour, show in (
            (f"♥{picks}" if picks > 1 else "♥", "#e0507a", picks),
            (f"☆{client_stars:g}", "#b07d1a", client_stars),
            (f"✎{comments}", "#4a90d9", comments),
            ("✔", "#3aa35a", in_selection),
        ):
            if not show:
                continue
            badge = self._badge(text, colour, ratio)
            w = round(badge.width() / ratio)
            painter.drawPixmap(x - w, area.y() + 4, badge)
            x -= w + 4

    def _badge(self, text: str, colour: str, ratio: float) -> QPixmap:
        """A badge drawn once into a pixmap: a rounded rectangle with text costs ten times
        more to draw than a pixmap, in every cell of an album whose photos are mostly chosen."""
        key = (text, colour, ratio)
        badge = self._badges.get(key)
        if badge is None:
            static = self._static(text, bold=True)
            size = static.size()
            w, height = int(size.width()) + 10, self.metrics.height() + 2
            badge = QPixmap(round(w * ratio), round(height * ratio))
            badge.setDevicePixelRatio(ratio)
            badge.fill(Qt.GlobalColor.transparent)
            p = QPainter(badge)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(colour))
            p.drawRoundedRect(QRect(0, 0, w, height), 4, 4)
            p.setPen(self._white)
            p.setFont(self.badge_font)
            p.drawStaticText(QPoint(5, (height - int(size.height())) // 2), static)
            p.end()
            self._badges[key] = badge
        return badge
