"""prepare_character, agents and plugin-name mapping."""

from __future__ import annotations

import pytest

from swarm.characters import (
    Agent,
    AgentStatus,
    Character,
    PluginNames,
    SwarmPlugin,
    create_agent,
    prepare_character,
    resolve_plugin_names,
)
from swarm.ids import string_to_uuid
from swarm.types import now_ms

# --- prepare_character ---------------------------------------------------------------------


def test_id_defaults_to_the_uuid_of_the_name() -> None:
    """A character without id gets string_to_uuid(name), as elizaOS assigns it."""
    prepared = prepare_character(Character(name="Eliza", bio="b"))
    assert prepared.id == string_to_uuid("Eliza")


def test_given_id_is_kept() -> None:
    """An id written in the file is not replaced."""
    given = "123e4567-e89b-12d3-a456-426614174000"
    assert prepare_character(Character(name="Eliza", bio="b", id=given)).id == given


@pytest.mark.parametrize(
    ("name", "username"),
    [("Eliza", "eliza"), ("Dr  Who\tBot", "dr_who_bot"), (" Ada Lovelace ", "ada_lovelace")],
)
def test_username_defaults_to_lower_case_name_with_underscores(name: str, username: str) -> None:
    """username is the name lower-cased, each whitespace run replaced by one underscore."""
    assert prepare_character(Character(name=name, bio="b")).username == username


def test_given_username_is_kept() -> None:
    """A username written in the file is not replaced."""
    prepared = prepare_character(Character(name="Eliza", bio="b", username="the_eliza"))
    assert prepared.username == "the_eliza"


