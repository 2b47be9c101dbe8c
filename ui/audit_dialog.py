"""The audit log: what was attempted, by whom, with what outcome and how long it took."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.audit_words import describe, outcome_words
from core.services.audit_log import AuditEntry
from ui.call_figures_dialog import CallFiguresDialog
from ui.studio import Studio

COLUMNS = ["When", "Who", "What", "Target", "Outcome", "Message", "ms"]


class AuditDialog(QDialog):
    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.setWindowTitle("Audit log")
        self.resize(980, 520)
        self.action = QLineEdit(self)
        self.action.setPlaceholderText("Action, e.g. album.advance")
        self.who = QLineEdit(self)
        self.who.setPlaceholderText("Who (e-mail contains)")
        self.album = QLineEdit(self)
        self.album.setPlaceholderText("Album name")
        self.outcome = QComboBox(self)
        for text in ("Any outcome", "ok", "refused", "denied", "failed"):
            self.outcome.addItem(text, None if text == "Any outcome" else text)
        self.apply = QPushButton("Show", self)
        self.figures_button = QPushButton("Slowest and refused…", self)
        self.figures: CallFiguresDialog | None = None
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.status = QLabel(self)
        bar = QHBoxLayout()
        for w in (self.action, self.who, self.album, self.outcome, self.apply, self.figures_button):
            bar.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self.apply.clicked.connect(self.refresh)
        self.figures_button.clicked.connect(self.open_figures)
        for edit in (self.action, self.who, self.album):
            edit.returnPressed.connect(self.refresh)
        self.outcome.currentIndexChanged.connect(lambda _: self.refresh())
        self.refresh()

    def open_figures(self) -> CallFiguresDialog:
        """The last day's slowest and most refused calls, in a window of their own."""
        if self.figures is None:
            self.figures = CallFiguresDialog(self.studio, self)
        else:
            self.figures.refresh()
        self.figures.show()
        self.figures.raise_()
        return self.figures

    def refresh(self) -> None:
        self.studio.jobs.run(
            self.studio.services.audit.events(
                self.studio.actor,
                album=self.album.text().strip() or None,
                action=self.action.text().strip() or None,
                outcome=self.outcome.currentData(),
                who=self.who.text().strip() or None,
                limit=1000,
            ),
            self._show,
            lambda text, _: self.status.setText(text),
        )

    def _show(self, entries: list[AuditEntry]) -> None:
        self.table.setRowCount(len(entries))
        for i, e in enumerate(entries):
            values = [
                e.at.strftime("%Y-%m-%d %H:%M:%S"),
                e.actor,
                describe(e.action, e.detail, e.outcome),
                e.target or "",
                outcome_words(e.outcome),
                e.message or "",
                f"{e.duration_ms:.1f}",
            ]
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                if j == 2:
                    item.setToolTip(e.action)  # the name to filter by
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self.status.setText(f"{len(entries)} events, newest first.")
