"""The offline model: replies from a character's examples, action choice, objects, wiring."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace
from typing import Any

import pytest

from swarm.models import (
    OFFLINE_PRIORITY,
    ModelType,
    OfflineModel,
    model_info,
    offline_model_handlers,
)

pytestmark = pytest.mark.anyio


def turn(name: str, text: str, actions: list[str] | None = None) -> SimpleNamespace:
    return SimpleNamespace(name=name, content=SimpleNamespace(text=text, actions=actions))


def character(**overrides: Any) -> SimpleNamespace:
    """A stand-in with the attribute names of swarm.characters.Character."""
    fields: dict[str, Any] = {
        "name": "Ada",
        "bio": ["Ada is a patient tutor of mathematics.", "She loves prime numbers."],
        "system": None,
        "message_examples": [
            [
                turn("{{user1}}", "What's the weather like today?"),
                turn("Ada", "No idea, {{user1}}, I only look at numbers."),
            ],
            [
                turn("{{user1}}", "Can you recommend a good book?"),
                turn("Ada", "Try 'Proofs from THE BOOK', {{user}}."),
            ],
            [
                turn("{{user1}}", "hello there"),
                turn("Ada", "Hi {{user}}, I'm {{agentName}}."),
            ],
            [
                turn("{{user1}}", "go away, stop talking"),
                turn("Ada", "", ["IGNORE"]),
            ],
        ],
    }
    fields.update(overrides)
    return SimpleNamespace(**fields)


ACTIONS: list[dict[str, Any]] = [
    {
        "name": "REPLY",
        "description": "Replies to the current conversation with the text from the generated "
        "message. Default if the agent is responding with a message and no other action.",
        "similes": ["GREET", "REPLY_TO_MESSAGE", "RESPOND"],
        "examples": [],
    },
    {
        "name": "IGNORE",
        "description": "Call this action if ignoring the user. If the user is aggressive or is "
        "finished with the conversation, use this action.",
        "similes": ["STOP_TALKING", "STOP_CONVERSATION"],
        "examples": [
            [
                {"name": "{{name1}}", "content": {"text": "bye"}},
                {"name": "{{name2}}", "content": {"text": "", "actions": ["IGNORE"]}},
            ]
        ],
    },
    {
        "name": "SEND_TOKEN",
        "description": "Transfer tokens from the agent's wallet to another address.",
        "similes": ["TRANSFER", "SEND_CRYPTO", "PAY"],
        "examples": [
            [
                {"name": "{{name1}}", "content": {"text": "Send 1 SOL to 9jW8FPr6BSSsemWP"}},
                {
                    "name": "{{name2}}",
                    "content": {
                        "text": "Sending 1 SOL to you, {{name1}}.",
                        "actions": ["SEND_TOKEN"],
                    },
                },
            ]
        ],
    },
]


def xml_field(xml: str, tag: str) -> str:
    match = re.search(rf"<{tag}>(.*?)</{tag}>", xml, re.S)
    assert match is not None, f"no <{tag}> in {xml!r}"
    return html.unescape(match.group(1))


def test_reply_is_the_agent_turn_after_the_most_similar_user_turn() -> None:
    """A message resembling one example's user turn gets that example's agent turn."""
    reply = OfflineModel().respond(character(), {"input": "any good book to read?"})

    assert reply == "Try 'Proofs from THE BOOK', friend."


def test_reply_matching_survives_typos() -> None:
    """Character trigrams find the weather example despite "wheather" and "todya"."""
    reply = OfflineModel().respond(character(), {"input": "whats the wheather todya"})

    assert reply.startswith("No idea,")


def test_placeholders_are_filled_with_sender_and_agent_names() -> None:
    """{{user}} becomes the sender's name and {{agentName}} the character's."""
    reply = OfflineModel().respond(character(), {"input": "hello", "user_name": "Grace"})

    assert reply == "Hi Grace, I'm Ada."


def test_without_input_the_prompt_last_line_is_answered_without_its_speaker() -> None:
    """With no ``input`` the last prompt line is the message, its "Name:" prefix dropped."""
    prompt = "# Conversation\n(just now) [a1b2c] Grace: recommend me a book\n\n"

    reply = OfflineModel().respond(character(), {"prompt": prompt, "user_name": "Grace"})

    assert reply == "Try 'Proofs from THE BOOK', Grace."


def test_same_input_gives_the_same_reply_across_instances() -> None:
    """Two models, same character and input: identical replies (no randomness, no salt)."""
    params = {"input": "hello there, any book for me?", "user_name": "Bo"}

    assert OfflineModel().respond(character(), params) == OfflineModel().respond(
        character(), params
    )


def test_ties_go_to_the_first_example() -> None:
    """Two examples with the same user turn: the earlier one's reply wins, every time."""
    examples = [
        [turn("{{user1}}", "hi"), turn("Ada", "first")],
        [turn("{{user1}}", "hi"), turn("Ada", "second")],
    ]

    replies = {
        OfflineModel().respond(character(message_examples=examples), {"input": "hi"})
        for _ in range(3)
    }

    assert replies == {"first"}


