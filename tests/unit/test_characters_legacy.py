"""Legacy (elizaOS v0) characters: lore, clients, modelProvider, "user" speakers, knowledge."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from swarm.characters import Character, KnowledgeFile
from swarm.characters.legacy import normalize_legacy

LEGACY_FILE = Path(__file__).parents[1] / "fixtures" / "characters" / "legacy-v0.json"


def _legacy() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(LEGACY_FILE.read_text())
    return data


def _minimal(**extra: Any) -> dict[str, Any]:
    return {"name": "A", "bio": "b", **extra}


def test_lore_is_appended_to_bio() -> None:
    """lore entries follow the bio, which becomes a list."""
    character = Character.model_validate(_legacy())
    assert character.bio == [
        "Keeper of the town's old records.",
        "Once catalogued a library that no longer exists",
        "Still misses card catalogues",
    ]


def test_lore_does_not_survive_as_an_extra_key() -> None:
    """After merging, no lore key remains on the character."""
    character = Character.model_validate(_legacy())
    assert "lore" not in (character.model_extra or {})
    assert "lore" not in character.model_dump(by_alias=True)


def test_lore_without_bio_becomes_the_bio() -> None:
    """A v0 character with lore but no bio gets the lore as its bio."""
    character = Character.model_validate({"name": "A", "lore": ["Born in a lighthouse."]})
    assert character.bio == ["Born in a lighthouse."]


def test_clients_become_plugins_and_direct_is_dropped() -> None:
    """clients ["discord", "direct"] become @elizaos/plugin-discord; direct is built in."""
    character = Character.model_validate(_minimal(clients=["discord", "direct"]))
    assert character.plugins == ["@elizaos/plugin-discord"]
    assert "clients" not in character.model_dump(by_alias=True)


def test_empty_clients_are_dropped_silently() -> None:
    """clients: [] (common in v1 files) is removed without a note."""
    normalised, notes = normalize_legacy(_minimal(clients=[]))
    assert normalised == _minimal()
    assert notes == []


def test_model_provider_moves_to_settings_and_adds_its_plugin() -> None:
    """modelProvider "openai" lands in settings.modelProvider and adds plugin-openai."""
    character = Character.model_validate(_minimal(modelProvider="openai", settings={"x": 1}))
    assert character.settings == {"x": 1, "modelProvider": "openai"}
    assert character.plugins == ["@elizaos/plugin-openai"]
    assert "modelProvider" not in character.model_dump(by_alias=True)


def test_model_provider_does_not_add_a_second_model_plugin() -> None:
    """With a model plugin already listed, modelProvider adds no plugin."""
    character = Character.model_validate(
        _minimal(modelProvider="openai", plugins=["@elizaos/plugin-ollama"])
    )
    assert character.plugins == ["@elizaos/plugin-ollama"]


def test_unknown_model_provider_is_kept_in_settings_only() -> None:
    """A provider without a v1 plugin is recorded in settings and adds nothing."""
    character = Character.model_validate(_minimal(modelProvider="heurist"))
    assert character.settings == {"modelProvider": "heurist"}
    assert character.plugins == []


def test_existing_settings_model_provider_wins() -> None:
    """settings.modelProvider already set is not overwritten by the top-level one."""
    character = Character.model_validate(
        _minimal(modelProvider="openai", settings={"modelProvider": "anthropic"})
    )
    assert character.settings["modelProvider"] == "anthropic"


def test_user_speakers_become_names() -> None:
    """Example messages with v0 "user" get "name" with the same value."""
    character = Character.model_validate(_legacy())
    speakers = [m.name for m in character.message_examples[0]]
    assert speakers == ["{{user1}}", "Archivist"]


def test_content_action_becomes_actions_list() -> None:
    """A v0 content "action" string becomes the "actions" list."""
    character = Character.model_validate(_legacy())
    content = character.message_examples[0][1].content
    assert content.actions == ["NONE"]
    assert "action" not in (content.model_extra or {})


def test_plain_string_knowledge_is_kept_as_facts() -> None:
    """v0 knowledge strings load as the same strings (inline facts)."""
    character = Character.model_validate(_legacy())
    assert character.knowledge == [
        "The archive opens at nine.",
        "Records older than 1900 are kept offsite.",
    ]


def test_legacy_file_plugins_come_from_clients_then_model_provider() -> None:
    """The v0 fixture's plugins are its discord client then its openai provider."""
    character = Character.model_validate(_legacy())
    assert character.plugins == ["@elizaos/plugin-discord", "@elizaos/plugin-openai"]


def test_nested_settings_secrets_are_kept() -> None:
    """v0 settings.secrets stay where they were, readable through setting()."""
    character = Character.model_validate(_legacy())
    assert character.setting("ARCHIVE_TOKEN") == "not-a-real-token"


def test_unknown_v0_keys_are_kept_as_extras() -> None:
    """v0-only keys with no v1 meaning (people) are kept, not dropped."""
    character = Character.model_validate(_legacy())
    assert character.model_extra == {"people": []}


def test_normalize_does_not_mutate_its_input() -> None:
    """normalize_legacy returns a copy; the caller's data is unchanged."""
    data = _legacy()
    before = copy.deepcopy(data)
    normalize_legacy(data)
    assert data == before


def test_normalize_is_idempotent() -> None:
    """Normalising a normalised character changes nothing and notes nothing."""
    once, _ = normalize_legacy(_legacy())
    twice, notes = normalize_legacy(once)
    assert twice == once
    assert notes == []


def test_v1_character_passes_through_unchanged() -> None:
    """A v1 character is returned equal, with no notes."""
    data = _minimal(plugins=["@elizaos/plugin-sql"], knowledge=[{"path": "a.md"}])
    assert normalize_legacy(data) == (data, [])


def test_each_mapping_is_noted() -> None:
    """The v0 fixture yields one note per legacy field mapped, each naming its field."""
    _, notes = normalize_legacy(_legacy())
    assert [note.split(":")[0] for note in notes] == [
        "lore",
        "clients",
        "modelProvider",
        "messageExamples",
        "messageExamples",
    ]


def test_mappings_are_logged_as_warnings(caplog: pytest.LogCaptureFixture) -> None:
    """Loading a v0 character logs each mapping on swarm.characters, naming the character."""
    with caplog.at_level(logging.WARNING, logger="swarm.characters"):
        Character.model_validate(_legacy())
    assert [r.name for r in caplog.records] == ["swarm.characters"] * 5
    assert all("'Archivist'" in r.getMessage() for r in caplog.records)


def test_malformed_lore_is_left_for_validation() -> None:
    """A lore that is not strings is not merged; it stays as an extra key."""
    character = Character.model_validate(_minimal(lore=[1, 2]))
    assert character.bio == "b"
    assert character.model_extra == {"lore": [1, 2]}


def test_knowledge_objects_in_v0_files_load_too() -> None:
    """{path} knowledge (late v0 and v1) is read as a file."""
    character = Character.model_validate(_minimal(knowledge=[{"path": "notes.md"}]))
    assert character.knowledge == [KnowledgeFile(path="notes.md")]
