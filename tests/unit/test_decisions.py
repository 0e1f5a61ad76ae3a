"""Reading model answers: XML, JSON, plain text, should-respond, action names."""

from __future__ import annotations

import pytest

from swarm.runtime.decisions import match_action, parse_response, parse_should_respond


def test_xml_response_fields_are_read() -> None:
    """An elizaOS XML answer yields its thought, actions (comma separated) and text."""
    parsed = parse_response(
        "<response><thought>greet them</thought><actions>REPLY, SEND_EMAIL</actions>"
        "<providers>TIME</providers><text>Hello there</text></response>"
    )
    assert (parsed.thought, parsed.actions, parsed.providers, parsed.text) == (
        "greet them",
        ["REPLY", "SEND_EMAIL"],
        ["TIME"],
        "Hello there",
    )
    assert parsed.structured


def test_xml_entities_and_inline_markup_survive() -> None:
    """Entities are unescaped and inline tags inside <text> are kept, not cut."""
    parsed = parse_response("<response><text>a <b>bold</b> &amp; brave</text></response>")
    assert parsed.text == "a <b>bold</b> & brave"


def test_truncated_xml_keeps_what_was_generated() -> None:
    """A generation cut off before its closing tags still gives the action and the text."""
    parsed = parse_response("<response><actions>REPLY</actions><text>cut off mid")
    assert parsed.actions == ["REPLY"]
    assert parsed.text == "cut off mid"


def test_xml_with_prose_around_it() -> None:
    """Prose before and after the XML block is ignored."""
    parsed = parse_response("Sure! <response><text>hi</text></response> Hope that helps.")
    assert parsed.text == "hi"


def test_json_in_a_markdown_fence() -> None:
    """A JSON answer inside a ```json fence is read, actions as a list."""
    parsed = parse_response('```json\n{"thought": "t", "actions": ["REPLY"], "text": "yo"}\n```')
    assert (parsed.thought, parsed.actions, parsed.text) == ("t", ["REPLY"], "yo")


def test_json_single_action_key_and_extra_fields() -> None:
    """A JSON answer with a singular "action" string is accepted; unknown keys land in extra."""
    parsed = parse_response('{"action": "IGNORE", "text": "", "mood": "calm"}')
    assert parsed.actions == ["IGNORE"]
    assert parsed.extra == {"mood": "calm"}


def test_plain_text_is_the_reply() -> None:
    """An answer with no structure is taken whole as the reply text, marked unstructured."""
    parsed = parse_response("  just a sentence  ")
    assert parsed.text == "just a sentence"
    assert parsed.actions == []
    assert not parsed.structured


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<response><action>RESPOND</action></response>", "RESPOND"),
        ("<response><reasoning>busy</reasoning><action>ignore</action></response>", "IGNORE"),
        ('{"action": "STOP"}', "STOP"),
        ("I think we should RESPOND here", "RESPOND"),
        ("no idea", None),
    ],
)
def test_should_respond_answers(raw: str, expected: str | None) -> None:
    """Should-respond answers map to RESPOND/IGNORE/STOP, or None when unreadable."""
    assert parse_should_respond(raw) == expected


ACTIONS = {"SEND_MESSAGE": ["MESSAGE", "DM"], "REPLY": ["RESPOND"], "FOLLOW_ROOM": []}


@pytest.mark.parametrize(
    ("named", "expected"),
    [
        ("SEND_MESSAGE", "SEND_MESSAGE"),
        ("send message", "SEND_MESSAGE"),
        ("follow-room", "FOLLOW_ROOM"),
        ("dm", "SEND_MESSAGE"),
        ("Respond", "REPLY"),
        ("DANCE", None),
    ],
)
def test_action_names_match_exactly_then_case_insensitively_then_by_simile(
    named: str, expected: str | None
) -> None:
    """Action names resolve by exact name, then case/separator-insensitive name, then simile."""
    assert match_action(named, ACTIONS) == expected


def test_exact_name_wins_over_a_simile_of_another_action() -> None:
    """When a name is both an action and another action's simile, the action itself wins."""
    assert match_action("B", {"A": ["B"], "B": []}) == "B"
