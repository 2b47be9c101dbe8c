"""The current photo's details: EXIF as photographers read it, the studio's marks, versions, and
what each guest of the client link picked, rated and said, with the studio's replies in a thread
and a box to answer the newest comment or change request."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.exposure_words import exposure_line, focal
from core.policies import Permission
from core.services.guest_activity import GuestActivity
from core.services.photos import ClientWord, PhotoDetail, PhotoRow
from ui.elided_label import ElidedLabel
from ui.studio import Studio

RIGHT = Qt.TextElideMode.ElideRight
MIDDLE = Qt.TextElideMode.ElideMiddle


def stars_text(n: int | float | None) -> str:
    return "★" * round(n) if n else "none"


def guest_line(g: GuestActivity) -> str:
    """'Mia: picked · ★★★★ · “Love the light”' (what this guest did to this photo)."""
    parts = []
    if g.picked:
        parts.append("♥ picked")
    if g.stars:
        parts.append("★" * g.stars)
    parts += [f"“{c}”" for c in g.comments]
    return f"{g.guest}: " + (" · ".join(parts) or "looked")


WORDS = {
    "comment": "",
    "approval": "approved",
    "change_request": "asks for changes",
    "reply": "replied",
}


def thread_lines(feedback: tuple[ClientWord, ...]) -> list[str]:
    """What clients said, each followed by the studio's replies to it, indented."""
    replies: dict[uuid.UUID, list[ClientWord]] = {}
    for w in feedback:
        if w.kind == "reply" and w.reply_to is not None:
            replies.setdefault(w.reply_to, []).append(w)
    lines = []
    for w in feedback:
        if w.kind == "reply":
            continue
        verb = WORDS.get(w.kind, w.kind)
        head = f"{w.author} ({w.at:%d %b %H:%M}, round {w.round})"
        lines.append(f"{head}: " + " — ".join(p for p in (verb, w.text) if p))
        lines += [f"    ↳ {r.author} (studio): {r.text}" for r in replies.get(w.id, ())]  # type: ignore[arg-type]
    return lines


def answerable(feedback: tuple[ClientWord, ...]) -> ClientWord | None:
    """The comment or change request a reply answers: the newest one with words."""
    said = [w for w in feedback if w.kind in ("comment", "change_request") and w.text]
    return said[-1] if said else None


