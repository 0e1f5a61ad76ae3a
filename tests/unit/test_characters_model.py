"""The Character model: elizaOS JSON keys both ways, extra keys kept, defaults, helpers."""

from __future__ import annotations

import json
from typing import Any

import swarm.characters
from swarm.characters import (
    Character,
    ExampleContent,
    KnowledgeDirectory,
    KnowledgeFile,
    MessageExample,
)


def _eliza_json() -> dict[str, Any]:
    return {
        "name": "Eliza",
        "bio": ["Helps people.", "Likes tea."],
        "system": "Be kind.",
        "messageExamples": [
            [
                {"name": "{{name1}}", "content": {"text": "hi"}},
                {"name": "Eliza", "content": {"text": "Hello!", "actions": ["REPLY"]}},
            ]
        ],
        "postExamples": ["A post."],
        "style": {"all": ["kind"], "chat": ["brief"], "post": []},
    }


def test_camel_case_keys_populate_snake_case_attributes() -> None:
    """elizaOS's camelCase keys fill the snake_case attributes."""
    character = Character.model_validate(_eliza_json())
    assert character.post_examples == ["A post."]
    assert character.message_examples[0][1].content.actions == ["REPLY"]


def test_snake_case_names_are_accepted_too() -> None:
    """The same character written with snake_case keys validates to an equal model."""
    snake = _eliza_json()
    snake["message_examples"] = snake.pop("messageExamples")
    snake["post_examples"] = snake.pop("postExamples")
    assert Character.model_validate(snake) == Character.model_validate(_eliza_json())


def test_dump_by_alias_writes_camel_case_keys() -> None:
    """model_dump(by_alias=True) writes messageExamples/postExamples, not snake_case."""
    data = Character.model_validate(_eliza_json()).model_dump(by_alias=True)
    assert "messageExamples" in data
    assert "postExamples" in data
    assert "message_examples" not in data


def test_dump_without_alias_writes_snake_case_keys() -> None:
    """The default model_dump() is Python-facing: snake_case keys."""
    data = Character.model_validate(_eliza_json()).model_dump()
    assert "message_examples" in data
    assert "messageExamples" not in data


def test_unset_optional_scalars_are_omitted_not_null() -> None:
    """id, username and system are left out when unset (elizaOS rejects null there)."""
    data = Character(name="A", bio="b").model_dump(by_alias=True)
    assert "id" not in data
    assert "username" not in data
    assert "system" not in data
    assert None not in data.values()


def test_unset_optional_content_keys_are_omitted() -> None:
    """An example's content dumps only the keys it has: no null thought/actions/providers."""
    content = ExampleContent(text="hi")
    assert content.model_dump(by_alias=True) == {"text": "hi"}


def test_full_dump_lists_every_collection_with_its_default() -> None:
    """A minimal character dumps every list and map field, empty, and a full style."""
    data = Character(name="A", bio="b").model_dump(by_alias=True)
    assert data == {
        "name": "A",
        "bio": "b",
        "templates": {},
        "messageExamples": [],
        "postExamples": [],
        "topics": [],
        "adjectives": [],
        "knowledge": [],
        "plugins": [],
        "settings": {},
        "secrets": {},
        "style": {"all": [], "chat": [], "post": []},
    }


def test_unknown_top_level_keys_are_kept_and_dumped() -> None:
    """Keys elizaOS does not define stay in model_extra and come back out on dump."""
    character = Character.model_validate({"name": "A", "bio": "b", "description": "d", "n": 3})
    assert character.model_extra == {"description": "d", "n": 3}
    assert character.model_dump(by_alias=True)["description"] == "d"


def test_unknown_content_keys_are_kept() -> None:
    """Extra content keys of an example (source, url...) survive a round trip."""
    raw = {"name": "u", "content": {"text": "x", "source": "discord", "url": "http://e"}}
    example = MessageExample.model_validate(raw)
    assert example.model_dump(by_alias=True) == raw


def test_json_round_trip_preserves_everything() -> None:
    """model_dump_json(by_alias=True) parsed back gives an equal character."""
    character = Character.model_validate(_eliza_json() | {"extraKey": [1, 2]})
    again = Character.model_validate(json.loads(character.model_dump_json(by_alias=True)))
    assert again == character


def test_knowledge_items_are_facts_files_or_directories() -> None:
    """Strings stay facts; {path} is a KnowledgeFile; {directory} a KnowledgeDirectory."""
    character = Character.model_validate(
        {
            "name": "A",
            "bio": "b",
            "knowledge": [
                "The sky is blue.",
                {"path": "docs/a.md", "shared": True},
                {"directory": "docs/", "shared": False},
            ],
        }
    )
    assert character.knowledge == [
        "The sky is blue.",
        KnowledgeFile(path="docs/a.md", shared=True),
        KnowledgeDirectory(directory="docs/", shared=False),
    ]


def test_knowledge_dump_omits_unset_shared() -> None:
    """A {path} knowledge item without shared dumps without a shared key."""
    character = Character.model_validate({"name": "A", "bio": "b", "knowledge": [{"path": "x"}]})
    assert character.model_dump(by_alias=True)["knowledge"] == [{"path": "x"}]


def test_bio_lines_from_string_splits_lines() -> None:
    """bio_lines gives a string bio's non-empty lines."""
    character = Character(name="A", bio="First.\n\nSecond.")
    assert character.bio_lines == ["First.", "Second."]


def test_bio_lines_from_list_drops_blank_entries() -> None:
    """bio_lines gives a list bio's non-blank entries, in order."""
    character = Character(name="A", bio=["One.", " ", "Two."])
    assert character.bio_lines == ["One.", "Two."]


def test_setting_prefers_secrets_then_settings_then_nested_secrets() -> None:
    """setting(key) looks in secrets, then settings, then settings.secrets, like elizaOS."""
    character = Character.model_validate(
        {
            "name": "A",
            "bio": "b",
            "secrets": {"K1": "top-secret"},
            "settings": {"K1": "setting", "K2": "setting", "secrets": {"K2": "x", "K3": "nested"}},
        }
    )
    assert character.setting("K1") == "top-secret"
    assert character.setting("K2") == "setting"
    assert character.setting("K3") == "nested"
    assert character.setting("K4", "fallback") == "fallback"


def test_public_surface_is_curated() -> None:
    """swarm.characters exports exactly its documented names, each one defined."""
    assert set(swarm.characters.__all__) == {
        "DEFAULT_MAX_BYTES",
        "DEFAULT_TIMEOUT_S",
        "Agent",
        "AgentStatus",
        "Character",
        "ExampleContent",
        "KnowledgeDirectory",
        "KnowledgeFile",
        "KnowledgeItem",
        "MessageExample",
        "PluginNames",
        "Style",
        "SwarmPlugin",
        "ValidationResult",
        "create_agent",
        "load_character",
        "load_characters",
        "prepare_character",
        "resolve_plugin_names",
        "validate_character",
        "validate_source",
    }
    for name in swarm.characters.__all__:
        assert getattr(swarm.characters, name) is not None
