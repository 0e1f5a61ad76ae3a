"""What the runtime needs from a memory store, as a structural type.

The runtime depends on this small protocol rather than on ``swarm.memory``: any store with
the lifecycle methods and the memory methods below will do (``swarm.memory.MemoryStore``
implements it; unit tests use an in-memory fake).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from swarm.types import Memory

__all__ = ["StoreAdapter"]


class StoreAdapter(Protocol):
    """The lifecycle and memory surface of a memory store."""

    async def init(self) -> None:
        """Connect and make the schema ready; safe to call again (many agents share a store)."""

    async def ping(self) -> object:
        """Raise when the store cannot be reached."""

    async def close(self) -> None:
        """Release connections."""

    async def create_memory(self, memory: Memory, table_name: str = "messages") -> Memory:
        """Store ``memory``; an existing id is a no-op that returns the stored row."""
        ...

    async def create_memories(
        self, memories: Sequence[Memory], table_name: str = "messages"
    ) -> int:
        """Store many memories in one transaction; return how many were new."""
        ...

    async def get_memory(self, memory_id: str) -> Memory | None:
        """The memory with this id, or None."""
        ...

    async def get_memories(
        self,
        *,
        room_id: str,
        table_name: str = "messages",
        count: int | None = None,
        before: int | None = None,
        agent_id: str | None = None,
        include_agents: Sequence[str] = (),
    ) -> list[Memory]:
        """A room's memories, newest first; with ``agent_id`` never another agent's private
        ones, except those of ``include_agents`` (e.g. a parent's, when permitted)."""
        ...