def test_unmatched_message_falls_back_to_the_first_bio_line() -> None:
    """Nothing like any example: the reply is the character's first bio line."""
    reply = OfflineModel().respond(character(), {"input": "quantum chromodynamics lecture"})

    assert reply == "Ada is a patient tutor of mathematics."


def test_fallback_without_bio_or_examples_is_never_empty() -> None:
    """A character with no bio and no examples still answers, by name."""
    bare = character(bio=[], message_examples=[])

    assert OfflineModel().respond(bare, {"input": "hi", "user_name": "Bo"}) == (
        "I'm Ada. I hear you, Bo."
    )


def test_action_only_examples_are_not_used_as_text_replies() -> None:
    """An example whose agent turn is only an IGNORE action never yields an empty reply."""
    reply = OfflineModel().respond(character(), {"input": "go away, stop talking"})

    assert reply == "Ada is a patient tutor of mathematics."


def test_actions_answer_in_elizaos_xml_with_reply_by_default() -> None:
    """With actions offered, a chatty message answers REPLY in XML with the example text."""
    xml = OfflineModel().respond(
        character(), {"input": "hello there", "user_name": "Bo", "actions": ACTIONS}
    )

    assert xml.startswith("<response>")
    assert xml.endswith("</response>")
    assert xml_field(xml, "actions") == "REPLY"
    assert xml_field(xml, "text") == "Hi Bo, I'm Ada."
    assert "Offline model" in xml_field(xml, "thought")


def test_action_is_chosen_by_its_similes() -> None:
    """ "please transfer 5 tokens" matches SEND_TOKEN's simile TRANSFER and description."""
    xml = OfflineModel().respond(
        character(), {"input": "please transfer 5 tokens to bob", "actions": ACTIONS}
    )

    assert xml_field(xml, "actions") == "SEND_TOKEN"


def test_action_example_supplies_the_reply_text() -> None:
    """An action chosen through its example answers with that example's agent text."""
    xml = OfflineModel().respond(
        character(),
        {"input": "send 1 SOL to 9jW8FPr6BSSsemWP", "actions": ACTIONS, "user_name": "Bo"},
    )

    assert (xml_field(xml, "actions"), xml_field(xml, "text")) == (
        "SEND_TOKEN",
        "Sending 1 SOL to you, Bo.",
    )


def test_character_examples_with_actions_vote_for_that_action() -> None:
    """The character's own IGNORE example makes its user turn choose IGNORE."""
    xml = OfflineModel().respond(
        character(), {"input": "go away, stop talking", "actions": ACTIONS}
    )

    assert xml_field(xml, "actions") == "IGNORE"


def test_weak_action_match_stays_reply() -> None:
    """A message barely like any action (below the threshold) keeps the REPLY default."""
    xml = OfflineModel().respond(character(), {"input": "I love turtles", "actions": ACTIONS})

    assert xml_field(xml, "actions") == "REPLY"


def test_xml_text_is_escaped() -> None:
    """Markup characters in the reply are escaped so the response block stays parseable."""
    examples = [[turn("{{user1}}", "compare"), turn("Ada", "1 < 2 & 3 > 2")]]

    xml = OfflineModel().respond(
        character(message_examples=examples), {"input": "compare", "actions": ACTIONS}
    )

    assert "<text>1 &lt; 2 &amp; 3 &gt; 2</text>" in xml


