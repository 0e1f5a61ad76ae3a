"""The example characters in examples/characters/: valid, clean and useful in the first minute.

The offline model answers by picking the example reply whose prompt is most similar to the
message, so the examples must cover what a newcomer types first.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from swarm.characters import Character, load_character, validate_source

EXAMPLES = Path(__file__).parents[2] / "examples" / "characters"
NAMES = {"eliza.json": "Eliza", "scout.json": "Scout", "quill.json": "Quill"}


def _prompts(character: Character) -> list[str]:
    """Every user message of the examples, lower-cased, without punctuation."""
    return [
        re.sub(r"[^\w\s']", "", (message.content.text or "").lower()).strip()
        for conversation in character.message_examples
        for message in conversation
        if message.name != character.name
    ]


@pytest.fixture(params=sorted(NAMES))
async def example(request: pytest.FixtureRequest) -> Character:
    return await load_character(EXAMPLES / request.param)


def test_examples_directory_holds_the_three_characters() -> None:
    """examples/characters/ holds exactly eliza.json, scout.json and quill.json."""
    assert sorted(p.name for p in EXAMPLES.glob("*.json")) == sorted(NAMES)


@pytest.mark.anyio
@pytest.mark.parametrize("file", sorted(NAMES))
async def test_example_validates_with_no_errors_or_warnings(file: str) -> None:
    """Each example is valid and clean: no warnings either."""
    result = await validate_source(EXAMPLES / file)
    assert (result.valid, result.errors, result.warnings) == (True, [], [])


@pytest.mark.anyio
@pytest.mark.parametrize(("file", "name"), sorted(NAMES.items()))
async def test_example_name(file: str, name: str) -> None:
    """Each file holds the character it is named after."""
    assert (await load_character(EXAMPLES / file)).name == name


@pytest.mark.anyio
async def test_example_has_every_descriptive_field(example: Character) -> None:
    """bio, system, topics, adjectives and every style section are filled in."""
    assert example.bio_lines
    assert example.system
    assert example.topics
    assert example.adjectives
    assert example.style.all
    assert example.style.chat
    assert example.style.post


@pytest.mark.anyio
async def test_example_has_at_least_eight_conversations(example: Character) -> None:
    """Each example character has at least 8 example conversations."""
    assert len(example.message_examples) >= 8


@pytest.mark.anyio
async def test_every_conversation_has_a_reply_from_the_character(example: Character) -> None:
    """In each conversation the character answers a user, so every one teaches a reply."""
    for conversation in example.message_examples:
        speakers = [message.name for message in conversation]
        assert speakers[0] == "{{name1}}"
        assert example.name in speakers[1:]


@pytest.mark.anyio
@pytest.mark.parametrize("greeting", ["hello", "hi"])
async def test_example_answers_plain_greetings(example: Character, greeting: str) -> None:
    """A bare "hello" and "hi" are each an example prompt."""
    assert greeting in _prompts(example)


@pytest.mark.anyio
async def test_example_covers_thanks_help_and_identity(example: Character) -> None:
    """Thanks, a help request, "who are you" and "what can you do" are all covered."""
    prompts = _prompts(example)
    assert any(p.startswith("thank") for p in prompts)
    assert any("help" in p for p in prompts)
    assert "who are you" in prompts
    assert any(p.startswith("what can you") for p in prompts)


@pytest.mark.anyio
async def test_example_ids_are_distinct() -> None:
    """The three examples get three different agent ids."""
    ids = {(await load_character(EXAMPLES / file)).id for file in NAMES}
    assert len(ids) == len(NAMES)
