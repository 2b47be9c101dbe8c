"""What a client reads about where their album is: words meant for clients, never the studio's
internal stage names, and in a stage where picking is closed, why and what comes next."""

from __future__ import annotations

from dataclasses import dataclass

from core.workflow import Stage


@dataclass(frozen=True)
class ClientStage:
    label: str  # a few words for the header: "Choosing", "Delivered"
    note: str  # one or two sentences: what to do now, or why not and what comes next


SENT = ClientStage(
    "Selection sent",
    "Your photographer has your selection and will retouch these photos next. "
    "To change it, ask them to reopen your selection.",
)

_WORDS = {
    Stage.RAW: ClientStage(
        "Being prepared",
        "Your photographer is still preparing these photos. You can pick your favourites "
        "once they are ready; this page updates by itself.",
    ),
    Stage.RATE: ClientStage(
        "Choosing",
        "Tap the heart to pick your favourites, open a photo to rate it or leave a comment, "
        "then send your selection.",
    ),
    Stage.RETOUCH: ClientStage(
        "Being retouched",
        "Picking is closed: your selection is with the retoucher. You will review the "
        "retouched photos here when they are ready; this page updates by itself.",
    ),
    Stage.FEEDBACK: ClientStage(
        "Reviewing retouches",
        "Open each retouched photo to compare before and after, then approve it or ask "
        "for changes.",
    ),
    Stage.FINAL: ClientStage("Delivered", "Your photos are ready."),
}
_WORDS[Stage.STOCK] = _WORDS[Stage.RAW]


def client_stage(stage: Stage, *, sent: bool = False, downloads: bool = False) -> ClientStage:
    """The words for `stage`; `sent` once the client sent the selection in Rate."""
    if stage is Stage.RATE and sent:
        return SENT
    words = _WORDS[stage]
    if stage is Stage.FINAL and downloads:
        return ClientStage(words.label, words.note + " Open a photo to download it.")
    return words
