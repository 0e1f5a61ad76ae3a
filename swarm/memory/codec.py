"""Convert between :class:`~swarm.types.Memory` and rows of the ``memories`` table."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import msgspec

from swarm.types import Content, Memory, MemoryMetadata, now_ms

__all__ = ["SHARED_SCOPES", "memory_row", "row_memory"]

# metadata.scope values that every agent of the room may read (anything else is private).
SHARED_SCOPES = ("shared", "room")


def memory_row(memory: Memory, table_name: str, now: int | None = None) -> dict[str, Any]:
    """The ``memories`` row for ``memory``; a missing id or created_at is filled in."""
    return {
        "id": memory.id or str(uuid.uuid4()),
        "type": table_name,
        "entity_id": memory.entity_id,
        "agent_id": memory.agent_id,
        "room_id": memory.room_id,
        "world_id": memory.world_id,
        "scope": memory.metadata.scope,
        "unique": memory.unique,
        "content": memory.content,  # encoded by the engine's msgspec JSON serializer
        "metadata": memory.metadata,
        "created_at": memory.created_at if memory.created_at is not None else (now or now_ms()),
    }


def row_memory(row: Mapping[Any, Any], embedding: list[float] | None = None) -> Memory:
    """The :class:`Memory` a ``memories`` row holds."""
    return Memory(
        id=row["id"],
        entity_id=row["entity_id"],
        agent_id=row["agent_id"],
        room_id=row["room_id"],
        world_id=row["world_id"],
        content=msgspec.convert(row["content"], Content),
        metadata=msgspec.convert(row["metadata"], MemoryMetadata),
        created_at=row["created_at"],
        unique=row["unique"],
        embedding=embedding,
        similarity=row.get("similarity"),
    )
