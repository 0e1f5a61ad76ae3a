"""The store's tables, modelled on elizaOS's plugin-sql schema.

Ids are UUID strings in ``String(36)`` columns (one type on PostgreSQL and SQLite);
timestamps are milliseconds since the epoch (``BigInteger``), as elizaOS writes them.
The ``embeddings`` column type depends on the backend: pgvector's ``vector(n)`` where
the extension exists, packed float32 bytes where it does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine, UserDefinedType

__all__ = ["PgVector", "Tables", "build_tables"]

Json = JSON().with_variant(JSONB(), "postgresql")
Id = String(36)


class PgVector(UserDefinedType[list[float]]):
    """pgvector's ``vector(n)``, bound and read as its text form ``[1,2,3]``."""

    cache_ok = True

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension

    def get_col_spec(self, **kw: Any) -> str:
        return f"vector({self.dimension})"

    def bind_processor(self, dialect: Any) -> Any:
        def process(value: list[float] | None) -> str | None:
            return None if value is None else msgspec.json.encode(value).decode()

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        def process(value: str | None) -> list[float] | None:
            return None if value is None else msgspec.json.decode(value, type=list[float])

        return process


@dataclass(frozen=True)
class Tables:
    """Every table of one store, for one embedding backend."""

    metadata: MetaData
    meta: Table
    agents: Table
    entities: Table
    worlds: Table
    rooms: Table
    participants: Table
    memories: Table
    embeddings: Table
    relationships: Table
    tasks: Table
    cache: Table
    logs: Table


def build_tables(dimension: int, pgvector: bool) -> Tables:
    """The schema for ``dimension``-wide embeddings, with pgvector or the exact fallback."""
    md = MetaData()
    vector_type: TypeEngine[Any] = PgVector(dimension) if pgvector else LargeBinary()
    meta = Table(
        "swarm_meta",
        md,
        Column("key", String(64), primary_key=True),
        Column("value", Text, nullable=False),
    )
    agents = Table(
        "agents",
        md,
        Column("id", Id, primary_key=True),
        Column("name", Text, nullable=False),
        Column("enabled", Boolean, nullable=False, default=True),
        Column("data", Json, nullable=False),
        Column("created_at", BigInteger, nullable=False),
        Column("updated_at", BigInteger, nullable=False),
    )
    entities = Table(
        "entities",
        md,
        Column("id", Id, primary_key=True),
        Column("agent_id", Id, nullable=False, index=True),
        Column("names", Json, nullable=False),
        Column("metadata", Json, nullable=False),
        Column("created_at", BigInteger, nullable=False),
    )
    worlds = Table(
        "worlds",
        md,
        Column("id", Id, primary_key=True),
        Column("agent_id", Id, nullable=False, index=True),
        Column("name", Text),
        Column("server_id", Text),
        Column("metadata", Json, nullable=False),
        Column("created_at", BigInteger, nullable=False),
    )
    rooms = Table(
        "rooms",
        md,
        Column("id", Id, primary_key=True),
        Column("agent_id", Id, index=True),
        Column("name", Text),
        Column("source", Text),
        Column("type", Text),
        Column("world_id", Id, index=True),
        Column("server_id", Text),
        Column("channel_id", Text),
        Column("metadata", Json, nullable=False),
        Column("created_at", BigInteger, nullable=False),
    )
    participants = Table(
        "participants",
        md,
        Column("entity_id", Id, primary_key=True),
        Column("room_id", Id, primary_key=True),
        Column("agent_id", Id),
        Column("room_state", Text),
        Column("created_at", BigInteger, nullable=False),
        Index("ix_participants_room", "room_id"),
    )
    memories = Table(
        "memories",
        md,
        Column("id", Id, primary_key=True),
        Column("type", String(64), nullable=False),  # elizaOS's table name: messages, facts, ...
        Column("entity_id", Id, nullable=False),
        Column("agent_id", Id),
        Column("room_id", Id, nullable=False),
        Column("world_id", Id),
        Column("scope", String(16), nullable=False),  # copied from metadata.scope for queries
        Column("unique", Boolean, nullable=False),
        Column("content", Json, nullable=False),
        Column("metadata", Json, nullable=False),
        Column("created_at", BigInteger, nullable=False),
        Index("ix_memories_room_type_created", "room_id", "type", "created_at"),
        Index("ix_memories_agent_type_created", "agent_id", "type", "created_at"),
    )
    embeddings = Table(
        "embeddings",
        md,
        Column("memory_id", Id, ForeignKey("memories.id", ondelete="CASCADE"), primary_key=True),
        Column("dimension", Integer, nullable=False),
        Column("embedding", vector_type, nullable=False),
    )
    relationships = Table(
        "relationships",
        md,
        Column("id", Id, primary_key=True),
        Column("source_entity_id", Id, nullable=False),
        Column("target_entity_id", Id, nullable=False),
        Column("agent_id", Id, nullable=False),
        Column("tags", Json, nullable=False),
        Column("metadata", Json, nullable=False),
        Column("created_at", BigInteger, nullable=False),
        UniqueConstraint("source_entity_id", "target_entity_id", "agent_id"),
        Index("ix_relationships_target", "target_entity_id"),
    )
    tasks = Table(
        "tasks",
        md,
        Column("id", Id, primary_key=True),
        Column("name", Text, nullable=False),
        Column("description", Text),
        Column("agent_id", Id, nullable=False),
        Column("room_id", Id),
        Column("world_id", Id),
        Column("entity_id", Id),
        Column("tags", Json, nullable=False),
        Column("metadata", Json, nullable=False),
        Column("status", String(16), nullable=False),
        Column("claimed_by", Text),
        Column("claimed_at", BigInteger),
        Column("created_at", BigInteger, nullable=False),
        Column("updated_at", BigInteger, nullable=False),
        Index("ix_tasks_agent_status_created", "agent_id", "status", "created_at"),
    )
    cache = Table(
        "cache",
        md,
        Column("agent_id", Id, primary_key=True),
        Column("key", Text, primary_key=True),
        Column("value", Json, nullable=False),
        Column("expires_at", BigInteger),
        Column("created_at", BigInteger, nullable=False),
    )
    logs = Table(
        "logs",
        md,
        Column("id", Id, primary_key=True),
        Column("agent_id", Id),
        Column("entity_id", Id),
        Column("room_id", Id),
        Column("type", Text, nullable=False),
        Column("body", Json, nullable=False),
        Column("created_at", BigInteger, nullable=False),
        Index("ix_logs_room_created", "room_id", "created_at"),
    )
    return Tables(
        md,
        meta,
        agents,
        entities,
        worlds,
        rooms,
        participants,
        memories,
        embeddings,
        relationships,
        tasks,
        cache,
        logs,
    )
