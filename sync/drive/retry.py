"""How a Drive call survives a bad day: which failures are worth another try (and how long Drive
asks us to wait), the circuit breaker that pauses sync when Drive keeps failing, and the plain
words each final failure becomes."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import httplib2
import pybreaker
import stamina
from google.auth import exceptions as auth_errors
from googleapiclient.errors import HttpError

from sync.drive.remote import (
    DriveError,
    DriveNotFound,
    DriveQuotaExceeded,
    DriveSignInNeeded,
    DriveUnavailable,
)

T = TypeVar("T")

RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
QUOTA_REASONS = frozenset(
    {
        "storageQuotaExceeded",
        "quotaExceeded",
        "dailyLimitExceeded",
        "dailyLimitExceededUnreg",
        "teamDriveFileLimitExceeded",
        "numChildrenInNonRootLimitExceeded",
    }
)
TRANSPORT = (
    TimeoutError,
    ConnectionError,
    http.client.HTTPException,  # RemoteDisconnected, IncompleteRead, BadStatusLine
    httplib2.HttpLib2Error,
    socket.gaierror,
    auth_errors.TransportError,
)


@dataclass(frozen=True)
class Timeouts:
    """Patience, in seconds: for one HTTP exchange, for all tries of one call, and before the
    breaker lets a call through again after it opened."""

    attempt: float = 60.0
    total: float = 300.0
    attempts: int = 8
    wait_initial: float = 0.5
    wait_max: float = 60.0
    wait_jitter: float = 1.0
    breaker_failures: int = 5  # calls in a row that ran out of tries
    breaker_pause: float = 300.0
    workers: int = 4


def reason_of(error: HttpError) -> str:
    """errors[0].reason of Drive's error body ('' when the body says nothing)."""
    try:
        body = json.loads(error.content)
        return str(body["error"]["errors"][0]["reason"])
    except (ValueError, KeyError, IndexError, TypeError):
        return ""


def message_of(error: HttpError) -> str:
    try:
        return str(json.loads(error.content)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return error.resp.reason or f"HTTP {error.resp.status}"


def retry_after(error: HttpError) -> float | None:
    value = error.resp.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def worth_retrying(error: BaseException) -> bool | float:
    """stamina's hook: False (give up), True (usual backoff) or the seconds Drive asked for."""
    if isinstance(error, HttpError):
        status = error.resp.status
        transient = status in (408, 429) or status >= 500
        if status == 403 and reason_of(error) in RATE_REASONS:
            transient = True
        if not transient:
            return False
        return retry_after(error) or True
    if isinstance(error, auth_errors.RefreshError):
        return bool(getattr(error, "retryable", False))
    return isinstance(error, TRANSPORT)


def retried(call: Callable[[], T], timeouts: Timeouts) -> T:
    """call(), tried again with exponential backoff and jitter while the failure is transient."""
    for attempt in stamina.retry_context(
        on=worth_retrying,
        attempts=timeouts.attempts,
        timeout=timeouts.total,
        wait_initial=timeouts.wait_initial,
        wait_max=timeouts.wait_max,
        wait_jitter=timeouts.wait_jitter,
    ):
        with attempt:
            return call()
    raise AssertionError("stamina gives up by raising")  # pragma: no cover


def breaker_for(timeouts: Timeouts) -> pybreaker.CircuitBreaker:
    """Counts only calls that ran out of tries; a missing file or a full Drive is no outage."""
    return pybreaker.CircuitBreaker(
        fail_max=timeouts.breaker_failures,
        reset_timeout=timeouts.breaker_pause,
        exclude=[lambda e: not worth_retrying(e)],
        name="google-drive",
    )


def paused_until(breaker: pybreaker.CircuitBreaker) -> datetime:
    opened = breaker._state_storage.opened_at or datetime.now(UTC)  # pybreaker has no public getter
    return opened + timedelta(seconds=breaker.reset_timeout)


def plain(error: BaseException, breaker: pybreaker.CircuitBreaker) -> DriveError:
    """The DriveError a person reads for what went wrong."""
    if isinstance(error, DriveError):
        return error
    if isinstance(error, pybreaker.CircuitBreakerError):
        until = paused_until(breaker).astimezone()
        return DriveUnavailable(
            "Google Drive keeps failing, so sync is paused until "
            f"{until:%H:%M} ({until:%Z}); it starts again by itself then."
        )
    if isinstance(error, auth_errors.RefreshError) and not getattr(error, "retryable", False):
        return DriveSignInNeeded(
            "Google Drive no longer accepts this computer's sign-in. "
            "Connect again in Settings > Google Drive (or run `photoflow drive connect`)."
        )
    if isinstance(error, HttpError):
        status, reason = error.resp.status, reason_of(error)
        if status == 401:
            return DriveSignInNeeded(
                "Google Drive no longer accepts this computer's sign-in. "
                "Connect again in Settings > Google Drive (or run `photoflow drive connect`)."
            )
        if reason in QUOTA_REASONS:
            if reason == "storageQuotaExceeded":
                return DriveQuotaExceeded(
                    "The Google Drive account is full: free some space or buy more storage, "
                    "then sync again."
                )
            return DriveQuotaExceeded(
                "Google Drive's daily limit for this account is used up; sync goes on tomorrow."
            )
        if status == 404:
            return DriveNotFound(f"Google Drive has no such file ({message_of(error)}).")
        if worth_retrying(error):
            return DriveUnavailable(
                f"Google Drive is not answering well ({message_of(error)}); tried several times."
            )
        return DriveError(f"Google Drive refused: {message_of(error)}")
    if worth_retrying(error):
        return DriveUnavailable(
            f"Google Drive cannot be reached ({type(error).__name__}: {error}); tried several times."
        )
    return DriveError(f"Google Drive: {type(error).__name__}: {error}")
