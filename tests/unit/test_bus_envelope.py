"""Wire envelopes: decoding inbox entries, replies and dead letters; key layout."""

from __future__ import annotations

import msgspec
import pytest

from swarm.bus import (
    DeadLetter,
    Reply,
    decode_dead_letter,
    decode_message,
    decode_reply,
    encode_dead_letter,
    encode_message,
    encode_reply,
    keys,
)
from swarm.errors import ProtocolError
from swarm.ids import derived_id, string_to_uuid
from swarm.types import Content

AGENT = string_to_uuid("ada")


def test_minimal_hand_written_entry_decodes_with_defaults() -> None:
    """`text hello` alone is a message: default room and sender, id derived from the entry."""
    message = decode_message({b"text": b"hello"}, agent_id=AGENT, entry_id="1-0")
    assert message.content.text == "hello"
    assert message.room_id == string_to_uuid("default")
    assert message.entity_id == string_to_uuid("user")
    assert message.id == derived_id("entry", AGENT, "1-0")
    assert (message.reply_to, message.partials, message.deliveries) == (None, False, 1)


def test_a_message_tells_whether_its_id_came_from_the_sender() -> None:
    """An `id` field marks the message id as the sender's; a derived id is not."""
    derived = decode_message({"text": "x"}, agent_id=AGENT, entry_id="1-0")
    given = decode_message({"text": "x", "id": AGENT}, agent_id=AGENT, entry_id="1-0")
    assert (derived.id_from_sender, given.id_from_sender) == (False, True)
    assert given.id == AGENT


def test_room_names_map_to_uuids_and_uuids_pass_through() -> None:
    """A room name becomes string_to_uuid(name); a UUID room is kept as is."""
    named = decode_message({"text": "x", "room": "r1"}, agent_id=AGENT, entry_id="1-0")
    as_id = decode_message({"text": "x", "room": AGENT}, agent_id=AGENT, entry_id="1-0")
    assert (named.room_id, as_id.room_id) == (string_to_uuid("r1"), AGENT)


def test_encoded_message_round_trips() -> None:
    """encode_message's fields decode back to the same message."""
    fields = encode_message(
        text="hi",
        message_id="0b5c3f9e-1111-4a2b-8c3d-123456789abc",
        room="r",
        reply_to="replies",
        sender="bob",
        content=Content(text="ignored", actions=["REPLY"]),
        metadata={"hops": 2},
        partials=True,
        sent_at=123,
    )
    message = decode_message(fields, agent_id=AGENT, entry_id="5-1", deliveries=2)
    assert message.content == Content(text="hi", actions=["REPLY"])
    assert (message.id, message.reply_to, message.partials) == (
        "0b5c3f9e-1111-4a2b-8c3d-123456789abc",
        "replies",
        True,
    )
    assert (message.metadata, message.sent_at, message.deliveries) == ({"hops": 2}, 123, 2)
    assert message.entity_id == string_to_uuid("bob")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({b"room": b"r"}, "'text'"),
        ({b"text": b"x", b"content": b"{oops"}, "'content'"),
        ({b"text": b"x", b"metadata": b"[1]"}, "'metadata'"),
        ({b"text": b"x", b"id": b"not-a-uuid"}, "'id'"),
        ({b"text": b"\xff\xfe"}, "'text'"),
        ({b"text": b"x", b"partials": b"maybe"}, "'partials'"),
        ({b"text": b"x", b"sent_at": b"soon"}, "'sent_at'"),
    ],
)
def test_bad_entries_raise_protocol_error_naming_the_field(
    fields: dict[bytes, bytes], field: str
) -> None:
    """Each malformed field is reported by name, as a ProtocolError."""
    with pytest.raises(ProtocolError, match=field):
        decode_message(fields, agent_id=AGENT, entry_id="1-0")


def test_reply_round_trips_through_flat_fields() -> None:
    """encode_reply writes flat strings that decode_reply reads back unchanged."""
    reply = Reply(
        kind="reply",
        message_id="m",
        agent_id=AGENT,
        room_id="r",
        content=Content(text="hey", actions=["REPLY"]),
        seq=2,
        replayed=True,
        model="offline",
    )
    fields = encode_reply(reply)
    assert all(isinstance(v, str) for v in fields.values())
    assert fields["text"] == "hey"
    assert decode_reply({k.encode(): v.encode() for k, v in fields.items()}) == reply


def test_reply_missing_its_type_is_a_protocol_error() -> None:
    """A reply entry without `type` names the missing field."""
    with pytest.raises(ProtocolError, match="'type'"):
        decode_reply({b"message_id": b"m"})


def test_dead_letter_round_trips() -> None:
    """A dead letter keeps the original fields, the error and the delivery count."""
    letter = DeadLetter(
        inbox="i",
        entry_id="1-0",
        agent_id=AGENT,
        error="undecodable: field 'content'",
        deliveries=1,
        worker="w",
        failed_at=5,
        fields={"content": "{oops"},
    )
    assert decode_dead_letter(encode_dead_letter(letter)) == letter


def test_every_agent_key_carries_the_agent_hash_tag() -> None:
    """Inbox, dead letters, errors and reply streams of one agent share `{agent_id}`."""
    tag = "{" + AGENT + "}"
    for key in (
        keys.inbox(AGENT),
        keys.dead_letters(AGENT),
        keys.errors(AGENT),
        keys.reply_stream(AGENT, "t"),
    ):
        assert key.startswith(f"swarm:{tag}:")
    assert len({keys.inbox(AGENT), keys.dead_letters(AGENT), keys.errors(AGENT)}) == 3


def test_agent_ids_with_braces_are_refused() -> None:
    """An id that would break the hash tag is rejected with a ValueError."""
    with pytest.raises(ValueError, match="use a UUID"):
        keys.inbox("a}b")


def test_message_struct_is_msgspec_encodable() -> None:
    """Decoded messages serialise with msgspec (workers may log or forward them)."""
    message = decode_message({b"text": b"x"}, agent_id=AGENT, entry_id="1-0")
    assert msgspec.json.decode(msgspec.json.encode(message))["content"] == {"text": "x"}


def test_lost_groups_are_recognised_plain_and_inside_a_pipeline() -> None:
    """NOGROUP and UNBLOCKED mean "recreate the group", also when redis-py wraps them."""
    from redis.exceptions import ResponseError

    from swarm.bus import is_nogroup

    assert is_nogroup(ResponseError("NOGROUP No such key 'x' or consumer group 'g'"))
    wrapped = "Command # 1 (XREADGROUP GROUP g c) of pipeline caused error: UNBLOCKED the stream"
    assert is_nogroup(ResponseError(wrapped))
    assert not is_nogroup(ResponseError("WRONGTYPE Operation against a key"))
    assert not is_nogroup(ConnectionError("NOGROUP"))
