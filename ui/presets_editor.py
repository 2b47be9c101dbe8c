"""The studio's export presets in the settings dialog: the list, and the chosen one's size, format,
colour, sharpening, rename template, watermark and metadata; saved one preset at a time, with the
service's plain sentence when a value makes no sense (an unknown template field, a '/')."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.finals.presets import TEMPLATE_FIELDS, ExportPreset
from ui.studio import Studio


class PresetsEditor(QWidget):
    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.presets: list[ExportPreset] = []
        self.editing: str | None = None  # the name of the preset shown, as saved
        self.list = QListWidget(self)
        self.add_button = QPushButton("New preset", self)
        self.remove_button = QPushButton("Remove", self)
        self.save_button = QPushButton("Save preset", self)
        self.name = QLineEdit(self)
        self.long_edge = QSpinBox(self)
        self.long_edge.setRange(0, 20000)
        self.long_edge.setSingleStep(256)
        self.long_edge.setSpecialValueText("full size")
        self.long_edge.setSuffix(" px")
        self.format = QComboBox(self)
        self.format.addItem("JPEG", "jpeg")
        self.format.addItem("TIFF", "tiff")
        self.quality = QSpinBox(self)
        self.quality.setRange(1, 100)
        self.srgb = QCheckBox("Convert to sRGB", self)
        self.sharpen = QComboBox(self)
        for value, title in (("none", "None"), ("screen", "For screen"), ("print", "For print")):
            self.sharpen.addItem(title, value)
        self.rename = QLineEdit(self)
        self.rename.setToolTip("Fields: " + " ".join("{" + f + "}" for f in TEMPLATE_FIELDS))
        self.watermark = QCheckBox("Studio watermark across the picture", self)
        self.keep_gps = QCheckBox("Keep GPS position", self)
        self.keep_serials = QCheckBox("Keep camera and lens serial numbers", self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button):
            buttons.addWidget(b)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Long edge", self.long_edge)
        form.addRow("Format", self.format)
        form.addRow("JPEG quality", self.quality)
        form.addRow("", self.srgb)
        form.addRow("Output sharpening", self.sharpen)
        form.addRow("File names", self.rename)
        form.addRow("", self.watermark)
        form.addRow("", self.keep_gps)
        form.addRow("", self.keep_serials)
        form.addRow(self.save_button)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addLayout(buttons)
        row = QHBoxLayout()
        row.addLayout(left, 1)
        row.addLayout(form, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.list.currentRowChanged.connect(self._show)
        self.add_button.clicked.connect(self.new_preset)
        self.remove_button.clicked.connect(self.remove)
        self.save_button.clicked.connect(self.save)
        self.load()

    def load(self, select: str | None = None) -> None:
        self.studio.jobs.run(
            self.studio.services.delivery.presets(self.studio.actor),
            lambda presets: self._fill(presets, select),
            lambda text, _: self.status.setText(text),
        )

    def _fill(self, presets: list[ExportPreset], select: str | None) -> None:
        self.presets = presets
        self.list.blockSignals(True)
        self.list.clear()
        self.list.addItems([p.name for p in presets])
        self.list.blockSignals(False)
        names = [p.name for p in presets]
        self.list.setCurrentRow(names.index(select) if select in names else 0 if names else -1)
        self._show(self.list.currentRow())

    def _show(self, row: int) -> None:
        preset = self.presets[row] if 0 <= row < len(self.presets) else None
        self.editing = preset.name if preset else None
        self._put(preset or ExportPreset("New preset"))

    def _put(self, p: ExportPreset) -> None:
        self.name.setText(p.name)
        self.long_edge.setValue(p.long_edge or 0)
        self.format.setCurrentIndex(self.format.findData(p.format))
        self.quality.setValue(p.quality)
        self.srgb.setChecked(p.srgb)
        self.sharpen.setCurrentIndex(self.sharpen.findData(p.sharpen))
        self.rename.setText(p.rename)
        self.watermark.setChecked(p.watermark)
        self.keep_gps.setChecked(p.keep_gps)
        self.keep_serials.setChecked(p.keep_serials)

    def shown(self) -> dict[str, object]:
        """The preset as the fields show it (checked by the service when saved)."""
        return {
            "name": self.name.text(),
            "long_edge": self.long_edge.value() or None,
            "format": self.format.currentData(),
            "quality": self.quality.value(),
            "srgb": self.srgb.isChecked(),
            "sharpen": self.sharpen.currentData(),
            "rename": self.rename.text(),
            "watermark": self.watermark.isChecked(),
            "keep_gps": self.keep_gps.isChecked(),
            "keep_serials": self.keep_serials.isChecked(),
        }

    def new_preset(self) -> None:
        self.list.clearSelection()
        self.editing = None
        self._put(ExportPreset("New preset"))
        self.name.setFocus()
        self.name.selectAll()

    def save(self) -> None:
        self.status.setText("Saving…")
        self.studio.jobs.run(
            self.studio.services.delivery.save_preset(
                self.studio.actor, self.shown(), replacing=self.editing
            ),
            self._saved,
            lambda text, _: self.status.setText(text),
            label="Saving an export preset",
        )

    def _saved(self, preset: ExportPreset) -> None:
        self.status.setText(f"Saved {preset.name}.")
        self.load(select=preset.name)

    def remove(self) -> None:
        if self.editing is None:
            return
        name = self.editing
        self.studio.jobs.run(
            self.studio.services.delivery.delete_preset(self.studio.actor, name),
            lambda _: (self.status.setText(f"Removed {name}."), self.load()),
            lambda text, _: self.status.setText(text),
        )
