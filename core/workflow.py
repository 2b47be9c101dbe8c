"""The album workflow: stages, moves and the rules that guard them, as pure data and functions.

No database and no Qt here. The catalog gathers `AlbumFacts` with SQL aggregates; this module only
decides. A refused move returns every unmet rule, never just the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum, StrEnum
from uuid import UUID


class Stage(StrEnum):
    RAW = "raw"
    STOCK = "stock"
    RATE = "rate"
    RETOUCH = "retouch"
    FEEDBACK = "feedback"
    FINAL = "final"

    @property
    def index(self) -> int:
        return ORDER.index(self)

    @property
    def title(self) -> str:
        return self.value.capitalize()

    @classmethod
    def parse(cls, text: str) -> Stage:
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown stage {text!r}; stages are {names}") from None


ORDER: tuple[Stage, ...] = tuple(Stage)


def next_stage(stage: Stage) -> Stage | None:
    i = ORDER.index(stage)
    return ORDER[i + 1] if i + 1 < len(ORDER) else None


class MoveKind(Enum):
    FORWARD = "forward"
    NEW_ROUND = "new_round"  # Feedback -> Retouch while change requests are open
    REOPEN = "reopen"  # any other backward move: an admin's, with a reason


@dataclass(frozen=True)
class PhotoRef:
    id: UUID
    filename: str


@dataclass(frozen=True)
class PhotoGroup:
    """Photos that break one rule: the exact count and the first few for the message."""

    count: int = 0
    sample: tuple[PhotoRef, ...] = ()

    def __bool__(self) -> bool:
        return self.count > 0


@dataclass(frozen=True)
class StageRules:
    """The tenant's numbers, possibly overridden by the album."""

    min_select: int = 1
    max_select: int | None = None


@dataclass(frozen=True)
class AlbumFacts:
    """What the rules need to know about an album, gathered by SQL aggregates."""

    stage: Stage
    round: int
    photo_count: int = 0
    unresolved_failures: tuple[str, ...] = ()
    unresolved_failure_count: int = 0
    missing_stock: PhotoGroup = field(default_factory=PhotoGroup)
    selected_count: int = 0
    missing_retouch: PhotoGroup = field(default_factory=PhotoGroup)
    unanswered_change_requests: PhotoGroup = field(default_factory=PhotoGroup)
    not_approved: PhotoGroup = field(default_factory=PhotoGroup)
    open_change_requests: PhotoGroup = field(default_factory=PhotoGroup)


@dataclass(frozen=True)
class Refusal:
    """One unmet rule: a stable code, a sentence a photographer understands, the photos concerned."""

    code: str
    message: str
    photos: tuple[PhotoRef, ...] = ()
    photo_count: int = 0


@dataclass(frozen=True)
class Move:
    kind: MoveKind
    source: Stage
    target: Stage
    round: int  # the album's round after the move


def _names(group: PhotoGroup, shown: int = 5) -> str:
    names = [p.filename for p in group.sample[:shown]]
    more = group.count - len(names)
    text = ", ".join(names)
    return f"{text}, and {more} more" if more > 0 else text


def _photos(n: int, what: str) -> str:
    """'3 photos have ...', '1 photo has ...': `what` is written in the plural."""
    if n != 1:
        return f"{n} {what}"
    singular = what.replace("photos", "photo", 1).replace(" have ", " has ", 1)
    return f"1 {singular.replace(' are ', ' is ', 1)}"


def _group_refusal(code: str, group: PhotoGroup, what: str) -> Refusal:
    sentence = f"{_photos(group.count, what)}: {_names(group)}"
    return Refusal(code, sentence, group.sample, group.count)