class Inspector(QWidget):
    # (row title, key, elide mode or None for a wrapping label)
    FIELDS = (
        ("File", "file", MIDDLE),
        ("Captured", "taken", RIGHT),
        ("Size", "size", RIGHT),
        ("Camera", "camera", RIGHT),
        ("Lens", "lens", RIGHT),
        ("Exposure", "exposure", RIGHT),
        ("Focal length", "focal", RIGHT),
        ("Stars", "stars", RIGHT),
        ("Flag", "flag", RIGHT),
        ("Label", "label", RIGHT),
        ("In the selection", "selected", RIGHT),
        ("Versions", "versions", RIGHT),
        ("Client's picks", "picks", RIGHT),
        ("Client's stars", "client_stars", RIGHT),
        ("Comments", "comments", RIGHT),
    )

    def __init__(self, studio: Studio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.album_id: uuid.UUID | None = None
        self._showing: uuid.UUID | None = None
        self._row: PhotoRow | None = None
        self._picked_by: list[str] = []  # who picked the photo shown, by its last detail
        self.setMinimumWidth(240)
        # Content never widens the pane: the splitter alone decides its width.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title = ElidedLabel("No photo", self, MIDDLE)
        self.title.setObjectName("inspectorTitle")
        self.values: dict[str, ElidedLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for text, key, mode in self.FIELDS:
            label = ElidedLabel("", self, mode)
            self.values[key] = label
            form.addRow(text, label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        self.guests_title = QLabel("Guests", self)
        self.guests_title.setObjectName("inspectorSection")
        self.guests = QLabel(self)
        self.guests.setObjectName("inspectorGuests")
        self.guests.setWordWrap(True)
        self.guests.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.said = QLabel(self)
        self.said.setObjectName("inspectorComments")
        self.said.setWordWrap(True)
        self.said.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.guests_title)
        layout.addWidget(self.guests)
        layout.addWidget(self.said)
        self.reply_text = QLineEdit(self)
        self.reply_text.setObjectName("inspectorReply")
        self.reply_text.setMaxLength(2000)
        self.reply_button = QPushButton("Reply", self)
        self.reply_text.returnPressed.connect(self.send_reply)
        self.reply_button.clicked.connect(self.send_reply)
        box = QHBoxLayout()
        box.addWidget(self.reply_text, 1)
        box.addWidget(self.reply_button)
        layout.addLayout(box)
        layout.addStretch(1)
        self.guests_title.hide()
        self._answering: ClientWord | None = None
        self._show_reply_box(None)

    def text(self, key: str) -> str:
        """The whole text of a row (what its tooltip shows when it is elided)."""
        return self.values[key].full_text()

    def show_photo(self, row: PhotoRow | None) -> None:
        # The same photo shown again (the grid took in the whole album, a mark was heard): what
        # its detail said stays until the new detail comes, rather than flickering to "…".
        again = row is not None and row.id == self._showing
        self._showing = row.id if row is not None else None
        self._row = row
        if row is None:
            self.title.set_full_text("No photo")
            for label in self.values.values():
                label.set_full_text("")
            self.guests.setText("")
            self.guests_title.hide()
            self.said.setText("")
            self._show_reply_box(None)
            return
        self.title.set_full_text(row.filename)
        size = f"{row.width} × {row.height}" if row.width and row.height else "—"
        values = {
            "file": row.filename,
            "taken": row.taken_at.strftime("%Y-%m-%d %H:%M:%S") if row.taken_at else "—",
            "size": size,
            "camera": row.camera or "—",
            "lens": row.lens or "—",
            "stars": stars_text(row.stars),
            "flag": {"pick": "Picked", "reject": "Rejected"}.get(row.flag or "", "—"),
            "label": row.label or "—",
            "selected": "yes" if row.selected else "no",
            "picks": str(row.client_picks) if row.client_picks else "none",
            "client_stars": f"{row.client_stars:g} ★ (mean)" if row.client_stars else "none",
            "comments": f"{row.comments}" if row.comments else "none",
        }
        if again and len(self._picked_by) == row.client_picks and self._picked_by:
            values["picks"] = self.values["picks"].full_text()  # still who picked it, by name
        for key, text in values.items():
            self.values[key].set_full_text(text)
        if not again:
            self._picked_by = []
            for key in ("versions", "exposure", "focal"):
                self.values[key].set_full_text("…")
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
            (f"{v.kind} r{v.round}" if v.kind == "retouched" else v.kind)
            + ("" if v.path else " (elsewhere)")  # known from the studio, its file not here
            for v in detail.versions
        ]
        self.values["versions"].set_full_text(", ".join(kinds) or "—")
        exif = detail.exif
        # Focal length on its own row: with it, the exposure line is clipped in a narrow pane.
        self.values["exposure"].set_full_text(exposure_line(exif, with_focal=False) or "—")
        self.values["focal"].set_full_text(focal(exif.get("focal_length")) or "—")  # type: ignore[arg-type]
        picked_by = self._picked_by = [g.guest for g in detail.guests if g.picked]
        if picked_by:
            self.values["picks"].set_full_text(f"{len(picked_by)} · {', '.join(picked_by)}")
        self.guests.setText("\n".join(guest_line(g) for g in detail.guests))
        self.guests_title.setVisible(bool(detail.guests))
        # Comments are in each guest's line above too; here they carry the studio's replies.
        self.said.setText("\n".join(thread_lines(detail.feedback)))
        self._show_reply_box(answerable(detail.feedback))

    def _show_reply_box(self, word: ClientWord | None) -> None:
        self._answering = word
        may = self.studio.may(Permission.ADD_RETOUCHES)
        for widget in (self.reply_text, self.reply_button):
            widget.setVisible(word is not None and may)
        if word is not None:
            self.reply_text.setPlaceholderText(f"Reply to {word.author}…")

    def send_reply(self) -> None:
        """Answer the newest comment; the gallery shows it under that comment at once."""
        text = self.reply_text.text().strip()
        word, photo = self._answering, self._showing
        if not text or word is None or photo is None or self.album_id is None:
            return
        self.reply_button.setEnabled(False)

        def done(_reply: object) -> None:
            self.reply_button.setEnabled(True)
            self.reply_text.clear()
            if self._showing == photo and self._row is not None:
                self.show_photo(self._row)

        def failed(message: str, _exc: object) -> None:
            self.reply_button.setEnabled(True)
            self.said.setText(self.said.text() + "\n" + message)

        self.studio.jobs.run(
            self.studio.services.replies.reply(
                self.studio.actor, self.album_id, photo, text, to=word.id
            ),
            done,
            failed,
            label="Sending the reply",
        )
