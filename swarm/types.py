"""The records every part of swarm shares: message content and memories.

They are msgspec structs because they cross the wire and the store on the hot path.
JSON keys are camelCase, as elizaOS writes them; Python attributes are snake_case.
Ids are UUID strings, as in elizaOS.
"""

from __future__ import annotations

import time
from typing import Any

import msgspec

__all__ = ["UUID", "Content", "Media", "Memory", "MemoryMetadata", "now_ms"]

UUID = str
"""A canonical UUID string (``8-4-4-4-12`` hex digits)."""


def now_ms() -> int:
    """Milliseconds since the epoch, the unit elizaOS uses for ``createdAt``."""
    return time.time_ns() // 1_000_000


class Media(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    """An attachment of a message (image, file, link)."""

    id: str
    url: str
    title: str | None = None
    source: str | None = None
    description: str | None = None
    text: str | None = None
    content_type: str | None = None


class Content(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    """What a message says. ``data`` carries any extra keys a plugin needs."""

    text: str = ""
    thought: str | None = None
    actions: list[str] = msgspec.field(default_factory=list)
    providers: list[str] = msgspec.field(default_factory=list)
    source: str | None = None
    target: str | None = None
    url: str | None = None
    in_reply_to: UUID | None = None
    attachments: list[Media] = msgspec.field(default_factory=list)
    channel_type: str | None = None
    data: dict[str, Any] = msgspec.field(default_factory=dict)


class MemoryMetadata(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    """Where a memory came from and how it may be used."""

    type: str = "message"
    source: str | None = None
    scope: str = "private"
    """``private`` (only its agent sees it), ``shared`` (every agent of the room) or ``room``."""
    timestamp: int | None = None
    tags: list[str] = msgspec.field(default_factory=list)
    extra: dict[str, Any] = msgspec.field(default_factory=dict)


class Memory(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    """One remembered thing: a message, a response, a fact, a document fragment."""

    entity_id: UUID
    room_id: UUID
    content: Content
    id: UUID | None = None
    agent_id: UUID | None = None
    world_id: UUID | None = None
    created_at: int | None = None
    embedding: list[float] | None = None
    unique: bool = True
    similarity: float | None = None
    metadata: MemoryMetadata = msgspec.field(default_factory=MemoryMetadata)
