"""What one turn of the message pipeline produced, for the caller (a worker, a test, a CLI)."""

from __future__ import annotations

import msgspec

from swarm.types import Content, Memory

__all__ = ["Response"]


class Response(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    """The outcome of ``await runtime.process_message(message)``.

    ``memories`` holds every memory the turn created (the incoming message as this agent
    stored it, the response, evaluator results): with ``persist=False`` the caller writes
    them, all of a batch in one ``create_memories``. ``replayed`` is True when the response
    was already stored and nothing ran. ``error`` records what failed (a fallback reply was
    sent when the models failed). ``veto`` holds the reason when a plugin's
    ``before_message`` hook dropped the message.
    """

    message_id: str
    agent_id: str
    room_id: str
    responded: bool = False
    content: Content | None = None
    memories: list[Memory] = msgspec.field(default_factory=list)
    replayed: bool = False
    error: str | None = None
    model: str = ""
    timings_ms: dict[str, float] = msgspec.field(default_factory=dict)
    veto: str | None = None
