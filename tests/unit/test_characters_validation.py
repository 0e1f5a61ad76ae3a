"""validate_character and validate_source: every problem, with its elizaOS JSON path."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from swarm.characters import Character, ValidationResult, validate_character, validate_source


def _valid() -> dict[str, Any]:
    return {
        "name": "Eliza",
        "bio": "Helps.",
        "messageExamples": [
            [
                {"name": "{{name1}}", "content": {"text": "hi"}},
                {"name": "Eliza", "content": {"text": "hello"}},
            ]
        ],
    }


def _errors(data: object) -> list[str]:
    result = validate_character(data)
    assert not result.valid
    return result.errors


def test_valid_character_has_no_errors_or_warnings() -> None:
    """A complete v1 character is valid, with nothing to report."""
    assert validate_character(_valid()) == ValidationResult(valid=True, errors=[], warnings=[])


def test_missing_name_is_an_error() -> None:
    """A character without a name fails with 'name: is required'."""
    data = _valid()
    del data["name"]
    assert _errors(data) == ["name: is required"]


def test_blank_name_is_an_error() -> None:
    """A whitespace-only name fails at name."""
    assert _errors(_valid() | {"name": "  "}) == [
        "name: must not be empty; give the character a name"
    ]


@pytest.mark.parametrize("bio", ["", "   ", [], ["", " "]])
def test_empty_bio_is_an_error(bio: object) -> None:
    """An empty bio, as a string or a list, fails at bio."""
    assert _errors(_valid() | {"bio": bio}) == [
        "bio: must not be empty; describe the character in a sentence or a list"
    ]


def test_missing_bio_is_an_error() -> None:
    """A character without a bio fails with 'bio: is required'."""
    data = _valid()
    del data["bio"]
    assert _errors(data) == ["bio: is required"]


def test_bio_of_wrong_type_names_both_accepted_forms() -> None:
    """A numeric bio fails with a message naming string and list of strings."""
    assert _errors(_valid() | {"bio": 5}) == ["bio: must be a string or a list of strings"]


def test_bio_list_entry_of_wrong_type_names_its_index() -> None:
    """A non-string bio entry fails at bio[index]."""
    assert _errors(_valid() | {"bio": ["ok", 3]}) == ["bio[1]: must be a string, got number"]


def test_example_text_of_wrong_type_names_the_full_path() -> None:
    """A numeric example text fails at messageExamples[0][1].content.text."""
    data = _valid()
    data["messageExamples"][0][1]["content"]["text"] = 42
    assert _errors(data) == ["messageExamples[0][1].content.text: must be a string, got number"]


def test_example_without_speaker_name_names_the_message() -> None:
    """An example message without name fails at messageExamples[0][0].name."""
    data = _valid()
    del data["messageExamples"][0][0]["name"]
    assert _errors(data) == ["messageExamples[0][0].name: is required"]


def test_example_conversation_not_a_list() -> None:
    """A conversation that is a string fails at messageExamples[1]."""
    data = _valid()
    data["messageExamples"].append("hello")
    assert _errors(data) == ["messageExamples[1]: must be a list, got string"]


def test_example_message_not_an_object() -> None:
    """A message that is a string fails at its [conversation][message] index."""
    data = _valid()
    data["messageExamples"][0].append("hi")
    assert _errors(data) == ["messageExamples[0][2]: must be an object, got string"]


def test_knowledge_item_of_wrong_type_lists_accepted_forms() -> None:
    """A numeric knowledge item fails at knowledge[i], naming the three accepted forms."""
    data = _valid() | {"knowledge": ["fact", {"path": "a.md"}, 3]}
    assert _errors(data) == ['knowledge[2]: must be a string, {"path": ...} or {"directory": ...}']


def test_knowledge_directory_shared_of_wrong_type() -> None:
    """A non-boolean shared in a directory item fails at knowledge[0].shared."""
    data = _valid() | {"knowledge": [{"directory": "docs", "shared": "maybe"}]}
    assert _errors(data) == ["knowledge[0].shared: must be true or false, got string"]


def test_knowledge_object_without_path_or_directory() -> None:
    """An object with neither path nor directory fails at knowledge[0].path."""
    assert _errors(_valid() | {"knowledge": [{"shared": True}]}) == [
        "knowledge[0].path: is required"
    ]


def test_template_key_that_is_not_an_identifier_is_quoted() -> None:
    """A bad value under a key with a space is shown as templates["my template"]."""
    assert _errors(_valid() | {"templates": {"my template": 1}}) == [
        'templates["my template"]: must be a string, got number'
    ]


def test_secret_of_wrong_type() -> None:
    """A secret that is a list fails at secrets.API_KEY."""
    assert _errors(_valid() | {"secrets": {"API_KEY": ["a"]}}) == [
        "secrets.API_KEY: must be a string, number or boolean, got list"
    ]


def test_style_entry_of_wrong_type() -> None:
    """A style section that is a string fails at style.chat."""
    assert _errors(_valid() | {"style": {"chat": "brief"}}) == [
        "style.chat: must be a list, got string"
    ]


def test_id_that_is_not_a_uuid() -> None:
    """A malformed id fails at id, saying how to fix it."""
    assert _errors(_valid() | {"id": "agent-1"}) == [
        "id: must be a UUID (8-4-4-4-12 hex digits), got 'agent-1'; "
        "remove it to derive the id from the name"
    ]


def test_document_that_is_not_an_object() -> None:
    """A bare string document fails at (root)."""
    assert _errors("Eliza") == ["(root): must be an object (one character), got string"]


def test_every_error_is_reported_at_once() -> None:
    """Several problems are all listed, each with its own path."""
    data = {"bio": "", "plugins": "x", "topics": [1]}
    assert sorted(_errors(data)) == sorted(
        [
            "name: is required",
            "bio: must not be empty; describe the character in a sentence or a list",
            "plugins: must be a list, got string",
            "topics[0]: must be a string, got number",
        ]
    )


def test_character_instance_validates() -> None:
    """A Character object is accepted and checked like its JSON."""
    assert validate_character(Character.model_validate(_valid())).valid


def test_unknown_key_is_a_warning() -> None:
    """A key elizaOS does not define is kept and reported as a warning, not an error."""
    result = validate_character(_valid() | {"mood": "sunny"})
    assert result.valid
    assert result.warnings == ["mood: not an elizaOS character field; kept as is"]


def test_ignored_plugins_are_one_warning() -> None:
    """TypeScript plugins with no swarm equivalent are listed in one warning."""
    plugins = ["@elizaos/plugin-sql", "@elizaos/plugin-discord", "@elizaos/plugin-solana"]
    result = validate_character(_valid() | {"plugins": plugins})
    assert result.valid
    assert result.warnings == [
        "plugins: no swarm equivalent for @elizaos/plugin-discord, @elizaos/plugin-solana; "
        "ignored (TypeScript plugins do not run in swarm)"
    ]


def test_conversation_without_the_character_is_a_warning() -> None:
    """An example conversation in which the character never speaks is flagged."""
    data = _valid()
    data["messageExamples"].append([{"name": "{{name1}}", "content": {"text": "anyone?"}}])
    result = validate_character(data)
    assert result.valid
    assert result.warnings == [
        "messageExamples[1]: no message from 'Eliza'; the offline model cannot learn a reply "
        "from it"
    ]


def test_legacy_fields_are_warnings() -> None:
    """A v0 lore is mapped and reported as a warning; the character stays valid."""
    result = validate_character(_valid() | {"lore": ["Was once a teapot."]})
    assert result.valid
    assert result.warnings == ["lore: merged 1 entries into bio (elizaOS v1 has no lore)"]


def test_validation_does_not_log(caplog: pytest.LogCaptureFixture) -> None:
    """validate_character reports legacy mappings in its result, not in the log."""
    with caplog.at_level(logging.DEBUG, logger="swarm.characters"):
        result = validate_character(_valid() | {"lore": ["x"], "modelProvider": "openai"})
    assert len(result.warnings) == 2
    assert caplog.records == []


@pytest.mark.anyio
async def test_validate_source_prefixes_list_paths_with_the_index(tmp_path: Path) -> None:
    """In a file holding a list, each error path starts with the character's index."""
    path = tmp_path / "team.json"
    path.write_text(json.dumps([_valid(), {"name": "B", "bio": ""}, _valid() | {"topics": [7]}]))
    result = await validate_source(path)
    assert not result.valid
    assert result.errors == [
        "[1].bio: must not be empty; describe the character in a sentence or a list",
        "[2].topics[0]: must be a string, got number",
    ]


