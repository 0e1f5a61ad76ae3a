"""Loading characters from files, Python modules and the environment."""

from __future__ import annotations

import json
import logging
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from swarm.characters import Character, load_character, load_characters
from swarm.errors import CharacterError
from swarm.ids import string_to_uuid

FIXTURES = Path(__file__).parents[1] / "fixtures" / "characters"

pytestmark = pytest.mark.anyio


def _char(name: str = "Eliza", **extra: Any) -> dict[str, Any]:
    return {"name": name, "bio": f"{name} helps.", **extra}


def _write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# --- files ---------------------------------------------------------------------------------


async def test_json_file_loads_one_character(tmp_path: Path) -> None:
    """A .json file with one character loads it, as written."""
    path = _write_json(tmp_path / "eliza.json", _char(topics=["tea"]))
    character = await load_character(path)
    assert (character.name, character.topics) == ("Eliza", ["tea"])


async def test_loaded_characters_are_prepared(tmp_path: Path) -> None:
    """Loading fills the id from the name and the username, as elizaOS's loader does."""
    character = await load_character(_write_json(tmp_path / "a.json", _char("Eliza Two")))
    assert (character.id, character.username) == (string_to_uuid("Eliza Two"), "eliza_two")


async def test_string_path_is_accepted(tmp_path: Path) -> None:
    """A path given as str loads like a Path."""
    path = _write_json(tmp_path / "eliza.json", _char())
    assert (await load_character(str(path))).name == "Eliza"


async def test_yaml_file_loads() -> None:
    """A .yaml file loads with the same camelCase keys as JSON."""
    character = await load_character(FIXTURES / "wren.yaml")
    assert character.name == "Wren"
    assert character.message_examples[0][1].content.text == (
        "Water it in the morning and give it more light."
    )
    assert character.style.chat == ["cheerful"]


async def test_yml_extension_is_yaml(tmp_path: Path) -> None:
    """A .yml file is read as YAML."""
    path = tmp_path / "a.yml"
    path.write_text("name: Robin\nbio: Sings at dawn.\n")
    assert (await load_character(path)).bio == "Sings at dawn."


async def test_list_file_yields_every_character(tmp_path: Path) -> None:
    """load_characters on a file holding a list returns each character, in order."""
    path = _write_json(tmp_path / "team.json", [_char("A"), _char("B"), _char("C")])
    assert [c.name for c in await load_characters(path)] == ["A", "B", "C"]


async def test_single_character_file_is_a_list_of_one(tmp_path: Path) -> None:
    """load_characters on a one-character file returns a list of one."""
    path = _write_json(tmp_path / "a.json", _char("A"))
    assert [c.name for c in await load_characters(path)] == ["A"]


async def test_load_character_on_a_list_says_to_use_load_characters(tmp_path: Path) -> None:
    """load_character refuses a list file, naming the file, the count and the right call."""
    path = _write_json(tmp_path / "team.json", [_char("A"), _char("B")])
    with pytest.raises(CharacterError) as caught:
        await load_character(path)
    assert str(caught.value) == (
        f"{path}: holds a list of 2 characters, not one; use load_characters() to load them all"
    )


async def test_empty_list_file_is_an_error(tmp_path: Path) -> None:
    """A file holding [] is an error naming the file."""
    path = _write_json(tmp_path / "none.json", [])
    with pytest.raises(CharacterError, match=r"none\.json: holds an empty list"):
        await load_characters(path)


async def test_malformed_json_names_file_line_and_column(tmp_path: Path) -> None:
    """A JSON syntax error names the file, line and column of the problem."""
    path = tmp_path / "broken.json"
    path.write_text('{\n  "name": "X",\n  "bio": oops\n}\n')
    with pytest.raises(CharacterError) as caught:
        await load_character(path)
    assert str(caught.value).startswith(f"{path}:3:10: malformed JSON: Expecting value")
    assert "(line 3, column 10)" in str(caught.value)
    assert caught.value.source == str(path)


