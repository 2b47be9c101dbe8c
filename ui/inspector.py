"""The current photo's details: EXIF fields, marks, versions, and the client's activity."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from core.services.photos import PhotoDetail, PhotoRow
from ui.studio import Studio


class Inspector(QWidget):
    FIELDS = (
        ("File", "file"),
        ("Captured", "taken"),
        ("Size", "size"),
        ("Camera", "camera"),
        ("Lens", "lens"),
        ("Rating", "stars"),
        ("Flag", "flag"),
        ("Label", "label"),
        ("Selected", "selected"),
        ("Versions", "versions"),
        ("Client picks", "picks"),
        ("Client comments", "comments"),
    )

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.album_id: uuid.UUID | None = None
        self._showing: uuid.UUID | None = None
        self.setMinimumWidth(240)
        self.title = QLabel("No photo", self)
        self.title.setObjectName("inspectorTitle")
        self.values: dict[str, QLabel] = {}
        form = QFormLayout()
        for text, key in self.FIELDS:
            label = QLabel(self)
            label.setWordWrap(True)
            self.values[key] = label
            form.addRow(text, label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        self.said = QLabel(self)
        self.said.setObjectName("inspectorComments")
        self.said.setWordWrap(True)
        layout.addWidget(self.said)
        layout.addStretch(1)

    def show_photo(self, row: PhotoRow | None) -> None:
        self._showing = row.id if row is not None else None
        if row is None:
            self.title.setText("No photo")
            for label in self.values.values():
                label.setText("")
            self.said.setText("")
            return
        self.title.setText(row.filename)
        size = f"{row.width} × {row.height}" if row.width and row.height else "—"
        values = {
            "file": row.filename,
            "taken": row.taken_at.strftime("%Y-%m-%d %H:%M:%S") if row.taken_at else "—",
            "size": size,
            "camera": row.camera or "—",
            "lens": row.lens or "—",
            "stars": "★" * row.stars if row.stars else "none",
            "flag": {"pick": "Picked", "reject": "Rejected"}.get(row.flag or "", "—"),
            "label": row.label or "—",
            "selected": "yes" if row.selected else "no",
            "versions": "…",
            "picks": str(row.client_picks),
            "comments": f"{row.comments}" if row.comments else "none",
        }
        for key, text in values.items():
            self.values[key].setText(text)
        if self.album_id is not None:
            self.studio.jobs.run(
                self.studio.services.photos.detail(self.studio.actor, self.album_id, row.id),
                self._show_detail,
                lambda message, _exc: self.said.setText(message),
            )

    def _show_detail(self, detail: PhotoDetail) -> None:
        if detail.row.id != self._showing:
            return  # the photographer has moved on
        kinds = [
            f"{v.kind} r{v.round}" if v.kind == "retouched" else v.kind for v in detail.versions
        ]
        self.values["versions"].setText(", ".join(kinds) or "—")
        exif = detail.exif
        exposure = " ".join(
            part
            for part in (
                exif.get("shutter_speed"),
                f"f/{exif['f_number']:g}" if exif.get("f_number") else None,
                f"ISO {exif['iso']}" if exif.get("iso") else None,
                f"{exif['focal_length']:g} mm" if exif.get("focal_length") else None,
            )
            if part
        )
        if exposure:
            self.values["camera"].setText(f"{detail.row.camera or '—'}\n{exposure}")
        words = {"comment": "says", "approval": "approved", "change_request": "asks for changes"}
        lines = [
            f"{w.author} ({w.at:%d %b %H:%M}, round {w.round}): {words[w.kind]}"
            + (f" — {w.text}" if w.text else "")
            for w in detail.feedback
        ]
        self.said.setText("\n".join(lines))
