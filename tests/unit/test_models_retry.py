"""The retry policy: what is retried, how long it waits, and how many times."""

from __future__ import annotations

from email.utils import formatdate

import anyio
import pytest

from swarm.errors import ConfigError
from swarm.models import (
    ModelConnectionError,
    ModelHTTPError,
    ModelResponseError,
    ModelTimeoutError,
    RetryPolicy,
)
from swarm.models.retry import is_retryable, parse_retry_after, retrying

pytestmark = pytest.mark.anyio


def http_error(status: int, retry_after_s: float | None = None) -> ModelHTTPError:
    return ModelHTTPError(
        f"HTTP {status}", status=status, url="u", provider_message="m", retry_after_s=retry_after_s
    )


def test_retry_after_seconds_are_read() -> None:
    """A delay-seconds header gives that many seconds."""
    assert parse_retry_after("7") == 7.0


def test_retry_after_http_date_is_read_relative_to_now() -> None:
    """An HTTP-date header gives the seconds from now until then."""
    now = 1_700_000_000.0

    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == 30.0


@pytest.mark.parametrize("value", [None, "", "soon", "inf"])
def test_unreadable_retry_after_is_none(value: str | None) -> None:
    """Missing or nonsense headers give None, so the exponential back-off applies."""
    assert parse_retry_after(value) is None


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (http_error(429), True),
        (http_error(408), True),
        (http_error(409), True),
        (http_error(500), True),
        (http_error(503), True),
        (http_error(400), False),
        (http_error(401), False),
        (http_error(404), False),
        (ModelTimeoutError("t"), True),
        (ModelConnectionError("c"), True),
        (ModelResponseError("r"), False),
        (ValueError("v"), False),
    ],
)
def test_only_transient_failures_are_retryable(error: Exception, expected: bool) -> None:
    """408/409/429/5xx, timeouts and connection errors are retried; other 4xx are not."""
    assert is_retryable(error) is expected


async def test_retry_after_is_capped_by_the_policy() -> None:
    """A 429 asking for an hour waits only ``retry_after_cap_s`` before the next attempt."""
    policy = RetryPolicy(max_retries=1, wait_s=5.0, retry_after_cap_s=0.0)
    attempts: list[int] = []

    async def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise http_error(429, retry_after_s=3600.0)
        return "ok"

    started = anyio.current_time()
    assert await retrying(policy, flaky) == "ok"
    waited = anyio.current_time() - started

    # Uncapped it would wait an hour; ignoring Retry-After, at least 5 s of back-off.
    assert waited < 1.0
    assert len(attempts) == 2


async def test_non_retryable_error_is_raised_after_one_attempt() -> None:
    """A 401 is raised unchanged after a single attempt."""
    attempts: list[int] = []

    async def unauthorised() -> str:
        attempts.append(1)
        raise http_error(401)

    with pytest.raises(ModelHTTPError) as caught:
        await retrying(RetryPolicy(max_retries=5, wait_s=0.0), unauthorised)

    assert (len(attempts), str(caught.value)) == (1, "HTTP 401")


async def test_exhausted_retries_raise_the_last_error_with_the_attempt_count() -> None:
    """After 1 + max_retries timeouts the timeout is raised, saying how many attempts."""
    attempts: list[int] = []

    async def slow() -> str:
        attempts.append(1)
        raise ModelTimeoutError("no answer")

    with pytest.raises(ModelTimeoutError, match=r"^no answer \(gave up after 3 attempts\)$"):
        await retrying(RetryPolicy(max_retries=2, wait_s=0.0), slow)
    assert len(attempts) == 3


def test_negative_max_retries_is_a_config_error() -> None:
    """A negative retry count is refused."""
    with pytest.raises(ConfigError, match="max_retries must be >= 0"):
        RetryPolicy(max_retries=-1)