def rules_to_leave(facts: AlbumFacts, rules: StageRules) -> list[Refusal]:
    """Every unmet rule for moving the album forward out of its current stage."""
    stage = facts.stage
    out: list[Refusal] = []
    if stage is Stage.RAW:
        if facts.photo_count == 0:
            out.append(
                Refusal("raw.no_photos", "The album has no photos yet; import a shoot first.")
            )
        if facts.unresolved_failure_count:
            n = facts.unresolved_failure_count
            shown = ", ".join(facts.unresolved_failures[:5])
            more = f", and {n - 5} more" if n > 5 else ""
            files = "1 file" if n == 1 else f"{n} files"
            out.append(
                Refusal(
                    "raw.unresolved_failures",
                    f"{files} failed to import and still need a look: {shown}{more}",
                    photo_count=n,
                )
            )
    elif stage is Stage.STOCK:
        if facts.missing_stock:
            out.append(
                _group_refusal(
                    "stock.missing_stock", facts.missing_stock, "photos have no stock version"
                )
            )
    elif stage is Stage.RATE:
        n = facts.selected_count
        if n == 0:
            out.append(Refusal("rate.nothing_selected", "No photo is in the selection yet."))
        if n and n < rules.min_select:
            out.append(
                Refusal(
                    "rate.too_few_selected",
                    f"{n} in the selection, but the album needs at least {rules.min_select}.",
                    photo_count=n,
                )
            )
        if rules.max_select is not None and n > rules.max_select:
            out.append(
                Refusal(
                    "rate.too_many_selected",
                    f"{n} in the selection, but the album allows at most {rules.max_select}.",
                    photo_count=n,
                )
            )
    elif stage is Stage.RETOUCH:
        if facts.missing_retouch:
            out.append(
                _group_refusal(
                    "retouch.missing_retouch",
                    facts.missing_retouch,
                    "selected photos have no retouched version",
                )
            )
        if facts.unanswered_change_requests:
            out.append(
                _group_refusal(
                    "retouch.change_requests_unanswered",
                    facts.unanswered_change_requests,
                    f"photos with requested changes have no retouched version of round {facts.round}",
                )
            )
    elif stage is Stage.FEEDBACK:
        if facts.not_approved:
            out.append(
                _group_refusal(
                    "feedback.not_approved",
                    facts.not_approved,
                    "selected photos are not approved by the client",
                )
            )
        if facts.open_change_requests:
            out.append(
                _group_refusal(
                    "feedback.open_change_requests",
                    facts.open_change_requests,
                    "photos have an open change request",
                )
            )
    elif stage is Stage.FINAL:
        out.append(
            Refusal("final.terminal", "The album is final; an admin can reopen it with a reason.")
        )
    return out


def plan_move(
    facts: AlbumFacts,
    target: Stage | None,
    rules: StageRules,
    *,
    is_admin: bool,
    reason: str | None = None,
) -> Move | list[Refusal]:
    """Decide a move from the album's stage to `target` (the next stage when None).

    Forward moves over several stages check the rules of every stage they leave, all at once.
    """
    source = facts.stage
    if target is None:
        nxt = next_stage(source)
        if nxt is None:
            return rules_to_leave(facts, rules)
        target = nxt
    if target == source:
        return [Refusal("move.same_stage", f"The album is already in {source.title}.")]

    if target.index > source.index:
        refusals: list[Refusal] = []
        for stage in ORDER[source.index : target.index]:
            refusals += rules_to_leave(_as_stage(facts, stage), rules)
        if refusals:
            return refusals
        return Move(MoveKind.FORWARD, source, target, facts.round)

    if source is Stage.FEEDBACK and target is Stage.RETOUCH and reason is None:
        if not facts.open_change_requests:
            return [
                Refusal(
                    "feedback.no_change_requests",
                    "No change request is open, so there is nothing to retouch again; "
                    "an admin can reopen the album with a reason.",
                )
            ]
        return Move(MoveKind.NEW_ROUND, source, target, facts.round + 1)

    out: list[Refusal] = []
    if not is_admin:
        out.append(
            Refusal(
                "reopen.admin_only",
                f"Only an admin can move an album back from {source.title} to {target.title}.",
            )
        )
    if not (reason and reason.strip()):
        out.append(Refusal("reopen.reason_required", "Reopening an album needs a reason."))
    if out:
        return out
    new_round = (
        facts.round + 1 if target is Stage.RETOUCH and source.index > target.index else facts.round
    )
    return Move(MoveKind.REOPEN, source, target, new_round)


def _as_stage(facts: AlbumFacts, stage: Stage) -> AlbumFacts:
    return facts if facts.stage is stage else replace(facts, stage=stage)