def test_real_character_model_is_read_like_the_stand_in() -> None:
    """swarm.characters.Character (camelCase JSON) gives the same reply as the stand-in."""
    from swarm.characters import Character

    real = Character.model_validate(
        {
            "name": "Ada",
            "bio": "Ada is a patient tutor.",
            "messageExamples": [
                [
                    {"name": "{{name1}}", "content": {"text": "hello there"}},
                    {"name": "Ada", "content": {"text": "Hi {{name1}}!"}},
                ]
            ],
        }
    )

    assert OfflineModel().respond(real, {"input": "hello", "user_name": "Bo"}) == "Hi Bo!"


def test_index_is_built_once_per_character() -> None:
    """The second call for a character reuses its index instead of rebuilding it."""
    model = OfflineModel()
    ada = character()

    assert model.reply_book(ada) is model.reply_book(ada)
    assert model.reply_book(ada) is not model.reply_book(character())


def test_other_actions_offered_next_are_chosen_among() -> None:
    """After one list of actions, a different list is matched afresh, not the last one."""
    model = OfflineModel()
    ada = character()
    message = {"input": "please transfer 5 tokens to bob"}
    wave = {"name": "WAVE", "description": "Wave a hand.", "similes": [], "examples": []}
    without_send = [wave if a["name"] == "SEND_TOKEN" else a for a in ACTIONS]

    first = model.respond(ada, {**message, "actions": ACTIONS})
    second = model.respond(ada, {**message, "actions": without_send})

    assert (xml_field(first, "actions"), xml_field(second, "actions")) == ("SEND_TOKEN", "REPLY")


def test_another_character_gets_its_own_replies() -> None:
    """The same model answering a second character uses that character's examples."""
    model = OfflineModel()
    model.respond(character(), {"input": "hello", "user_name": "Bo"})

    examples = [[turn("{{user1}}", "hello"), turn("Bea", "Hey.")]]
    other = character(name="Bea", message_examples=examples)

    assert model.respond(other, {"input": "hello", "user_name": "Bo"}) == "Hey."


async def test_text_handler_result_says_model_offline() -> None:
    """The TEXT_LARGE handler's text carries provider and model "offline"."""
    handler = offline_model_handlers()[ModelType.TEXT_LARGE]

    result = await handler(SimpleNamespace(character=character()), {"input": "hello"})

    assert isinstance(result, str)
    assert model_info(result) == {"provider": "offline", "model": "offline"}


async def test_text_handler_streams_the_whole_answer_as_one_fragment() -> None:
    """``on_chunk`` receives the full reply once, and the call returns the same text."""
    fragments: list[str] = []

    async def on_chunk(fragment: str) -> None:
        fragments.append(fragment)

    result = await OfflineModel().generate_text(
        SimpleNamespace(character=character()), {"input": "hello", "on_chunk": on_chunk}
    )

    assert fragments == [str(result)]


async def test_object_handler_fills_the_schema_with_empty_values() -> None:
    """OBJECT_SMALL returns the emptiest object the schema accepts: defaults, enums, zeros."""
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "count": {"type": "integer"},
            "mood": {"enum": ["calm", "angry"]},
            "tags": {"type": "array"},
            "ok": {"type": "boolean", "default": True},
        },
    }

    result = await OfflineModel().generate_object(None, {"prompt": "x", "schema": schema})

    assert result == {"name": "", "count": 0, "mood": "calm", "tags": [], "ok": True}


async def test_embedding_handler_accepts_missing_text() -> None:
    """TEXT_EMBEDDING with ``None`` (elizaOS probes the dimension so) returns a full vector."""
    vector = await OfflineModel(embedding_dimension=16).embed(None, None)

    assert len(vector) == 16


def test_register_offers_every_handler_below_real_providers() -> None:
    """register() adds each handler under "offline" at OFFLINE_PRIORITY (below 0)."""
    calls: list[tuple[ModelType, str, int]] = []

    class Registry:
        def register_model(
            self, model_type: ModelType, handler: Any, provider: str, priority: int = 0
        ) -> None:
            calls.append((model_type, provider, priority))

    OfflineModel().register(Registry())

    assert {c[0] for c in calls} == set(OfflineModel().handlers())
    assert {(c[1], c[2]) for c in calls} == {("offline", OFFLINE_PRIORITY)}
    assert OFFLINE_PRIORITY < 0
