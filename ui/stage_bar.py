"""The album's stage and round, the Advance button, and why a move is refused.

A refusal shows every unmet rule as a line; clicking a line acts on it: shows its photos in the
grid, or lists the import failures to deal with. The lines follow the album as it changes, and the
panel can be dismissed.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import Refused
from core.policies import Permission
from core.services.albums import AlbumSummary
from core.workflow import ORDER, Refusal, Stage
from ui.elided_label import ElidedLabel
from ui.failures_dialog import FailuresDialog
from ui.studio import Studio

PHOTOS_ROLE = Qt.ItemDataRole.UserRole + 1
SELECTION_RULES = ("rate.too_few_selected", "rate.too_many_selected")
FAILURES_RULE = "raw.unresolved_failures"
NO_PHOTOS_RULE = "raw.no_photos"
NOTHING_SELECTED_RULE = "rate.nothing_selected"
# Stages where the selection is being made or is what the work is about; before Rate it is noise.
SELECTION_STAGES = (Stage.RATE, Stage.RETOUCH, Stage.FEEDBACK, Stage.FINAL)


class StageBar(QFrame):
    show_photos = Signal(object)  # set[uuid.UUID]: the photos of a clicked rule
    show_selected = Signal()  # a selection rule was clicked: show the selected photos
    moved = Signal(object)  # AlbumSummary after a move
    import_requested = Signal()  # the 'no photos yet' rule was clicked
    client_picks_requested = Signal()  # 'nothing in the selection': show what the client picked
    message = Signal(str)

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stageBar")
        self.studio = studio
        self.album: AlbumSummary | None = None
        self.title = QLabel(self)
        self.title.setObjectName("stageName")
        self.detail = ElidedLabel("", self, Qt.TextElideMode.ElideRight)
        self.advance = QPushButton("Advance", self)
        self.advance.setObjectName("advance")
        self.new_round = QPushButton("Back to Retouch (new round)", self)
        self.reopen = QPushButton("Reopen…", self)
        self.refusals = QListWidget(self)
        self.refusals.setObjectName("refusals")
        self.refusals.setMaximumHeight(110)
        self.dismiss = QToolButton(self)
        self.dismiss.setText("✕")
        self.dismiss.setToolTip("Hide these reasons (Advance shows them again)")
        self.dismiss.setAutoRaise(True)
        self.refusals_panel = QWidget(self)
        panel = QHBoxLayout(self.refusals_panel)
        panel.setContentsMargins(0, 0, 0, 0)
        panel.addWidget(self.refusals, 1)
        panel.addWidget(self.dismiss, 0, Qt.AlignmentFlag.AlignTop)
        self.refusals_panel.hide()
        self.failures_dialog: FailuresDialog | None = None
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.detail, 1)
        for b in (self.new_round, self.reopen, self.advance):
            top.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(top)
        layout.addWidget(self.refusals_panel)
        self.advance.clicked.connect(lambda: self._move(None))
        self.new_round.clicked.connect(lambda: self._move(Stage.RETOUCH))
        self.reopen.clicked.connect(self._ask_reopen)
        self.refusals.itemClicked.connect(self._on_rule_clicked)
        self.refusals.itemActivated.connect(self._on_rule_clicked)
        self.dismiss.clicked.connect(self.clear_refusals)
        studio.actor_changed.connect(lambda: self.show_album(self.album))
        self.show_album(None)

    def show_album(self, album: AlbumSummary | None) -> None:
        self.album = album
        if album is None:
            self.title.setText("No album open")
            self.detail.setText("")
            for b in (self.advance, self.new_round, self.reopen):
                b.hide()
            self.clear_refusals()
            return
        self.title.setText(f"{album.name} — {album.stage.title}")
        parts = [f"round {album.round}", f"{album.photo_count} photos"]
        if album.stage in SELECTION_STAGES:
            limits = f"{album.selected_count} in the selection"
            if album.max_select is not None:
                limits += f" (needs {album.min_select}–{album.max_select})"
            elif album.min_select:
                limits += f" (needs at least {album.min_select})"
            parts.append(limits)
        self.detail.setText(" · ".join(parts))
        nxt = album.next_stage
        self.advance.setVisible(nxt is not None)
        if nxt is not None:
            self.advance.setText(f"Advance to {nxt.title}")
        self.advance.setEnabled(self.studio.may(Permission.MANAGE_ALBUMS))
        self.new_round.setVisible(
            album.stage is Stage.FEEDBACK and self.studio.may(Permission.ADD_RETOUCHES)
        )
        self.reopen.setVisible(
            album.stage is not Stage.RAW and self.studio.may(Permission.REOPEN_AND_APPROVE)
        )

    def refresh(self) -> None:
        if self.album is None:
            return
        album_id = self.album.id
        self.studio.jobs.run(
            self.studio.services.albums.show(self.studio.actor, album_id),
            self._refreshed,
            lambda text, _: self.message.emit(text),
        )

    def _refreshed(self, album: AlbumSummary) -> None:
        """The album as it is now; shown reasons follow it (gone once nothing blocks it)."""
        if self.album is None or self.album.id != album.id:
            return
        self.show_album(album)
        if self.refusals_panel.isVisible():
            if album.blocking and album.next_stage is not None:
                headline = (
                    f"{album.name} cannot move from {album.stage.title} to "
                    f"{album.next_stage.title} yet."
                )
                self.show_refusals(headline, list(album.blocking))
            else:
                self.clear_refusals()

    # Moves -----------------------------------------------------------------------------------
    def _move(self, to: Stage | None) -> None:
        if self.album is None:
            return
        self.advance.setEnabled(False)
        self.studio.jobs.run(
            self.studio.services.albums.advance(self.studio.actor, self.album.id, to),
            self._moved,
            self._refused,
            label=f"Moving {self.album.name}",
        )

    def _moved(self, album: AlbumSummary) -> None:
        self.clear_refusals()
        self.show_album(album)
        self.message.emit(f"{album.name} is now in {album.stage.title}.")
        self.moved.emit(album)

    def _refused(self, text: str, exc: BaseException) -> None:
        self.show_album(self.album)
        if isinstance(exc, Refused):
            self.show_refusals(str(exc), exc.refusals)
        else:
            self.message.emit(text)

    def show_refusals(self, headline: str, refusals: list[Refusal]) -> None:
        self.refusals.clear()
        head = QListWidgetItem(headline)
        head.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.refusals.addItem(head)
        for r in refusals:
            hint = ""
            if r.code == FAILURES_RULE:
                hint = "  — click to see them and mark them as dealt with"
            elif r.code == NO_PHOTOS_RULE:
                hint = "  — click to import"
            elif r.code == NOTHING_SELECTED_RULE:
                hint = "  — click to see the client's picks; S puts a photo in the selection"
            elif r.photos or r.code in SELECTION_RULES:
                hint = "  — click to show these photos"
                if r.photos and r.photo_count > len(r.photos):
                    hint = f"  — click to show the first {len(r.photos)}"
            item = QListWidgetItem(f"• {r.message}{hint}")
            item.setData(PHOTOS_ROLE, (r.code, [p.id for p in r.photos]))
            self.refusals.addItem(item)
        self.refusals_panel.show()

    def clear_refusals(self) -> None:
        self.refusals.clear()
        self.refusals_panel.hide()

    @property
    def refusal_lines(self) -> list[str]:
        return [self.refusals.item(i).text() for i in range(self.refusals.count())]

    def _on_rule_clicked(self, item: QListWidgetItem) -> None:
        data = item.data(PHOTOS_ROLE)
        if not data:
            return
        code, ids = data
        if code == FAILURES_RULE:
            self.open_failures()
        elif code == NO_PHOTOS_RULE:
            self.import_requested.emit()
        elif code == NOTHING_SELECTED_RULE:
            self.client_picks_requested.emit()
        elif ids:
            self.show_photos.emit({uuid.UUID(str(i)) for i in ids})
        elif code in SELECTION_RULES:
            self.show_selected.emit()

    def open_failures(self) -> FailuresDialog | None:
        if self.album is None:
            return None
        if self.failures_dialog is not None:
            self.failures_dialog.close()
        self.failures_dialog = FailuresDialog(self.studio, self.album, self)
        self.failures_dialog.resolved.connect(lambda _n: self.refresh())
        self.failures_dialog.show()
        return self.failures_dialog

    def _ask_reopen(self) -> None:
        if self.album is None:
            return
        dialog = ReopenDialog(self.album, self)
        dialog.accepted.connect(lambda: self._reopen(dialog.stage(), dialog.reason.text()))
        dialog.open()

    def _reopen(self, to: Stage, reason: str) -> None:
        if self.album is None:
            return
        self.studio.jobs.run(
            self.studio.services.albums.reopen(self.studio.actor, self.album.id, to, reason),
            self._moved,
            self._refused,
            label=f"Reopening {self.album.name}",
        )


class ReopenDialog(QDialog):
    """An admin moves an album back; the reason goes into the audit log."""

    def __init__(self, album: AlbumSummary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Reopen {album.name}")
        self.target = QComboBox(self)
        for stage in ORDER[: album.stage.index]:
            self.target.addItem(stage.title, stage)
        self.target.setCurrentIndex(self.target.count() - 1)
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText("Why it moves back (kept in the audit log)")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Reopen")
        ok.setEnabled(False)
        self.reason.textChanged.connect(lambda t: ok.setEnabled(bool(t.strip())))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Move back to", self.target)
        form.addRow("Reason", self.reason)
        form.addRow(buttons)

    def stage(self) -> Stage:
        # Qt hands a StrEnum back as its plain str value; the service needs the Stage itself.
        return Stage(self.target.currentData())
