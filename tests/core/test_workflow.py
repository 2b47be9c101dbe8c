"""The album workflow as pure rules: every unmet rule comes back, in milliseconds, no database."""

from __future__ import annotations

import uuid

from core.workflow import (
    AlbumFacts,
    Move,
    MoveKind,
    PhotoGroup,
    PhotoRef,
    Stage,
    StageRules,
    plan_move,
    rules_to_leave,
)


def group(*names: str, count: int | None = None) -> PhotoGroup:
    refs = tuple(PhotoRef(uuid.uuid4(), n) for n in names)
    return PhotoGroup(count if count is not None else len(refs), refs)


def codes(result: object) -> list[str]:
    assert isinstance(result, list), result
    return [r.code for r in result]


def test_an_empty_raw_album_cannot_move_and_says_why() -> None:
    facts = AlbumFacts(Stage.RAW, 1)
    assert codes(plan_move(facts, None, StageRules(), is_admin=False)) == ["raw.no_photos"]


def test_raw_lists_no_photos_and_failures_together() -> None:
    facts = AlbumFacts(
        Stage.RAW, 1, unresolved_failures=("a.jpg", "b.jpg"), unresolved_failure_count=2
    )
    refusals = rules_to_leave(facts, StageRules())
    assert [r.code for r in refusals] == ["raw.no_photos", "raw.unresolved_failures"]
    assert "a.jpg, b.jpg" in refusals[1].message


def test_stock_names_the_photos_without_stock_version() -> None:
    facts = AlbumFacts(
        Stage.STOCK, 1, photo_count=9, missing_stock=group("IMG_0012.CR3", "IMG_0040.CR3", count=3)
    )
    [refusal] = rules_to_leave(facts, StageRules())
    assert refusal.code == "stock.missing_stock"
    assert refusal.message.startswith("3 photos have no stock version: IMG_0012.CR3, IMG_0040.CR3")
    assert "and 1 more" in refusal.message
    assert [p.filename for p in refusal.photos] == ["IMG_0012.CR3", "IMG_0040.CR3"]


def test_rate_limits_come_from_the_rules() -> None:
    rules = StageRules(min_select=2, max_select=3)
    assert codes(rules_to_leave(AlbumFacts(Stage.RATE, 1, selected_count=0), rules)) == [
        "rate.nothing_selected"
    ]
    assert codes(rules_to_leave(AlbumFacts(Stage.RATE, 1, selected_count=1), rules)) == [
        "rate.too_few_selected"
    ]
    assert codes(rules_to_leave(AlbumFacts(Stage.RATE, 1, selected_count=4), rules)) == [
        "rate.too_many_selected"
    ]
    assert rules_to_leave(AlbumFacts(Stage.RATE, 1, selected_count=3), rules) == []


def test_retouch_and_feedback_rules() -> None:
    retouch = AlbumFacts(
        Stage.RETOUCH,
        2,
        selected_count=2,
        missing_retouch=group("A.jpg"),
        unanswered_change_requests=group("B.jpg"),
    )
    refusals = rules_to_leave(retouch, StageRules())
    assert codes(refusals) == ["retouch.missing_retouch", "retouch.change_requests_unanswered"]
    assert refusals[0].message == "1 selected photo has no retouched version: A.jpg"
    assert "round 2" in refusals[1].message
    feedback = AlbumFacts(
        Stage.FEEDBACK, 1, not_approved=group("A.jpg", "B.jpg"), open_change_requests=group("B.jpg")
    )
    assert codes(rules_to_leave(feedback, StageRules())) == [
        "feedback.not_approved",
        "feedback.open_change_requests",
    ]


def test_a_ready_album_moves_forward_one_stage() -> None:
    facts = AlbumFacts(Stage.RAW, 1, photo_count=3)
    move = plan_move(facts, None, StageRules(), is_admin=False)
    assert move == Move(MoveKind.FORWARD, Stage.RAW, Stage.STOCK, 1)


def test_a_jump_checks_every_stage_it_leaves() -> None:
    facts = AlbumFacts(Stage.RAW, 1, photo_count=3, missing_stock=group("X.CR2"), selected_count=0)
    refusals = plan_move(facts, Stage.RETOUCH, StageRules(), is_admin=True)
    assert codes(refusals) == ["stock.missing_stock", "rate.nothing_selected"]


def test_feedback_back_to_retouch_needs_an_open_change_request_and_starts_a_round() -> None:
    none_open = AlbumFacts(Stage.FEEDBACK, 1)
    assert codes(plan_move(none_open, Stage.RETOUCH, StageRules(), is_admin=False)) == [
        "feedback.no_change_requests"
    ]
    some_open = AlbumFacts(Stage.FEEDBACK, 1, open_change_requests=group("B.jpg"))
    move = plan_move(some_open, Stage.RETOUCH, StageRules(), is_admin=False)
    assert move == Move(MoveKind.NEW_ROUND, Stage.FEEDBACK, Stage.RETOUCH, 2)


def test_final_is_terminal_and_reopen_is_an_admins_with_a_reason() -> None:
    final = AlbumFacts(Stage.FINAL, 2)
    assert codes(plan_move(final, None, StageRules(), is_admin=True)) == ["final.terminal"]
    assert codes(plan_move(final, Stage.RATE, StageRules(), is_admin=False, reason="")) == [
        "reopen.admin_only",
        "reopen.reason_required",
    ]
    move = plan_move(final, Stage.RETOUCH, StageRules(), is_admin=True, reason="client called")
    assert move == Move(MoveKind.REOPEN, Stage.FINAL, Stage.RETOUCH, 3)
    move = plan_move(final, Stage.FEEDBACK, StageRules(), is_admin=True, reason="typo")
    assert isinstance(move, Move) and move.round == 2


def test_stage_names_parse_case_insensitively() -> None:
    assert Stage.parse(" Retouch ") is Stage.RETOUCH
    try:
        Stage.parse("done")
    except ValueError as exc:
        assert "raw, stock, rate, retouch, feedback, final" in str(exc)
    else:
        raise AssertionError("an unknown stage must be refused")