@pytest.mark.anyio
async def test_validate_source_prefixes_list_warnings_too(tmp_path: Path) -> None:
    """Warnings in a list file carry the index as well."""
    path = tmp_path / "team.json"
    path.write_text(json.dumps([_valid(), _valid() | {"lore": ["x"], "extra": 1}]))
    result = await validate_source(path)
    assert result.valid
    assert result.warnings == [
        "[1].lore: merged 1 entries into bio (elizaOS v1 has no lore)",
        "[1].extra: not an elizaOS character field; kept as is",
    ]


@pytest.mark.anyio
async def test_validate_source_reports_malformed_json_with_position(tmp_path: Path) -> None:
    """A syntax error is one error naming the file, line and column; nothing is raised."""
    path = tmp_path / "broken.json"
    path.write_text('{\n  "name": "X",\n  "bio": oops\n}\n')
    result = await validate_source(path)
    assert not result.valid
    assert len(result.errors) == 1
    assert result.errors[0].startswith(f"{path}:3:10: malformed JSON")


@pytest.mark.anyio
async def test_validate_source_reports_empty_list(tmp_path: Path) -> None:
    """A file holding an empty list is invalid."""
    path = tmp_path / "none.json"
    path.write_text("[]")
    result = await validate_source(path)
    assert result == ValidationResult(valid=False, errors=["(root): empty list; add a character"])
