"""Which failures the store retries, and that it stops after its bounded attempts."""

from __future__ import annotations

import pytest
from psycopg import errors as pg
from sqlalchemy.exc import IntegrityError, OperationalError

from swarm.memory import RetryPolicy
from swarm.memory.retry import is_transient, redact_url, run_with_retry

pytestmark = pytest.mark.anyio
FAST = RetryPolicy(attempts=3, initial_s=0.001, max_s=0.002)


def wrap(exc: Exception) -> OperationalError:
    return OperationalError("stmt", {}, exc)


def test_serialization_failure_and_lost_connections_are_transient() -> None:
    """40001, 40P01 and connection failures are retried."""
    assert is_transient(wrap(pg.SerializationFailure("x")))
    assert is_transient(wrap(pg.DeadlockDetected("x")))
    assert is_transient(wrap(pg.OperationalError("connection reset")))


def test_constraint_violations_and_bad_credentials_are_permanent() -> None:
    """Integrity errors and authentication failures are not retried."""
    assert not is_transient(IntegrityError("stmt", {}, pg.UniqueViolation("dup")))
    assert not is_transient(wrap(pg.InvalidPassword("bad")))


async def test_transient_errors_are_retried_until_success() -> None:
    """Two serialization failures then success: the call succeeds on attempt three."""
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise wrap(pg.SerializationFailure("conflict"))
        return "ok"

    assert await run_with_retry(flaky, FAST, "test") == "ok"
    assert calls == 3


async def test_retries_are_bounded() -> None:
    """A failure that never clears is raised after policy.attempts tries."""
    calls = 0

    async def always() -> None:
        nonlocal calls
        calls += 1
        raise wrap(pg.SerializationFailure("conflict"))

    with pytest.raises(OperationalError):
        await run_with_retry(always, FAST, "test")
    assert calls == 3


async def test_permanent_errors_are_not_retried() -> None:
    """An integrity error is raised on the first attempt."""
    calls = 0

    async def dup() -> None:
        nonlocal calls
        calls += 1
        raise IntegrityError("stmt", {}, pg.UniqueViolation("dup"))

    with pytest.raises(IntegrityError):
        await run_with_retry(dup, FAST, "test")
    assert calls == 1


def test_redact_url_hides_the_password() -> None:
    """redact_url keeps host and user but never the password."""
    assert redact_url("postgresql+psycopg://bob:pw123@db:5432/x") == (
        "postgresql+psycopg://bob:***@db:5432/x"
    )


async def test_single_attempt_policy_never_retries() -> None:
    """With attempts=1 a transient failure is raised after exactly one call."""
    calls = 0

    async def flaky() -> None:
        nonlocal calls
        calls += 1
        raise wrap(pg.SerializationFailure("conflict"))

    with pytest.raises(OperationalError):
        await run_with_retry(flaky, RetryPolicy(attempts=1), "test")
    assert calls == 1
