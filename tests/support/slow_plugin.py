"""An inheritable plugin whose hook holds a turn whose text contains ``[sleep]`` for a minute.

Delegation tests use it for a child that does not finish in time, or dies mid-task.
"""

from __future__ import annotations

import anyio

from swarm.runtime import AgentRuntime, Plugin
from swarm.types import Memory

__all__ = ["plugin"]


async def _hold(runtime: AgentRuntime, message: Memory) -> None:
    if "[sleep]" in message.content.text:
        await anyio.sleep(60)


plugin = Plugin(name="slow-tasks", inheritable=True, before_message=_hold)
