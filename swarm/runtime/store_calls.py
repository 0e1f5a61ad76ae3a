"""Store calls from the pipeline, retried when the failure is transient.

The first attempt is a plain await (the hot path pays nothing); only a connection or timeout
failure enters a bounded tenacity loop with exponential back-off and jitter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from swarm.errors import StoreConnectionError

__all__ = ["STORE_RETRIES", "STORE_WAIT_S", "is_transient", "with_store_retry"]

T = TypeVar("T")

STORE_RETRIES = 3
"""Attempts after the first: a failover or a restarted pooler takes about a second."""
STORE_WAIT_S = 0.05
"""First back-off; doubles each attempt, plus up to as much jitter, capped at 1 s."""


def is_transient(error: BaseException) -> bool:
    """A failure that another attempt may cure: lost connection or timeout."""
    return isinstance(error, StoreConnectionError | ConnectionError | TimeoutError)


async def with_store_retry(fn: Callable[[], Awaitable[T]]) -> T:
    """Await ``fn()``; on a transient failure try again, a bounded number of times."""
    try:
        return await fn()
    except Exception as error:
        if not is_transient(error):
            raise
    retryer = AsyncRetrying(
        stop=stop_after_attempt(STORE_RETRIES),
        wait=wait_exponential_jitter(multiplier=STORE_WAIT_S, max=1.0, jitter=STORE_WAIT_S),
        retry=retry_if_exception(is_transient),
        reraise=True,
        sleep=anyio.sleep,
    )

    async def attempt() -> T:  # tenacity awaits only what a coroutine function returns
        return await fn()

    return await retryer(attempt)
