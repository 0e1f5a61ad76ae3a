"""The store's records besides :class:`~swarm.types.Memory`, after elizaOS's types.

Ids are UUID strings; timestamps are milliseconds. ``None`` ids are generated on create.
"""

from __future__ import annotations

from typing import Any

import msgspec

from swarm.types import UUID

__all__ = ["AgentRecord", "Entity", "LogEntry", "Relationship", "Room", "Task", "World"]


class AgentRecord(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An agent row: its id, name and the rest of its character as ``data``."""

    id: UUID
    name: str
    enabled: bool = True
    data: dict[str, Any] = msgspec.field(default_factory=dict)
    created_at: int | None = None
    updated_at: int | None = None


class Entity(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Someone or something an agent knows: a user, another agent."""

    id: UUID
    agent_id: UUID
    names: list[str] = msgspec.field(default_factory=list)
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)


class World(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A server or workspace that holds rooms."""

    id: UUID
    agent_id: UUID
    name: str | None = None
    server_id: str | None = None
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)


class Room(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A conversation: a channel, a DM, a thread."""

    id: UUID
    agent_id: UUID | None = None
    name: str | None = None
    source: str | None = None
    type: str | None = None
    world_id: UUID | None = None
    server_id: str | None = None
    channel_id: str | None = None
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)


class Relationship(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A directed link between two entities, as seen by one agent."""

    source_entity_id: UUID
    target_entity_id: UUID
    agent_id: UUID
    id: UUID | None = None
    tags: list[str] = msgspec.field(default_factory=list)
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)


class Task(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A unit of deferred work; ``status`` is ``pending``, ``claimed`` or ``done`` (delegated
    tasks: ``pending``, ``running``, ``done``, ``failed`` or ``timed_out``)."""

    name: str
    agent_id: UUID
    id: UUID | None = None
    description: str | None = None
    room_id: UUID | None = None
    world_id: UUID | None = None
    entity_id: UUID | None = None
    tags: list[str] = msgspec.field(default_factory=list)
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)
    status: str = "pending"
    claimed_by: str | None = None
    claimed_at: int | None = None
    created_at: int | None = None
    updated_at: int | None = None


class LogEntry(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One structured log record (model calls, actions, evaluations)."""

    type: str
    body: dict[str, Any]
    id: UUID | None = None
    agent_id: UUID | None = None
    entity_id: UUID | None = None
    room_id: UUID | None = None
    created_at: int | None = None
