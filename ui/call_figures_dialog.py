"""An admin's look at the last day: which actions were slowest, which were most often refused,
denied or failed. Read from the audit log (services.audit.call_figures)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.audit_words import describe
from core.services.audit_log import ActionFigures, CallFigures
from ui.studio import Studio

SLOW = ["What", "Calls", "Average ms", "Slowest ms"]
REFUSED = ["What", "Not done", "Of calls", "Share"]


def _table(parent: QWidget, columns: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setHorizontalHeaderLabels(columns)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for i, row in enumerate(rows):
        for col, text in enumerate(row):
            table.setItem(i, col, QTableWidgetItem(text))
    table.resizeColumnsToContents()


class CallFiguresDialog(QDialog):
    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.setWindowTitle("Slowest and most refused (last day)")
        self.resize(720, 520)
        self.slowest = _table(self, SLOW)
        self.refused = _table(self, REFUSED)
        self.status = QLabel(self)
        self.refresh_button = QPushButton("Refresh", self)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Slowest, on average", self))
        layout.addWidget(self.slowest, 1)
        layout.addWidget(QLabel("Most often refused, not allowed or failed", self))
        layout.addWidget(self.refused, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.refresh_button)
        self.refresh_button.clicked.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.studio.jobs.run(
            self.studio.services.audit.call_figures(self.studio.actor, hours=24),
            self._show,
            lambda text, _: self.status.setText(text),
        )

    def _show(self, figures: CallFigures) -> None:
        def what(f: ActionFigures, outcome: str = "ok") -> str:
            return describe(f.action, outcome=outcome)

        _fill(
            self.slowest,
            [
                [what(f), str(f.calls), f"{f.avg_ms:.1f}", f"{f.max_ms:.1f}"]
                for f in figures.slowest
            ],
        )
        _fill(
            self.refused,
            [
                [
                    what(f, "refused"),
                    str(f.not_done),
                    str(f.calls),
                    f"{100 * f.not_done / f.calls:.0f}%",
                ]
                for f in figures.most_refused
            ],
        )
        since = figures.since.astimezone().strftime("%Y-%m-%d %H:%M")
        self.status.setText(
            f"Since {since}."
            if figures.slowest
            else "Nothing was done in the studio in the last day."
        )
