"""Which database errors are worth retrying, and the bounded back-off that retries them.

Transient: a dropped or reset connection, a serialization failure or deadlock, a server
shutting down or out of connections, SQLite's "database is locked". Permanent: everything
else (bad SQL, constraint violations, bad credentials, a missing database): retrying
those only delays the error.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from swarm.errors import StoreConnectionError

__all__ = ["RetryPolicy", "is_transient", "redact_url", "run_with_retry"]

log = logging.getLogger("swarm.memory")
T = TypeVar("T")

# SQLSTATE classes and codes that a second attempt can fix.
_TRANSIENT_SQLSTATES = {"40001", "40P01", "57P01", "57P02", "57P03", "53300", "55P03"}
_TRANSIENT_CLASSES = ("08",)  # connection exceptions
# Authentication and "no such database": the operator must fix the URL.
_PERMANENT_CONNECT_SQLSTATES = ("28", "3D")


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential back-off: ``attempts`` tries, waits from ``initial_s`` to ``max_s``."""

    attempts: int = 5
    initial_s: float = 0.05
    max_s: float = 1.0


def _sqlstate(exc: BaseException) -> str | None:
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    state = getattr(orig, "sqlstate", None)
    return state if isinstance(state, str) else None


def is_transient(exc: BaseException) -> bool:
    """True when retrying the whole transaction may succeed."""
    if not isinstance(exc, DBAPIError):
        return isinstance(exc, ConnectionError | TimeoutError) and not isinstance(
            exc, StoreConnectionError
        )
    state = _sqlstate(exc)
    if state is not None:
        return state in _TRANSIENT_SQLSTATES or state.startswith(_TRANSIENT_CLASSES)
    if exc.connection_invalidated:
        return True
    text = str(exc.orig).lower()
    if "database is locked" in text or "database table is locked" in text:
        return True
    # psycopg's connection failures without a SQLSTATE: refused, reset, timed out.
    return (
        type(exc.orig).__name__ == "OperationalError" and "sqlite" not in type(exc.orig).__module__
    )


def is_permanent_connect_error(exc: BaseException) -> bool:
    """Bad credentials or a missing database: fail at once with a clear message."""
    state = _sqlstate(exc)
    return state is not None and state.startswith(_PERMANENT_CONNECT_SQLSTATES)


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"


def _retryable(exc: BaseException) -> bool:
    return is_transient(exc) and not is_permanent_connect_error(exc)


def _log_retry(what: str, exc: BaseException | None) -> None:
    log.warning("store %s failed transiently, retrying: %s", what, type(exc).__name__)


async def run_with_retry(fn: Callable[[], Awaitable[T]], policy: RetryPolicy, what: str) -> T:
    """Run ``fn`` (one whole transaction), retrying transient failures with back-off.

    The first attempt runs bare: building the retry machinery cost more than a commit on
    the hot path, and it is only needed once something failed.
    """
    try:
        return await fn()
    except Exception as exc:
        if policy.attempts <= 1 or not _retryable(exc):
            raise
        _log_retry(what, exc)
    await anyio.sleep(min(policy.initial_s, policy.max_s) + random.uniform(0, policy.initial_s))

    def _log(state: object) -> None:
        outcome = getattr(state, "outcome", None)
        _log_retry(what, outcome.exception() if outcome is not None else None)

    # Attempts 2..n; the multiplier is doubled so the waits continue 2x, 4x, ... initial_s.
    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.attempts - 1),
        wait=wait_exponential(multiplier=policy.initial_s * 2, max=policy.max_s)
        + wait_random(0, policy.initial_s),
        retry=retry_if_exception(_retryable),
        before_sleep=_log,
        reraise=True,
    )

    async def attempt() -> T:
        return await fn()

    return await retrying(attempt)
