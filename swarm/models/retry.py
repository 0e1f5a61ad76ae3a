"""Bounded retries with exponential back-off and jitter, honouring ``Retry-After``.

Retried: HTTP 408, 409, 429 and 5xx, timeouts and connection failures. Not retried: every
other 4xx (a bad key or a bad request fails the same way the next time).
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC
from typing import TypeVar

import anyio
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_base, wait_exponential_jitter

from swarm.errors import ConfigError
from swarm.models.errors import (
    ModelConnectionError,
    ModelHTTPError,
    ModelResponseError,
    ModelTimeoutError,
)

__all__ = ["RetryPolicy", "is_retryable", "parse_retry_after", "retrying"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try: ``max_retries`` after the first attempt, waits starting at ``wait_s``
    and doubling (plus up to ``wait_s`` of jitter) to at most ``max_wait_s``. A server's
    ``Retry-After`` replaces the back-off, capped at ``retry_after_cap_s``."""

    max_retries: int = 3
    wait_s: float = 0.5
    max_wait_s: float = 20.0
    retry_after_cap_s: float = 30.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ConfigError(f"RetryPolicy.max_retries must be >= 0, not {self.max_retries}")
        if min(self.wait_s, self.max_wait_s, self.retry_after_cap_s) < 0:
            raise ConfigError(f"RetryPolicy waits must be >= 0: {self}")


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or HTTP-date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def is_retryable(error: BaseException) -> bool:
    """True for failures another attempt may cure."""
    if isinstance(error, ModelHTTPError):
        return error.retryable
    return isinstance(error, ModelTimeoutError | ModelConnectionError)


class _Backoff(wait_base):
    """Exponential back-off with jitter, unless the server said how long to wait."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._cap = policy.retry_after_cap_s
        self._exponential = wait_exponential_jitter(
            multiplier=policy.wait_s, max=policy.max_wait_s, jitter=policy.wait_s
        )

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, ModelHTTPError) and error.retry_after_s is not None:
            return min(error.retry_after_s, self._cap)
        return float(self._exponential(retry_state))


def _gave_up(error: BaseException, attempts: int) -> BaseException:
    """The same error, its message saying how many attempts were spent."""
    suffix = f" (gave up after {attempts} attempts)"
    if isinstance(error, ModelHTTPError):
        return ModelHTTPError(
            f"{error}{suffix}",
            status=error.status,
            url=error.url,
            provider_message=error.provider_message,
            retry_after_s=error.retry_after_s,
        )
    if isinstance(error, ModelTimeoutError | ModelConnectionError | ModelResponseError):
        return type(error)(f"{error}{suffix}")
    return error


async def retrying(policy: RetryPolicy, fn: Callable[[], Awaitable[T]]) -> T:
    """Await ``fn()`` until it succeeds, fails for good, or ``policy`` runs out."""
    retryer = AsyncRetrying(
        stop=stop_after_attempt(policy.max_retries + 1),
        wait=_Backoff(policy),
        retry=retry_if_exception(is_retryable),
        reraise=True,
        sleep=anyio.sleep,
    )
    try:
        return await retryer(fn)
    except Exception as error:
        attempts = int(retryer.statistics.get("attempt_number", 1))
        if attempts <= 1:
            raise
        raise _gave_up(error, attempts).with_traceback(error.__traceback__) from error.__cause__
