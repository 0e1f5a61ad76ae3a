"""Every file of the elizaOS compatibility corpus loads unchanged.

The files in tests/fixtures/characters/compat/ are real elizaOS characters (MIT), copied
from /work/shared/compat/characters/v1 so the repository is self-contained.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from swarm.characters import Character, load_characters, validate_source
from swarm.ids import string_to_uuid

COMPAT = Path(__file__).parents[1] / "fixtures" / "characters" / "compat"

# file -> the names of the characters it holds
CORPUS = {
    "ada.json": ["Ada"],
    "base-airdrop-hunter.json": ["AirdropHunter"],
    "eliza-deepseek.character.json": ["Eliza"],
    "eliza-ollama.character.json": ["Eliza"],
    "eliza-qwen.character.json": ["Eliza"],
    "max.json": ["Max"],
    "multi-chars.json": ["Ada", "Max", "Shaw"],
    "shaw.json": ["Shaw"],
    "test-character.json": ["TestAgent"],
}
# Files using v0 keys; everything else is pure v1 and must round-trip exactly.
LEGACY_KEYS = {
    "eliza-deepseek.character.json": {"clients"},
    "eliza-qwen.character.json": {"clients"},
    "test-character.json": {"modelProvider"},
}


def _raw(file: str) -> list[dict[str, Any]]:
    data = json.loads((COMPAT / file).read_text(encoding="utf-8"))
    return data if isinstance(data, list) else [data]


def _with_defaults(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` plus the collections elizaOS lets a file leave out, empty."""
    defaults: dict[str, Any] = {
        "templates": {},
        "messageExamples": [],
        "postExamples": [],
        "topics": [],
        "adjectives": [],
        "knowledge": [],
        "plugins": [],
        "settings": {},
        "secrets": {},
    }
    style = {"all": [], "chat": [], "post": [], **raw.get("style", {})}
    return {**defaults, **raw, "style": style}


def test_corpus_list_is_complete() -> None:
    """The parametrised list names every file in the corpus directory."""
    assert sorted(p.name for p in COMPAT.glob("*.json")) == sorted(CORPUS)


@pytest.mark.anyio
@pytest.mark.parametrize("file", sorted(CORPUS))
async def test_compat_file_loads(file: str) -> None:
    """The file loads unchanged into its characters, named as written, ids from the names."""
    characters = await load_characters(COMPAT / file)
    assert [c.name for c in characters] == CORPUS[file]
    assert [c.id for c in characters] == [string_to_uuid(n) for n in CORPUS[file]]


@pytest.mark.anyio
@pytest.mark.parametrize("file", sorted(CORPUS))
async def test_compat_file_validates_without_errors(file: str) -> None:
    """swarm validate would accept the file: no errors."""
    result = await validate_source(COMPAT / file)
    assert (result.valid, result.errors) == (True, [])


@pytest.mark.parametrize("file", sorted(set(CORPUS) - set(LEGACY_KEYS)))
def test_v1_file_round_trips_exactly(file: str) -> None:
    """Dumping by alias, unset fields excluded, gives back exactly the file's JSON."""
    for raw in _raw(file):
        character = Character.model_validate(raw)
        assert character.model_dump(by_alias=True, exclude_unset=True) == raw


@pytest.mark.parametrize("file", sorted(set(CORPUS) - set(LEGACY_KEYS)))
def test_v1_file_round_trips_modulo_defaults(file: str) -> None:
    """A full dump by alias is the file's JSON with the omitted collections filled empty."""
    for raw in _raw(file):
        assert Character.model_validate(raw).model_dump(by_alias=True) == _with_defaults(raw)


@pytest.mark.parametrize("file", ["eliza-deepseek.character.json", "eliza-qwen.character.json"])
def test_empty_clients_list_is_the_only_change(file: str) -> None:
    """A v1 file carrying `clients: []` round-trips without that key and nothing else."""
    (raw,) = _raw(file)
    expected = {k: v for k, v in raw.items() if k != "clients"}
    assert Character.model_validate(raw).model_dump(by_alias=True, exclude_unset=True) == expected


def test_test_character_model_provider_is_normalised() -> None:
    """test-character.json's v0 modelProvider moves into settings and adds plugin-openai."""
    (raw,) = _raw("test-character.json")
    dumped = Character.model_validate(raw).model_dump(by_alias=True, exclude_unset=True)
    assert dumped == {
        "name": "TestAgent",
        "description": "A test agent for CLI testing",
        "settings": {"voice": {"model": "en_US-male-medium"}, "modelProvider": "openai"},
        "plugins": ["@elizaos/plugin-openai"],
        "bio": ["Test agent for automated testing"],
        "style": {"all": ["concise", "technical"]},
    }


def test_multi_chars_entries_equal_the_single_files() -> None:
    """Each character of multi-chars.json equals the one in its own file."""
    multi = [Character.model_validate(raw) for raw in _raw("multi-chars.json")]
    singles = [Character.model_validate(_raw(f)[0]) for f in ("ada.json", "max.json", "shaw.json")]
    assert multi == singles
