"""What agents and clients ask of the coordinator: entries of the bus stream (``swarm:bus``).

Flat string fields, like inbox entries, so ``redis-cli XADD swarm:bus * kind send to ada
text hi`` is a valid request. ``docs/protocol.md`` ("Coordinator") is the specification.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from swarm.bus.connection import Redis
from swarm.bus.envelope import text_fields
from swarm.bus.keys import bus_stream
from swarm.errors import ProtocolError
from swarm.ids import is_uuid

__all__ = [
    "MAX_HOPS",
    "BusCommand",
    "CommandKind",
    "decode_command",
    "encode_command",
    "publish",
]

CommandKind = Literal["send", "broadcast", "delegate"]
_KINDS = ("send", "broadcast", "delegate")
MAX_HOPS = 8
"""Agent-to-agent hops after which the coordinator stops a conversation (dead-letters it)."""

_json = msgspec.json.Encoder()
_object = msgspec.json.Decoder(dict[str, Any])


class BusCommand(msgspec.Struct, frozen=True, kw_only=True):
    """One request to the coordinator: deliver a message to one agent, or to many."""

    kind: CommandKind
    text: str
    to: str = ""
    """``send``: the target agent's name or id (a name nobody registered yet is queued)."""
    message_id: str | None = None
    """Identifies the message across retries: the same id is delivered to an agent once."""
    sender: str = ""
    """The sending agent's id; empty for a client."""
    sender_name: str = ""
    room: str | None = None
    reply_to: str | None = None
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)
    hops: int = 0
    """How many agent-to-agent steps led to this message (loop protection)."""
    agent_reply: bool = False
    """True for an agent's automatic answer to another agent: never answered again."""
    ttl_ms: int | None = None
    """Undelivered after ``sent_at + ttl_ms``: dead-lettered instead."""
    sent_at: int | None = None
    target_room: str | None = None
    """``broadcast``: only the agents that hosted messages of this room (name or UUID)."""
    tag: str | None = None
    """``broadcast``: only the agents whose character has this tag (``settings.tags``)."""
    timeout_ms: int | None = None
    """``delegate``: how long the child has for the task before it is timed out."""

    @property
    def expires_at(self) -> int | None:
        """Milliseconds since the epoch after which the message is not delivered."""
        if self.ttl_ms is None or self.sent_at is None:
            return None
        return self.sent_at + self.ttl_ms


def encode_command(command: BusCommand) -> dict[str, str]:
    """The fields of a bus entry (what ``XADD swarm:bus`` takes)."""
    fields = {"kind": command.kind, "text": command.text}
    optional: dict[str, str | None] = {
        "to": command.to or None,
        "id": command.message_id,
        "sender": command.sender or None,
        "sender_name": command.sender_name or None,
        "room": command.room,
        "reply_to": command.reply_to,
        "metadata": _json.encode(command.metadata).decode() if command.metadata else None,
        "hops": str(command.hops) if command.hops else None,
        "agent_reply": "1" if command.agent_reply else None,
        "ttl_ms": str(command.ttl_ms) if command.ttl_ms is not None else None,
        "sent_at": str(command.sent_at) if command.sent_at is not None else None,
        "target_room": command.target_room,
        "tag": command.tag,
        "timeout_ms": str(command.timeout_ms) if command.timeout_ms is not None else None,
    }
    fields.update({k: v for k, v in optional.items() if v is not None})
    return fields


def _int(fields: Mapping[str, str], name: str) -> int | None:
    value = fields.get(name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ProtocolError(f"field {name!r}: expected an integer, got {value[:40]!r}") from None


def decode_command(raw: Mapping[bytes, bytes] | Mapping[str, str]) -> BusCommand:
    """Decode a bus entry; raise ProtocolError naming the bad field."""
    fields = text_fields(raw)
    kind = fields.get("kind", "")
    if kind not in _KINDS:
        raise ProtocolError(
            f"field 'kind': expected send, broadcast or delegate, got {kind[:20]!r}"
        )
    if "text" not in fields:
        raise ProtocolError("field 'text': missing; every bus message needs a text")
    if kind in ("send", "delegate") and not fields.get("to"):
        raise ProtocolError("field 'to': missing; name the agent (name or id) to send to")
    message_id = fields.get("id") or None
    if message_id is not None and not is_uuid(message_id):
        raise ProtocolError(f"field 'id': {message_id[:60]!r} is not a UUID; omit it or send one")
    metadata: dict[str, Any] = {}
    if fields.get("metadata"):
        try:
            metadata = _object.decode(fields["metadata"])
        except msgspec.DecodeError as exc:
            raise ProtocolError(f"field 'metadata': {exc}; send a JSON object") from None
    if kind == "delegate" and not fields.get("sender"):
        raise ProtocolError("field 'sender': missing; a delegation names the parent agent")
    if kind == "delegate" and not message_id:
        raise ProtocolError("field 'id': missing; a delegation's id is its task id (a UUID)")
    timeout_ms = _int(fields, "timeout_ms")
    if timeout_ms is not None and timeout_ms <= 0:
        raise ProtocolError(f"field 'timeout_ms': must be positive, got {timeout_ms}")
    ttl_ms = _int(fields, "ttl_ms")
    if ttl_ms is not None and ttl_ms <= 0:
        raise ProtocolError(f"field 'ttl_ms': must be positive, got {ttl_ms}")
    return BusCommand(
        kind=kind,  # type: ignore[arg-type]  # checked against _KINDS above
        text=fields["text"],
        to=fields.get("to", ""),
        message_id=message_id,
        sender=fields.get("sender", ""),
        sender_name=fields.get("sender_name", ""),
        room=fields.get("room") or None,
        reply_to=fields.get("reply_to") or None,
        metadata=metadata,
        hops=_int(fields, "hops") or 0,
        agent_reply=fields.get("agent_reply", "") in ("1", "true"),
        ttl_ms=ttl_ms,
        sent_at=_int(fields, "sent_at"),
        target_room=fields.get("target_room") or None,
        tag=fields.get("tag") or None,
        timeout_ms=timeout_ms,
    )


async def publish(redis: Redis, command: BusCommand) -> str:
    """``XADD`` ``command`` to the bus stream; return its entry id."""
    entry_id = await redis.xadd(bus_stream(), encode_command(command))  # type: ignore[arg-type]
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
