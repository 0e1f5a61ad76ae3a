"""compose_state, should-respond, action selection and health reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from swarm.runtime import (
    Action,
    ActionResult,
    AgentRuntime,
    Memory,
    ModelType,
    Plugin,
    Provider,
    ProviderResult,
    State,
)
from tests.support.memory_store import InMemoryStore
from tests.support.pipeline import USER_ID, character, message


def provider(
    name: str, *, position: int = 0, dynamic: bool = False, private: bool = False
) -> Provider:
    async def get(runtime: AgentRuntime, msg: Memory, state: State) -> ProviderResult:
        return ProviderResult(text=f"from {name}", values={name: True})

    return Provider(name=name, get=get, position=position, dynamic=dynamic, private=private)


async def start(*plugins: Plugin, store: InMemoryStore | None = None) -> AgentRuntime:
    runtime = AgentRuntime(character(), adapter=store or InMemoryStore(), plugins=plugins)
    await runtime.initialize()
    return runtime


@pytest.mark.anyio
async def test_state_sections_follow_provider_position() -> None:
    """Providers appear as [NAME] sections in position order, whatever the registration order."""
    plugin = Plugin(
        name="p", providers=[provider("LATE", position=5), provider("EARLY", position=-1)]
    )
    state = await (await start(plugin)).compose_state(message())
    assert list(state.providers) == ["EARLY", "LATE"]
    assert state.text.index("[EARLY]") < state.text.index("[LATE]")
    assert state.values["EARLY"] is True
    assert state.values["tokenEstimate"] == len(state.text) // 4 + 1


@pytest.mark.anyio
async def test_dynamic_and_private_providers_run_only_when_asked_for() -> None:
    """Dynamic and private providers are skipped by default and run when included by name."""
    plugin = Plugin(
        name="p",
        providers=[
            provider("ALWAYS"),
            provider("DYN", dynamic=True),
            provider("SECRET", private=True),
        ],
    )
    runtime = await start(plugin)
    default = await runtime.compose_state(message())
    assert list(default.providers) == ["ALWAYS"]
    asked = await runtime.compose_state(message(), include=["DYN", "SECRET"])
    assert set(asked.providers) == {"ALWAYS", "DYN", "SECRET"}
    only = await runtime.compose_state(message(), include=["DYN"], only_include=True)
    assert list(only.providers) == ["DYN"]


@pytest.mark.anyio
async def test_private_providers_are_never_listed_to_the_model() -> None:
    """state.values["providers"] names the public providers only."""
    plugin = Plugin(name="p", providers=[provider("PUBLIC"), provider("SECRET", private=True)])
    state = await (await start(plugin)).compose_state(message())
    assert state.values["providers"] == ["PUBLIC"]


@pytest.mark.anyio
async def test_the_agent_does_not_answer_its_own_messages() -> None:
    """A message from the agent itself is not answered."""
    runtime = await start()
    own = message()
    own.entity_id = runtime.agent_id
    response = await runtime.process_message(own)
    assert not response.responded
    assert len(response.memories) == 1  # stored, not answered


@pytest.mark.anyio
async def test_in_a_group_room_the_agent_answers_when_named() -> None:
    """In a GROUP channel the agent answers a message naming it and stays silent otherwise
    when the model's should-respond answer says IGNORE."""
    verdicts: list[str] = []

    async def small(runtime: Any, params: Mapping[str, Any]) -> str:
        verdicts.append("asked")
        return "<response><action>IGNORE</action></response>"

    runtime = await start(Plugin(name="m", models={ModelType.TEXT_SMALL: small}))
    named = await runtime.process_message(message("hey wren, hello", channel_type="GROUP"))
    other = await runtime.process_message(message("lunch anyone?", channel_type="GROUP"))
    assert named.responded
    assert not other.responded
    assert verdicts == ["asked"]


@pytest.mark.anyio
async def test_in_a_group_room_the_model_may_say_respond() -> None:
    """A RESPOND verdict from the model makes the agent answer an unnamed group message."""

    async def small(runtime: Any, params: Mapping[str, Any]) -> str:
        return '```json\n{"action": "RESPOND"}\n```'

    runtime = await start(Plugin(name="m", models={ModelType.TEXT_SMALL: small}))
    response = await runtime.process_message(message("lunch anyone?", channel_type="GROUP"))
    assert response.responded


async def _noop(*args: Any) -> ActionResult:
    return ActionResult(text="done")


