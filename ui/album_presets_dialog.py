"""Which export presets an album's finals are made through; in Final, make them again."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from core.finals.presets import ExportPreset
from core.services.albums import AlbumSummary
from core.workflow import Stage
from ui.deliveries import Deliveries
from ui.studio import Studio


class AlbumPresetsDialog(QDialog):
    def __init__(
        self,
        studio: Studio,
        album: AlbumSummary,
        deliveries: Deliveries,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.studio = studio
        self.album = album
        self.deliveries = deliveries
        self.setWindowTitle(f"Export presets of {album.name}")
        self.boxes: list[QCheckBox] = []
        self.intro = QLabel("Finals are made through:", self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = self.buttons.addButton(
            "Make finals again" if album.stage is Stage.FINAL else "Save",
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.column = QVBoxLayout(self)
        self.column.addWidget(self.intro)
        self.column.addWidget(self.status)
        self.column.addWidget(self.buttons)
        self.setEnabled(False)
        s = studio.services.delivery

        async def load() -> tuple[list[ExportPreset], list[ExportPreset]]:
            return await s.presets(studio.actor), await s.album_presets(studio.actor, album.id)

        studio.jobs.run(load(), self._fill, lambda text, _: self.status.setText(text))

    def _fill(self, loaded: tuple[list[ExportPreset], list[ExportPreset]]) -> None:
        every, chosen = loaded
        names = {p.name for p in chosen}
        for i, preset in enumerate(every):
            box = QCheckBox(preset.name, self)
            box.setChecked(preset.name in names)
            self.boxes.append(box)
            self.column.insertWidget(1 + i, box)
        self.setEnabled(True)

    def chosen(self) -> list[str]:
        return [b.text() for b in self.boxes if b.isChecked()]

    def save(self) -> None:
        names = self.chosen()
        self.status.setText("Saving…")

        def saved(_: object) -> None:
            if self.album.stage is Stage.FINAL:
                self.deliveries.start(self.album.id, self.album.name, names)
            self.accept()

        self.studio.jobs.run(
            self.studio.services.delivery.choose_presets(self.studio.actor, self.album.id, names),
            saved,
            lambda text, _: self.status.setText(text),
        )