def test_defaults_are_explicit_in_the_prepared_character() -> None:
    """Even an exclude_unset dump of a prepared character shows every default."""
    data = prepare_character(Character(name="A", bio="b")).model_dump(
        by_alias=True, exclude_unset=True
    )
    assert data == {
        "name": "A",
        "bio": "b",
        "id": string_to_uuid("A"),
        "username": "a",
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


def test_prepared_style_keeps_written_sections() -> None:
    """Sections the file wrote stay; only missing ones are filled."""
    character = Character.model_validate({"name": "A", "bio": "b", "style": {"chat": ["brief"]}})
    style = prepare_character(character).style
    assert (style.all, style.chat, style.post) == ([], ["brief"], [])


def test_prepare_leaves_the_input_unchanged() -> None:
    """prepare_character returns a copy; the original keeps id None."""
    original = Character(name="A", bio="b", topics=["x"])
    prepared = prepare_character(original)
    prepared.topics.append("y")
    assert original.id is None
    assert original.topics == ["x"]


def test_prepare_is_idempotent() -> None:
    """Preparing twice gives the same character as preparing once."""
    once = prepare_character(Character(name="A", bio="b"))
    assert prepare_character(once) == once


def test_prepare_keeps_extra_keys() -> None:
    """Unknown keys survive preparation."""
    character = Character.model_validate({"name": "A", "bio": "b", "voice": "alto"})
    assert prepare_character(character).model_extra == {"voice": "alto"}


# --- agents --------------------------------------------------------------------------------


def test_create_agent_is_enabled_and_inactive() -> None:
    """A new agent is enabled and INACTIVE until its runtime starts."""
    agent = create_agent(Character(name="A", bio="b"), now_ms=1_000)
    assert agent.enabled is True
    assert agent.status is AgentStatus.INACTIVE


def test_create_agent_stamps_both_times() -> None:
    """created_at and updated_at are the given time in epoch milliseconds."""
    agent = create_agent(Character(name="A", bio="b"), now_ms=1_700_000_000_123)
    assert (agent.created_at, agent.updated_at) == (1_700_000_000_123, 1_700_000_000_123)


def test_create_agent_defaults_to_now() -> None:
    """Without now_ms, the stamp is the current time."""
    before = now_ms()
    agent = create_agent(Character(name="A", bio="b"))
    assert before <= agent.created_at <= now_ms()


def test_create_agent_prepares_the_character() -> None:
    """The agent has the prepared id and username."""
    agent = create_agent(Character(name="Scout", bio="b"), now_ms=1)
    assert (agent.id, agent.username) == (string_to_uuid("Scout"), "scout")


def test_agent_dumps_camel_case_registry_fields() -> None:
    """An agent's elizaOS JSON has enabled, status and createdAt/updatedAt."""
    data = create_agent(Character(name="A", bio="b"), now_ms=7).model_dump(
        by_alias=True, mode="json"
    )
    assert {k: data[k] for k in ("enabled", "status", "createdAt", "updatedAt")} == {
        "enabled": True,
        "status": "inactive",
        "createdAt": 7,
        "updatedAt": 7,
    }


def test_agent_loads_from_a_stored_row() -> None:
    """An agent row in elizaOS JSON (camelCase, status string) validates back to an Agent."""
    row = {"name": "A", "bio": "b", "status": "active", "createdAt": 1, "updatedAt": 2}
    agent = Agent.model_validate(row)
    assert (agent.status, agent.created_at, agent.updated_at) == (AgentStatus.ACTIVE, 1, 2)


def test_agent_to_character_drops_registry_fields() -> None:
    """to_character returns the character alone, equal to the prepared one."""
    character = Character(name="A", bio="b", topics=["t"])
    agent = create_agent(character, now_ms=1)
    assert agent.to_character() == prepare_character(character)


def test_agent_status_values_are_elizaos_strings() -> None:
    """AgentStatus values are the lower-case strings elizaOS stores."""
    assert [s.value for s in AgentStatus] == ["active", "inactive"]


# --- plugin names --------------------------------------------------------------------------


def test_elizaos_core_plugins_map_to_swarm_equivalents() -> None:
    """plugin-sql -> memory store, plugin-bootstrap -> bootstrap, plugin-openai -> provider."""
    names = ["@elizaos/plugin-sql", "@elizaos/plugin-bootstrap", "@elizaos/plugin-openai"]
    assert resolve_plugin_names(names) == PluginNames(
        swarm=["memory-store", "bootstrap", "openai-compatible"], ignored=[]
    )


def test_openai_compatible_providers_collapse_to_one_plugin() -> None:
    """openai, ollama and openrouter all map to the one OpenAI-compatible provider."""
    names = ["@elizaos/plugin-ollama", "@elizaos/plugin-openai", "@elizaos/plugin-openrouter"]
    assert resolve_plugin_names(names).swarm == [SwarmPlugin.OPENAI_COMPATIBLE]


def test_plugins_without_equivalent_are_ignored_in_order() -> None:
    """TypeScript plugins with no swarm equivalent are listed once each, in order."""
    names = [
        "@elizaos/plugin-discord",
        "@elizaos/plugin-sql",
        "@elizaos/plugin-anthropic",
        "@elizaos/plugin-discord",
        "@someone/plugin-weather",
        "plugin-unscoped",
    ]
    assert resolve_plugin_names(names) == PluginNames(
        swarm=["memory-store"],
        ignored=[
            "@elizaos/plugin-discord",
            "@elizaos/plugin-anthropic",
            "@someone/plugin-weather",
            "plugin-unscoped",
        ],
    )


def test_v0_plugin_scope_maps_too() -> None:
    """@elizaos-plugins/ (the v0 registry scope) maps like @elizaos/."""
    assert resolve_plugin_names(["@elizaos-plugins/plugin-sql"]).swarm == ["memory-store"]


def test_swarm_plugin_names_pass_through() -> None:
    """Names that are not npm packages are swarm plugins, kept as written."""
    names = ["bootstrap", "weather", "my_tools", "bootstrap"]
    assert resolve_plugin_names(names) == PluginNames(
        swarm=["bootstrap", "weather", "my_tools"], ignored=[]
    )


def test_no_plugins_resolve_to_nothing() -> None:
    """An empty list gives empty results."""
    assert resolve_plugin_names([]) == PluginNames(swarm=[], ignored=[])