async def test_malformed_yaml_names_file_line_and_column(tmp_path: Path) -> None:
    """A YAML syntax error names the file, line and column of the problem."""
    path = tmp_path / "broken.yaml"
    path.write_text("name: X\nbio: [unclosed\ntopics: []\n")
    with pytest.raises(CharacterError) as caught:
        await load_character(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:3:")
    assert "malformed YAML" in message


async def test_non_utf8_file_is_an_error(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 are reported with their offset."""
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"name": "Caf\xe9", "bio": "x"}')
    with pytest.raises(CharacterError, match=r"not UTF-8 text \(bad byte at offset 13\)"):
        await load_character(path)


async def test_utf8_bom_is_tolerated(tmp_path: Path) -> None:
    """A UTF-8 byte-order mark (some editors write one) does not break parsing."""
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(_char()).encode())
    assert (await load_character(path)).name == "Eliza"


async def test_missing_file_is_named(tmp_path: Path) -> None:
    """A path that does not exist is an error naming it."""
    path = tmp_path / "nope.json"
    with pytest.raises(CharacterError, match=r"nope\.json: no such character file") as caught:
        await load_character(path)
    assert caught.value.source == str(path)


async def test_directory_is_refused(tmp_path: Path) -> None:
    """A directory is not a character file."""
    with pytest.raises(CharacterError, match="is a directory; pass one character file"):
        await load_character(tmp_path)


async def test_unsupported_extension_is_refused(tmp_path: Path) -> None:
    """An existing file with another extension is refused, naming the accepted ones."""
    path = tmp_path / "eliza.txt"
    path.write_text("{}")
    with pytest.raises(CharacterError, match=r"unsupported character file type '\.txt'"):
        await load_character(path)


async def test_invalid_character_lists_every_problem_with_its_path(tmp_path: Path) -> None:
    """An invalid file raises one error naming the file and each field path."""
    path = _write_json(tmp_path / "bad.json", {"bio": "", "topics": [1]})
    with pytest.raises(CharacterError) as caught:
        await load_character(path)
    assert caught.value.source == str(path)
    assert sorted(caught.value.errors) == sorted(
        [
            "name: is required",
            "bio: must not be empty; describe the character in a sentence or a list",
            "topics[0]: must be a string, got number",
        ]
    )
    assert str(caught.value).startswith(f"{path}: not a valid character (3 problem(s))")


async def test_invalid_entries_of_a_list_are_all_reported(tmp_path: Path) -> None:
    """Errors in several list entries are reported together, paths prefixed by index."""
    path = _write_json(tmp_path / "team.json", [_char("A"), {"name": "B"}, "C"])
    with pytest.raises(CharacterError) as caught:
        await load_characters(path)
    assert caught.value.errors == [
        "[1].bio: is required",
        "[2]: must be an object (one character), got string",
    ]


async def test_ignored_plugins_warn_once_per_character(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Each loaded character with unusable plugins logs exactly one warning listing them."""
    plugins = ["@elizaos/plugin-sql", "@elizaos/plugin-discord", "@elizaos/plugin-twitter"]
    path = _write_json(
        tmp_path / "team.json", [_char("A", plugins=plugins), _char("B", plugins=plugins[:1])]
    )
    with caplog.at_level(logging.WARNING, logger="swarm.characters"):
        await load_characters(path)
    assert [r.getMessage() for r in caplog.records] == [
        f"character 'A' from {path}: ignoring elizaOS plugins with no swarm equivalent: "
        "@elizaos/plugin-discord, @elizaos/plugin-twitter"
    ]


async def test_loaded_plugins_keep_their_written_names(tmp_path: Path) -> None:
    """plugins stay as written (elizaOS names); mapping them is the runtime's step."""
    plugins = ["@elizaos/plugin-sql", "@elizaos/plugin-discord"]
    path = _write_json(tmp_path / "a.json", _char(plugins=plugins))
    assert (await load_character(path)).plugins == plugins


# --- unknown sources -----------------------------------------------------------------------


async def test_unknown_source_error_names_it_and_the_accepted_kinds() -> None:
    """A source that is no file, URL, env or module is refused with a precise message."""
    source = f"no_such_module_{uuid.uuid4().hex}"
    with pytest.raises(CharacterError) as caught:
        await load_character(source)
    assert str(caught.value) == (
        f"unknown character source {source!r}: not 'env', an http(s) URL, an existing "
        ".json/.yaml file or an importable Python module; check the spelling or the path"
    )
    assert caught.value.source == source


async def test_unknown_source_with_spaces_is_refused() -> None:
    """Text that is neither a path nor a module name is an unknown source."""
    with pytest.raises(CharacterError, match="unknown character source 'just some words'"):
        await load_character("just some words")


async def test_other_url_schemes_are_refused() -> None:
    """Only http(s) URLs are fetched; others are refused, saying what to do."""
    with pytest.raises(CharacterError, match="only http:// and https:// URLs are supported"):
        await load_character("ftp://example.com/eliza.json")


# --- Python modules ------------------------------------------------------------------------


@pytest.fixture
def make_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], str]]:
    """Write a uniquely named module on sys.path; returns its name. Unloaded afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    names: list[str] = []

    def make(source: str) -> str:
        name = f"swarm_test_character_{uuid.uuid4().hex}"
        (tmp_path / f"{name}.py").write_text(source)
        names.append(name)
        return name

    yield make
    for name in names:
        sys.modules.pop(name, None)


async def test_module_character_attribute(make_module: Callable[[str], str]) -> None:
    """A module's `character` dict is loaded."""
    module = make_module("character = {'name': 'Modular', 'bio': 'From Python.'}\n")
    assert (await load_character(module)).name == "Modular"


