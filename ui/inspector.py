"""The current photo's details: EXIF fields, marks, versions, and the client's activity."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from core.services.photos import PhotoRow


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

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        layout.addStretch(1)

    def show_photo(self, row: PhotoRow | None) -> None:
        if row is None:
            self.title.setText("No photo")
            for label in self.values.values():
                label.setText("")
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
            "versions": ", ".join(row.versions) or "—",
            "picks": str(row.client_picks),
            # The comments' text needs a core service (see the issue's report); the count is real.
            "comments": f"{row.comments}" if row.comments else "none",
        }
        for key, text in values.items():
            self.values[key].setText(text)
