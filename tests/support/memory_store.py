"""An in-memory stand-in for ``swarm.memory.MemoryStore`` (the runtime's StoreAdapter).

It follows the store contract: idempotent writes on ``memory.id``, ``created_at`` filled
in, newest-first reads, and an agent never sees another agent's private memories. Failure
switches (``down``, ``fail_writes``) let unit tests inject store outages.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import msgspec

from swarm.errors import StoreConnectionError
from swarm.types import Memory, now_ms


class InMemoryStore:
    """Memories by id and by (table, room), in insertion order."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, Memory]] = {}
        self.rooms: dict[tuple[str, str], list[str]] = {}
        self.calls: list[str] = []
        self.down = False
        self.fail_writes = 0
        """Raise StoreConnectionError on this many next writes (transient outage)."""

    def _check(self) -> None:
        if self.down:
            raise StoreConnectionError("in-memory store is down (test switch)")

    async def init(self) -> None:
        self.calls.append("init")

    async def ping(self) -> bool:
        self._check()
        return True

    async def close(self) -> None:
        self.calls.append("close")

    def _insert(self, memory: Memory, table_name: str) -> tuple[Memory, bool]:
        if memory.id is not None and memory.id in self.rows:
            return self.rows[memory.id][1], False
        memory = msgspec.structs.replace(
            memory,
            id=memory.id or str(uuid.uuid4()),
            created_at=memory.created_at if memory.created_at is not None else now_ms(),
        )
        assert memory.id is not None
        self.rows[memory.id] = (table_name, memory)
        self.rooms.setdefault((table_name, memory.room_id), []).append(memory.id)
        return memory, True

    def _write(self) -> None:
        self._check()
        if self.fail_writes:
            self.fail_writes -= 1
            raise StoreConnectionError("in-memory store dropped the connection (test switch)")

    async def create_memory(self, memory: Memory, table_name: str = "messages") -> Memory:
        self._write()
        self.calls.append("create_memory")
        return self._insert(memory, table_name)[0]

    async def create_memories(
        self, memories: Sequence[Memory], table_name: str = "messages"
    ) -> int:
        self._write()
        self.calls.append("create_memories")
        return sum(self._insert(m, table_name)[1] for m in memories)

    async def get_memory(self, memory_id: str) -> Memory | None:
        self._check()
        self.calls.append("get_memory")
        row = self.rows.get(memory_id)
        return row[1] if row else None

    async def get_memories_by_ids(self, memory_ids: Sequence[str]) -> list[Memory]:
        self._check()
        self.calls.append("get_memories_by_ids")
        return [self.rows[i][1] for i in memory_ids if i in self.rows]

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
        self._check()
        self.calls.append("get_memories")
        found = []
        for memory_id in reversed(self.rooms.get((table_name, room_id), [])):
            memory = self.rows[memory_id][1]
            if before is not None and (memory.created_at or 0) >= before:
                continue
            if (
                agent_id is not None
                and memory.agent_id not in (agent_id, *include_agents)
                and memory.metadata.scope not in ("shared", "room")
            ):
                continue
            found.append(memory)
            if count is not None and len(found) >= count:
                break
        return found