async def test_module_default_attribute(make_module: Callable[[str], str]) -> None:
    """Without `character`, the module's `default` is used."""
    module = make_module("default = {'name': 'Fallback', 'bio': 'Default export.'}\n")
    assert (await load_character(module)).name == "Fallback"


async def test_module_prefers_character_over_default(make_module: Callable[[str], str]) -> None:
    """`character` wins when a module defines both."""
    module = make_module(
        "character = {'name': 'First', 'bio': 'x'}\ndefault = {'name': 'Second', 'bio': 'y'}\n"
    )
    assert (await load_character(module)).name == "First"


async def test_module_named_attribute(make_module: Callable[[str], str]) -> None:
    """module:attribute loads that attribute."""
    module = make_module("scout = {'name': 'Scout', 'bio': 'Finds things.'}\n")
    assert (await load_character(f"{module}:scout")).name == "Scout"


async def test_module_character_object(make_module: Callable[[str], str]) -> None:
    """A module may build a Character itself."""
    module = make_module(
        "from swarm.characters import Character\n"
        "character = Character(name='Built', bio='Made in code.', topics=['code'])\n"
    )
    character = await load_character(module)
    assert (character.name, character.topics, character.id) == (
        "Built",
        ["code"],
        string_to_uuid("Built"),
    )


async def test_module_list_loads_several(make_module: Callable[[str], str]) -> None:
    """A module attribute holding a list yields each character."""
    module = make_module("character = [{'name': 'A', 'bio': 'x'}, {'name': 'B', 'bio': 'y'}]\n")
    assert [c.name for c in await load_characters(module)] == ["A", "B"]


async def test_module_without_character_or_default(make_module: Callable[[str], str]) -> None:
    """A module defining neither name is an error saying what to define."""
    module = make_module("something_else = 1\n")
    with pytest.raises(CharacterError, match="defines neither 'character' nor 'default'"):
        await load_character(module)


async def test_module_missing_named_attribute(make_module: Callable[[str], str]) -> None:
    """module:attribute with no such attribute names it."""
    module = make_module("character = {'name': 'A', 'bio': 'x'}\n")
    with pytest.raises(CharacterError, match="has no attribute 'nobody'"):
        await load_character(f"{module}:nobody")


async def test_module_attribute_of_wrong_type(make_module: Callable[[str], str]) -> None:
    """A character attribute that is not a dict, list or Character is refused."""
    module = make_module("character = 42\n")
    with pytest.raises(CharacterError, match="the character is a int"):
        await load_character(module)


