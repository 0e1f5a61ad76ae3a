"""The wire envelopes: what a stream entry means, in both directions.

Entries are flat string fields so that ``redis-cli XADD <inbox> * text hello room r1`` is a
valid message; richer content travels as one JSON field (``content``). The field-level
layout is specified in ``docs/protocol.md``; this module is its only implementation.

Decoding never trusts the entry: every problem raises :class:`~swarm.errors.ProtocolError`
naming the field, which the worker turns into a dead letter instead of a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Literal

import msgspec

from swarm.errors import ProtocolError
from swarm.ids import derived_id, is_uuid, string_to_uuid
from swarm.types import Content

__all__ = [
    "DEFAULT_ROOM",
    "DEFAULT_SENDER",
    "DeadLetter",
    "Message",
    "Reply",
    "ReplyKind",
    "decode_dead_letter",
    "decode_message",
    "decode_reply",
    "encode_dead_letter",
    "encode_message",
    "encode_reply",
    "room_id",
    "text_fields",
]

DEFAULT_ROOM = "default"
DEFAULT_SENDER = "user"
ReplyKind = Literal["reply", "partial", "error"]

# One encoder and one decoder per type for the process (msgspec caches their plans).
_json = msgspec.json.Encoder()
_content = msgspec.json.Decoder(Content)
_object = msgspec.json.Decoder(dict[str, Any])
_TRUE = frozenset({"1", "true", "yes"})
_FALSE = frozenset({"", "0", "false", "no"})


class Message(msgspec.Struct, frozen=True, kw_only=True):
    """A decoded inbox entry: one message to one agent."""

    id: str
    """The message id (a UUID): the sender's ``id`` field, else derived from the entry id."""
    agent_id: str
    room_id: str
    entity_id: str
    content: Content
    entry_id: str
    """The stream entry id it was read from."""
    room: str = DEFAULT_ROOM
    """The room as the sender wrote it (a name or a UUID)."""
    reply_to: str | None = None
    partials: bool = False
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)
    sent_at: int | None = None
    deliveries: int = 1
    """How many times the bus has delivered this entry, this time included."""
    expires_at: int | None = None
    """Milliseconds since the epoch after which the entry is dead-lettered unhandled (ttl)."""
    id_from_sender: bool = False
    """The sender wrote the ``id`` field: the same id may come again in a new entry (a
    retried send). An id derived from the entry id is new with every entry."""


class Reply(msgspec.Struct, frozen=True, kw_only=True):
    """What a worker writes to a message's reply stream: a partial, the reply, or an error."""

    kind: ReplyKind
    message_id: str
    agent_id: str
    room_id: str
    content: Content = msgspec.field(default_factory=Content)
    seq: int = 0
    """Partials count up from 0; the final reply or error carries the next number."""
    responded: bool = True
    replayed: bool = False
    error: str | None = None
    model: str | None = None

    @property
    def text(self) -> str:
        """The reply's text (``content.text``)."""
        return self.content.text


class DeadLetter(msgspec.Struct, frozen=True, kw_only=True):
    """An inbox entry given up on, with why and how often it was tried."""

    inbox: str
    entry_id: str
    agent_id: str
    error: str
    deliveries: int
    worker: str
    failed_at: int
    fields: dict[str, str] = msgspec.field(default_factory=dict)
    """The original entry's fields (bytes that were not UTF-8 are backslash-escaped)."""


def text_fields(raw: Mapping[bytes, bytes] | Mapping[str, str]) -> dict[str, str]:
    """Decode an entry's fields to text; a field that is not UTF-8 is a ProtocolError."""
    out: dict[str, str] = {}
    for key, value in raw.items():
        try:
            name = key.decode() if isinstance(key, bytes) else key
        except UnicodeDecodeError:
            raise ProtocolError(f"field name {key!r} is not UTF-8; use text names") from None
        try:
            out[name] = value.decode() if isinstance(value, bytes) else value
        except UnicodeDecodeError:
            raise ProtocolError(f"field {name!r}: value is not UTF-8 text; send UTF-8") from None
    return out


@lru_cache(maxsize=65_536)
def _name_uuid(value: str) -> str:
    # Rooms and senders repeat across messages; the SHA-1 behind an id need not.
    return value if is_uuid(value) else string_to_uuid(value)


def room_id(room: str) -> str:
    """The room id a sender's ``room`` field names: a UUID as is, else ``string_to_uuid``."""
    return _name_uuid(room)


def _flag(fields: Mapping[str, str], name: str) -> bool:
    value = fields.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ProtocolError(f"field {name!r}: expected 1 or 0, got {value[:40]!r}")


def _int(fields: Mapping[str, str], name: str) -> int | None:
    value = fields.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ProtocolError(f"field {name!r}: expected an integer, got {value[:40]!r}") from None


def _entity(fields: Mapping[str, str], name: str, default: str) -> str:
    return _name_uuid(fields.get(name) or default)


