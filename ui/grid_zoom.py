"""Thumbnail size: a slider and Ctrl +/-, as in Lightroom's grid.

The cell's delegate paints at its one size; this wraps it and scales the painter, so the grid's
paint code stays one fast path whatever the size. The size is remembered per user.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QListView,
    QSlider,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from ui.pane_memory import settings
from ui.photo_delegate import CELL

SMALLEST, LARGEST, STEP = 50, 160, 10  # per cent of the standard cell
KEY = "grid/thumbnail_percent"


class ZoomedDelegate(QStyledItemDelegate):
    """Paints through `inner` at `percent` of its size."""

    def __init__(self, inner: QAbstractItemDelegate, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.inner = inner
        self.percent = 100

    def cell(self) -> QSize:
        return QSize(
            round(CELL.width() * self.percent / 100), round(CELL.height() * self.percent / 100)
        )

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return self.cell()

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        if self.percent == 100:
            self.inner.paint(painter, option, index)
            return
        scale = self.percent / 100
        inner_option = QStyleOptionViewItem(option)
        inner_option.rect = QRect(0, 0, CELL.width(), CELL.height())
        painter.save()
        painter.translate(option.rect.topLeft())
        painter.scale(scale, scale)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.inner.paint(painter, inner_option, index)
        painter.restore()


class GridZoom(QObject):
    """Owns the grid's thumbnail size: the slider, the keys, and the remembered value."""

    changed = Signal(int)  # per cent

    def __init__(self, view: QListView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.delegate = ZoomedDelegate(view.itemDelegate(), view)
        view.setItemDelegate(self.delegate)
        self.slider = QSlider(Qt.Orientation.Horizontal, parent)
        self.slider.setObjectName("thumbnailSize")
        self.slider.setRange(SMALLEST, LARGEST)
        self.slider.setSingleStep(STEP)
        self.slider.setPageStep(STEP * 2)
        self.slider.setFixedWidth(140)
        self.slider.setToolTip("Thumbnail size (Ctrl + and Ctrl -)")
        self.slider.valueChanged.connect(self.set_percent)
        saved = settings().value(KEY)
        self.set_percent(int(saved) if saved is not None else 100)

    @property
    def percent(self) -> int:
        return self.delegate.percent

    def set_percent(self, percent: int) -> None:
        percent = max(SMALLEST, min(LARGEST, int(percent)))
        if percent != self.slider.value():
            self.slider.setValue(percent)  # comes back here through valueChanged
            return
        if percent == self.delegate.percent and self.view.gridSize() == self.delegate.cell():
            return
        self.delegate.percent = percent
        self.view.setGridSize(self.delegate.cell())
        self.view.doItemsLayout()
        current = self.view.currentIndex()
        if current.isValid():
            self.view.scrollTo(current)
        s = settings()
        s.setValue(KEY, percent)
        self.changed.emit(percent)

    def bigger(self) -> None:
        self.set_percent(self.percent + STEP)

    def smaller(self) -> None:
        self.set_percent(self.percent - STEP)