async def test_module_that_raises_on_import(make_module: Callable[[str], str]) -> None:
    """An exception while importing is reported with its type and message."""
    module = make_module("raise RuntimeError('boom')\n")
    with pytest.raises(CharacterError, match="importing it raised RuntimeError: boom"):
        await load_character(module)


async def test_module_with_missing_dependency(make_module: Callable[[str], str]) -> None:
    """A module that imports something absent names the missing dependency."""
    missing = f"absent_dependency_{uuid.uuid4().hex}"
    module = make_module(f"import {missing}\n")
    with pytest.raises(CharacterError, match=f"it needs module '{missing}'; install it"):
        await load_character(module)


async def test_invalid_module_character_names_the_module(
    make_module: Callable[[str], str],
) -> None:
    """An invalid character from a module is reported with the module as its source."""
    module = make_module("character = {'name': 'A'}\n")
    with pytest.raises(CharacterError) as caught:
        await load_character(module)
    assert caught.value.source == f"module {module}"
    assert caught.value.errors == ["bio: is required"]


# --- environment ---------------------------------------------------------------------------


async def test_env_source_reads_name_and_bio() -> None:
    """ "env" builds a character from SWARM_AGENT_NAME and SWARM_AGENT_BIO."""
    env = {"SWARM_AGENT_NAME": "Envoy", "SWARM_AGENT_BIO": "Lives in the environment."}
    character = await load_character("env", env=env)
    assert (character.name, character.bio) == ("Envoy", "Lives in the environment.")
    assert character.id == string_to_uuid("Envoy")


async def test_env_source_without_bio_gets_a_default_bio() -> None:
    """Without SWARM_AGENT_BIO the bio is a plain sentence naming the agent."""
    character = await load_character("env", env={"SWARM_AGENT_NAME": "Envoy"})
    assert character.bio == "Envoy is a helpful assistant."


async def test_env_source_without_name_says_what_to_set() -> None:
    """Without SWARM_AGENT_NAME the error names the variable to set."""
    with pytest.raises(CharacterError) as caught:
        await load_character("env", env={"SWARM_AGENT_BIO": "orphan bio"})
    assert str(caught.value).startswith("env: SWARM_AGENT_NAME is not set;")
    assert caught.value.source == "env"


async def test_env_source_defaults_to_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without an env mapping, "env" reads os.environ."""
    monkeypatch.setenv("SWARM_AGENT_NAME", "FromProcess")
    monkeypatch.delenv("SWARM_AGENT_BIO", raising=False)
    assert (await load_character("env")).name == "FromProcess"


async def test_env_source_is_a_list_of_one_for_load_characters() -> None:
    """load_characters("env") returns the one environment character."""
    characters = await load_characters("env", env={"SWARM_AGENT_NAME": "Envoy"})
    assert [type(c) for c in characters] == [Character]


async def test_invalid_list_logs_no_plugin_warnings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """When any entry is invalid, nothing is loaded and no plugin warning is logged."""
    path = _write_json(
        tmp_path / "team.json",
        [_char("A", plugins=["@elizaos/plugin-discord"]), {"name": "B"}],
    )
    with (
        caplog.at_level(logging.WARNING, logger="swarm.characters"),
        pytest.raises(CharacterError),
    ):
        await load_characters(path)
    assert caplog.records == []


async def test_legacy_example_error_path_uses_the_normalised_keys(tmp_path: Path) -> None:
    """An error inside a v0 example (speaker under "user") still names the full path."""
    bad = {"user": "{{user1}}", "content": {"text": 5}}
    path = _write_json(tmp_path / "v0.json", _char(messageExamples=[[bad]]))
    with pytest.raises(CharacterError) as caught:
        await load_character(path)
    assert caught.value.errors == [
        "messageExamples[0][0].content.text: must be a string, got number"
    ]


async def test_invalid_module_error_suggests_validating_the_module(
    make_module: Callable[[str], str],
) -> None:
    """The hint names the command to run with the source as the user wrote it."""
    module = make_module("character = {'name': 'A'}\n")
    with pytest.raises(CharacterError, match=f"check with `swarm validate {module}`"):
        await load_character(module)
