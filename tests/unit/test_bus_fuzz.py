"""Property-based fuzzing of the inbox decoder: any entry decodes or is a ProtocolError."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from swarm.bus import decode_message, encode_message
from swarm.errors import ProtocolError
from swarm.types import Content

AGENT = str(uuid.uuid4())
FIELD_NAMES = st.sampled_from(
    ["text", "content", "metadata", "id", "room", "reply_to", "sender", "partials", "sent_at"]
) | st.binary(max_size=12)
FIELD_VALUES = st.binary(max_size=64) | st.text(max_size=64).map(str.encode)
ENTRIES = st.dictionaries(
    FIELD_NAMES.map(lambda k: k if isinstance(k, bytes) else k.encode()), FIELD_VALUES, max_size=9
)


@settings(max_examples=300, deadline=None)
@given(ENTRIES)
def test_any_entry_decodes_or_raises_protocol_error(raw: dict[bytes, bytes]) -> None:
    """Arbitrary field names and bytes never raise anything but ProtocolError."""
    try:
        message = decode_message(raw, agent_id=AGENT, entry_id="1-0")
    except ProtocolError as exc:
        error = str(exc)
        assert "field" in error or "needs" in error  # it says which field is wrong
        return
    assert message.agent_id == AGENT


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(max_size=200),
    room=st.text(min_size=1, max_size=40),
    sender=st.text(min_size=1, max_size=40),
    data=st.dictionaries(st.text(max_size=10), st.integers() | st.text(max_size=10), max_size=3),
)
def test_encoded_messages_round_trip(
    text: str, room: str, sender: str, data: dict[str, int | str]
) -> None:
    """What encode_message writes, decode_message reads back with the same text and content."""
    fields = encode_message(
        text=text, room=room, sender=sender, content=Content(text=text, data=data)
    )
    raw = {k.encode(): v.encode("utf-8", "surrogatepass") for k, v in fields.items()}
    try:
        message = decode_message(raw, agent_id=AGENT, entry_id="1-0")
    except ProtocolError:
        # Only text a UTF-8 stream cannot carry (lone surrogates) may be refused.
        assert any("\ud800" <= c <= "\udfff" for c in text + room + sender + str(data))
    else:
        assert message.content.text == text
        assert message.content.data == data
        assert message.room == room
