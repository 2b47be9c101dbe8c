"""Errors the services raise; each maps to one exit code and one plain sentence for the user."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.workflow import Refusal


class PhotoFlowError(Exception):
    """Base of every error a user may see; its message is written for a photographer."""

    exit_code = 1


class Invalid(PhotoFlowError):
    """The request itself makes no sense (bad stars value, unknown stage, empty reason)."""

    exit_code = 2


class NotFound(PhotoFlowError):
    """No such thing in the actor's studio (another studio's rows are 'not found' too)."""

    exit_code = 1


class Conflict(PhotoFlowError):
    """Someone else changed the row first, or a unique name is taken."""

    exit_code = 1


class NotPermitted(PhotoFlowError):
    """The actor's role or studio does not allow the action."""

    exit_code = 4


class NotSignedIn(NotPermitted):
    """No valid sign-in: a wrong password, an unknown, expired or used code, a revoked device."""

    exit_code = 4


class TooManySignIns(NotPermitted):
    """Too many wrong tries from here or for this account; try again after `retry_after` s."""

    exit_code = 4

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class Refused(PhotoFlowError):
    """A workflow rule refused the move; carries every unmet rule."""

    exit_code = 3

    def __init__(self, message: str, refusals: Sequence[Refusal]):
        super().__init__(message)
        self.refusals = list(refusals)