def json_model(answer: str) -> Any:
    async def handler(runtime: Any, params: Mapping[str, Any]) -> str:
        return answer

    return handler


@pytest.mark.anyio
async def test_a_json_answer_naming_a_simile_selects_the_action() -> None:
    """{"actions": ["wave hello"]} matches the action whose simile is WAVE_HELLO."""
    ran: list[str] = []

    async def wave(*args: Any) -> ActionResult:
        ran.append("WAVE")
        return ActionResult()

    plugin = Plugin(
        name="p",
        actions=[Action(name="WAVE", description="Wave.", handler=wave, similes=["WAVE_HELLO"])],
        models={ModelType.TEXT_LARGE: json_model('{"actions": ["wave hello"], "text": "hi"}')},
    )
    response = await (await start(plugin)).process_message(message())
    assert ran == ["WAVE"]
    assert response.content is not None
    assert response.content.text == "hi"
    assert response.content.actions == ["WAVE"]


@pytest.mark.anyio
async def test_an_invalid_action_is_not_offered_nor_run() -> None:
    """An action whose validate is False (or raises) is left out; the text is the reply."""
    offered: list[list[str]] = []

    async def no(*args: Any) -> bool:
        return False

    async def broken(*args: Any) -> bool:
        raise RuntimeError("validator bug")

    async def model(runtime: Any, params: Mapping[str, Any]) -> str:
        offered.append([a.name for a in params["actions"]])
        return "<response><actions>NOPE,BROKEN</actions><text>plain text</text></response>"

    plugin = Plugin(
        name="p",
        actions=[
            Action(name="NOPE", description="n", handler=_noop, validate=no),
            Action(name="BROKEN", description="b", handler=_noop, validate=broken),
        ],
        models={ModelType.TEXT_LARGE: model},
    )
    response = await (await start(plugin)).process_message(message())
    assert offered == [["REPLY", "IGNORE", "NONE"]]
    assert response.content is not None
    assert response.content.text == "plain text"
    assert response.content.actions == ["REPLY"]


@pytest.mark.anyio
async def test_ignore_means_no_reply() -> None:
    """When the model picks IGNORE nothing is sent and no response memory is made."""
    plugin = Plugin(
        name="p",
        models={
            ModelType.TEXT_LARGE: json_model(
                "<response><actions>ignore</actions><text>unsent</text></response>"
            )
        },
    )
    response = await (await start(plugin)).process_message(message())
    assert not response.responded
    assert response.content is None
    assert len(response.memories) == 1


@pytest.mark.anyio
async def test_health_reports_an_unreachable_store() -> None:
    """get_health is unhealthy with a reason, and diagnose fails its store check, when the
    store is down."""
    store = InMemoryStore()
    runtime = await start(store=store)
    assert (await runtime.get_health())["healthy"]
    store.down = True
    health = await runtime.get_health()
    assert not health["healthy"]
    assert any("memory store unreachable" in reason for reason in health["reasons"])
    report = await runtime.diagnose()
    checks = {c["check"]: c["ok"] for c in report["checks"]}
    assert checks == {
        "initialized": True,
        "services": True,
        "actions": True,
        "store_connection": False,
        "memory_usage": True,
        "plugin_dependencies": True,
    }
    assert not report["ok"]


@pytest.mark.anyio
async def test_metrics_count_messages_and_time_each_component() -> None:
    """get_metrics counts turns and has per-stage and per-model timings."""
    runtime = await start()
    for _ in range(3):
        await runtime.process_message(message())
    metrics = runtime.get_metrics()
    assert metrics["messages_processed"] == 3
    assert metrics["responses_sent"] == 3
    assert metrics["error_rate"] == 0.0
    assert metrics["components"]["model:offline"]["calls"] == 3
    assert metrics["components"]["stage:compose_state"]["calls"] == 3
    assert metrics["response_ms"]["p99"] >= metrics["response_ms"]["p50"] > 0.0


@pytest.mark.anyio
async def test_process_message_before_initialize_says_what_to_do() -> None:
    """A runtime that was not initialised refuses with a message naming initialize()."""
    from swarm.errors import RuntimeClosedError

    runtime = AgentRuntime(character())
    with pytest.raises(RuntimeClosedError, match="initialize"):
        await runtime.process_message(message())


def test_user_id_is_not_the_agent() -> None:
    """The test sender is a user, never the agent itself."""
    assert AgentRuntime(character()).agent_id != USER_ID
