"""Helpers for the memory store tests: memories to write, schema names, cleanup."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import psycopg

from swarm.types import Content, Memory, MemoryMetadata

__all__ = ["drop_schema", "libpq_url", "make_memory", "unique_schema"]


def unique_schema(prefix: str = "swarm_test") -> str:
    """A PostgreSQL schema name no other test session uses."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def libpq_url(url: str) -> str:
    """A SQLAlchemy ``postgresql+psycopg://`` URL as plain libpq accepts it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def drop_schema(url: str, schema: str) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def make_memory(
    *,
    room_id: str,
    agent_id: str | None = None,
    text: str = "hello",
    id: str | None = None,
    created_at: int | None = None,
    scope: str = "private",
    embedding: Sequence[float] | None = None,
) -> Memory:
    return Memory(
        id=id,
        entity_id=agent_id or str(uuid.uuid4()),
        agent_id=agent_id,
        room_id=room_id,
        content=Content(text=text),
        created_at=created_at,
        metadata=MemoryMetadata(scope=scope),
        embedding=list(embedding) if embedding is not None else None,
    )