def decode_message(
    raw: Mapping[bytes, bytes] | Mapping[str, str],
    *,
    agent_id: str,
    entry_id: str,
    deliveries: int = 1,
) -> Message:
    """Decode an entry of ``agent_id``'s inbox; raise ProtocolError naming the bad field."""
    fields = text_fields(raw)
    content = Content()
    if "content" in fields:
        try:
            content = _content.decode(fields["content"])
        except msgspec.DecodeError as exc:
            raise ProtocolError(f"field 'content': {exc}; send a JSON Content object") from None
    text = fields.get("text")
    if text is not None:
        content = msgspec.structs.replace(content, text=text)
    elif "content" not in fields:
        raise ProtocolError("field 'text': missing; every message needs 'text' or 'content'")
    metadata: dict[str, Any] = {}
    if "metadata" in fields:
        try:
            metadata = _object.decode(fields["metadata"])
        except msgspec.DecodeError as exc:
            raise ProtocolError(f"field 'metadata': {exc}; send a JSON object") from None
    given = fields.get("id")
    message_id = given or derived_id("entry", agent_id, entry_id)
    if not is_uuid(message_id):
        raise ProtocolError(f"field 'id': {message_id[:60]!r} is not a UUID; omit it or send one")
    reply_to = fields.get("reply_to") or None
    room = fields.get("room") or DEFAULT_ROOM
    return Message(
        id=message_id,
        agent_id=agent_id,
        room_id=room_id(room),
        entity_id=_entity(fields, "sender", DEFAULT_SENDER),
        content=content,
        entry_id=entry_id,
        room=room,
        reply_to=reply_to,
        partials=_flag(fields, "partials"),
        metadata=metadata,
        sent_at=_int(fields, "sent_at"),
        deliveries=deliveries,
        expires_at=_int(fields, "expires_at"),
        id_from_sender=bool(given),
    )


def encode_message(
    *,
    text: str,
    message_id: str | None = None,
    room: str | None = None,
    reply_to: str | None = None,
    sender: str | None = None,
    content: Content | None = None,
    metadata: Mapping[str, Any] | None = None,
    partials: bool = False,
    sent_at: int | None = None,
) -> dict[str, str]:
    """The fields of an inbox entry (what ``XADD`` takes); the inverse of decode_message."""
    fields = {"text": text}
    optional = {
        "id": message_id,
        "room": room,
        "reply_to": reply_to,
        "sender": sender,
        "content": _json.encode(content).decode() if content is not None else None,
        "metadata": _json.encode(dict(metadata)).decode() if metadata else None,
        "partials": "1" if partials else None,
        "sent_at": str(sent_at) if sent_at is not None else None,
    }
    fields.update({k: v for k, v in optional.items() if v is not None})
    return fields


def encode_reply(reply: Reply) -> dict[str, str]:
    """The fields of a reply-stream entry."""
    fields = {
        "type": reply.kind,
        "message_id": reply.message_id,
        "agent_id": reply.agent_id,
        "room_id": reply.room_id,
        "text": reply.content.text,
        "content": _json.encode(reply.content).decode(),
        "seq": str(reply.seq),
        "responded": "1" if reply.responded else "0",
        "replayed": "1" if reply.replayed else "0",
    }
    if reply.error is not None:
        fields["error"] = reply.error
    if reply.model is not None:
        fields["model"] = reply.model
    return fields


def _required(fields: Mapping[str, str], name: str, what: str) -> str:
    try:
        return fields[name]
    except KeyError:
        raise ProtocolError(f"field {name!r}: missing from a {what} entry") from None


def decode_reply(raw: Mapping[bytes, bytes] | Mapping[str, str]) -> Reply:
    """Decode a reply-stream entry; raise ProtocolError naming the field."""
    fields = text_fields(raw)
    kind = _required(fields, "type", "reply")
    if kind not in ("reply", "partial", "error"):
        raise ProtocolError(f"field 'type': expected reply, partial or error, got {kind[:20]!r}")
    if "content" in fields:
        try:
            content = _content.decode(fields["content"])
        except msgspec.DecodeError as exc:
            raise ProtocolError(f"field 'content': {exc}") from None
    else:
        content = Content(text=fields.get("text", ""))
    return Reply(
        kind=kind,  # type: ignore[arg-type]  # checked against the Literal just above
        message_id=_required(fields, "message_id", "reply"),
        agent_id=_required(fields, "agent_id", "reply"),
        room_id=_required(fields, "room_id", "reply"),
        content=content,
        seq=_int(fields, "seq") or 0,
        responded=_flag(fields, "responded") if "responded" in fields else True,
        replayed=_flag(fields, "replayed"),
        error=fields.get("error"),
        model=fields.get("model"),
    )


def encode_dead_letter(letter: DeadLetter) -> dict[str, str]:
    """The fields of a dead-letter entry."""
    return {
        "inbox": letter.inbox,
        "entry_id": letter.entry_id,
        "agent_id": letter.agent_id,
        "error": letter.error,
        "deliveries": str(letter.deliveries),
        "worker": letter.worker,
        "failed_at": str(letter.failed_at),
        "fields": _json.encode(letter.fields).decode(),
    }


def decode_dead_letter(raw: Mapping[bytes, bytes] | Mapping[str, str]) -> DeadLetter:
    """Decode a dead-letter entry; raise ProtocolError naming the field."""
    fields = text_fields(raw)
    try:
        original = msgspec.json.decode(fields.get("fields", "{}"), type=dict[str, str])
    except msgspec.DecodeError as exc:
        raise ProtocolError(f"field 'fields': {exc}") from None
    return DeadLetter(
        inbox=_required(fields, "inbox", "dead-letter"),
        entry_id=_required(fields, "entry_id", "dead-letter"),
        agent_id=_required(fields, "agent_id", "dead-letter"),
        error=_required(fields, "error", "dead-letter"),
        deliveries=_int(fields, "deliveries") or 0,
        worker=fields.get("worker", ""),
        failed_at=_int(fields, "failed_at") or 0,
        fields=original,
    )
