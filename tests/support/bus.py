"""Helpers for bus tests: a private Redis per test module and a worker running in-process."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace

import anyio

from swarm.bus import AgentRecord, Redis, register_agent
from tests.support.echo_handler import EchoHandler
from tests.support.echo_worker import FAST
from workers import Handler, Worker, WorkerOptions

__all__ = ["eventually", "new_agent", "running_worker"]

POLL_S = 0.02


async def eventually(check: Callable[[], Awaitable[object]], timeout_s: float = 5.0) -> None:
    """Wait until ``check()`` returns something truthy; TimeoutError after ``timeout_s``.

    For state that another process (or Redis) owns and that no event announces.
    """
    with anyio.fail_after(timeout_s):
        for _ in itertools.count():
            if await check():
                return
            await anyio.sleep(POLL_S)


async def new_agent(redis: Redis, prefix: str = "agent") -> AgentRecord:
    """Register an agent with a fresh name, so tests never share inboxes."""
    return await register_agent(redis, f"{prefix}-{uuid.uuid4().hex[:8]}")


@asynccontextmanager
async def running_worker(
    redis: Redis,
    agents: list[AgentRecord],
    handler: Handler | None = None,
    **overrides: object,
) -> AsyncIterator[Worker]:
    """A Worker serving ``agents`` in a task group; stopped (drained) on exit."""
    options: WorkerOptions = replace(FAST, worker_id=f"w-{uuid.uuid4().hex[:6]}", **overrides)  # type: ignore[arg-type]
    worker = Worker(redis, handler or EchoHandler(redis, "t"), agents, options)
    async with anyio.create_task_group() as tg:
        await tg.start(worker.run)
        try:
            yield worker
        finally:
            worker.stop()
