"""Failure injection: a broken component fails only itself; the agent keeps answering."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import anyio
import pytest

from swarm.runtime import (
    Action,
    ActionResult,
    AgentRuntime,
    Evaluator,
    HandlerCallback,
    Memory,
    ModelType,
    Plugin,
    Provider,
    ProviderResult,
    State,
    Veto,
)
from swarm.runtime.pipeline import DEFAULT_FALLBACK_RESPONSE
from tests.support.memory_store import InMemoryStore
from tests.support.pipeline import character, failing_model, message, xml_model


async def start(
    *plugins: Plugin, settings: dict[str, Any] | None = None, **fields: Any
) -> AgentRuntime:
    runtime = AgentRuntime(
        character(**fields), adapter=InMemoryStore(), plugins=plugins, settings=settings
    )
    await runtime.initialize()
    return runtime


def provider(name: str, text: str, *, error: bool = False, sleep_s: float = 0.0) -> Provider:
    async def get(runtime: AgentRuntime, msg: Memory, state: State) -> ProviderResult:
        if sleep_s:
            await anyio.sleep(sleep_s)
        if error:
            raise RuntimeError(f"{name} is broken")
        return ProviderResult(text=text)

    return Provider(name=name, get=get)


@pytest.mark.anyio
async def test_failing_and_slow_providers_are_left_out_of_the_state() -> None:
    """A raising provider and one slower than the timeout are skipped; the good one is kept."""
    plugin = Plugin(
        name="context",
        providers=[
            provider("BROKEN", "never", error=True),
            provider("SLOW", "too late", sleep_s=30.0),
            provider("GOOD", "fine"),
        ],
    )
    runtime = await start(plugin, settings={"PROVIDER_TIMEOUT_S": 0.05})
    state = await runtime.compose_state(message())
    assert list(state.providers) == ["GOOD"]
    assert "[GOOD]\nfine" in state.text
    assert "BROKEN" not in state.text
    assert "SLOW" not in state.text
    response = await runtime.process_message(message())
    assert response.responded
    assert response.error is None
    components = runtime.get_metrics()["components"]
    assert components["provider:BROKEN"]["failures"] == 2
    assert components["provider:SLOW"]["failures"] == 2


def hooks_plugin(
    action: Action, results: list[ActionResult | None], before_action: Any = None
) -> Plugin:
    async def after_action(
        runtime: AgentRuntime, act: Action, msg: Memory, result: ActionResult | None
    ) -> None:
        results.append(result)

    return Plugin(
        name="acting",
        actions=[action],
        models={ModelType.TEXT_LARGE: xml_model(action.name, "said anyway")},
        before_action=before_action,
        after_action=after_action,
    )


@pytest.mark.anyio
async def test_a_raising_action_gives_a_failed_result_not_a_crashed_turn() -> None:
    """The handler's exception becomes ActionResult(success=False, error=...); the text is sent."""

    async def boom(*args: Any) -> None:
        raise ValueError("the button is stuck")

    results: list[ActionResult | None] = []
    runtime = await start(
        hooks_plugin(Action(name="BOOM", description="Explodes.", handler=boom), results)
    )
    response = await runtime.process_message(message())
    [result] = results
    assert result is not None
    assert result.success is False
    assert result.error == "ValueError: the button is stuck"
    assert result.execution_time_ms is not None
    assert response.responded
    assert response.content is not None
    assert response.content.text == "said anyway"


@pytest.mark.anyio
async def test_a_vetoing_before_action_hook_blocks_the_handler() -> None:
    """A Veto from before_action gives "Blocked by plugin"; the handler never runs."""
    ran: list[str] = []

    async def guarded(
        runtime: AgentRuntime,
        msg: Memory,
        state: State | None,
        options: Mapping[str, Any] | None,
        callback: HandlerCallback | None,
    ) -> None:
        ran.append("handler")

    async def refuse(runtime: AgentRuntime, action: Action, msg: Memory) -> Veto:
        return Veto("not today")

    blocked: list[ActionResult] = []

    async def keep(runtime: AgentRuntime, action: Action, msg: Memory, result: Any) -> None:
        blocked.append(result)

    action = Action(name="GUARDED", description="Guarded.", handler=guarded)
    plugin = hooks_plugin(action, [], before_action=refuse)
    runtime = await start(plugin)
    response = await runtime.process_message(message())
    assert ran == []
    assert blocked == []  # after_action hooks run only after a handler ran
    assert runtime.get_metrics()["components"]["action:GUARDED"]["failures"] == 1
    assert response.responded  # the model's text is still the reply


@pytest.mark.anyio
async def test_a_before_message_veto_drops_the_message() -> None:
    """A vetoed message is not stored, not answered, and the veto is reported."""

    async def refuse(runtime: AgentRuntime, msg: Memory) -> Veto:
        return Veto("spam")

    store = InMemoryStore()
    runtime = AgentRuntime(
        character(), adapter=store, plugins=[Plugin(name="filter", before_message=refuse)]
    )
    await runtime.initialize()
    response = await runtime.process_message(message())
    assert response.veto == "filter: spam"
    assert not response.responded
    assert response.memories == []
    assert "create_memory" not in store.calls


@pytest.mark.anyio
async def test_a_failing_evaluator_does_not_stop_the_others() -> None:
    """One evaluator raises; the other's result is still stored and the turn succeeds."""

    async def broken(*args: Any) -> None:
        raise RuntimeError("evaluator bug")

    async def works(
        runtime: AgentRuntime, msg: Memory, state: State | None, responses: Sequence[Memory]
    ) -> ActionResult:
        return ActionResult(text="noted")

    plugin = Plugin(
        name="evaluating",
        evaluators=[
            Evaluator(name="BROKEN", description="Breaks.", handler=broken),
            Evaluator(name="WORKS", description="Works.", handler=works),
        ],
    )
    runtime = await start(plugin)
    response = await runtime.process_message(message())
    assert response.error is None
    assert [m.content.data.get("evaluator") for m in response.memories[2:]] == ["WORKS"]
    assert runtime.get_metrics()["components"]["evaluator:BROKEN"]["failures"] == 1


@pytest.mark.anyio
async def test_a_model_that_is_down_falls_back_to_the_next_handler() -> None:
    """The highest-priority model fails; the next one answers and is named in the Response."""
    calls: list[str] = []
    primary = Plugin(
        name="primary", priority=10, models={ModelType.TEXT_LARGE: failing_model(calls)}
    )
    backup = Plugin(
        name="backup",
        priority=1,
        models={ModelType.TEXT_LARGE: xml_model("REPLY", "backup here", calls)},
    )
    runtime = await start(primary, backup)
    response = await runtime.process_message(message())
    assert calls == ["model:down", "model"]
    assert response.model == "backup"
    assert response.content is not None
    assert response.content.text == "backup here"
    health = await runtime.get_health()
    assert health["circuit_breakers"]["primary"]["failures"] == 1
    assert health["healthy"]


@pytest.mark.anyio
async def test_a_provider_failing_repeatedly_opens_its_circuit_and_is_skipped() -> None:
    """After five failures the breaker opens: the dead provider is no longer called."""
    calls: list[str] = []
    primary = Plugin(
        name="primary", priority=10, models={ModelType.TEXT_LARGE: failing_model(calls)}
    )
    backup = Plugin(
        name="backup", priority=1, models={ModelType.TEXT_LARGE: xml_model("REPLY", "ok", calls)}
    )
    runtime = await start(primary, backup)
    for _ in range(6):
        await runtime.process_message(message())
    assert calls.count("model:down") == 5
    assert calls.count("model") == 6
    health = await runtime.get_health()
    assert health["circuit_breakers"]["primary"]["state"] == "open"


@pytest.mark.anyio
async def test_when_every_model_fails_the_fallback_response_is_sent_and_serving_goes_on() -> None:
    """All models down: the character's fallbackResponse is the reply, the error is recorded,
    and the next message is answered once a model is back."""
    up = {"value": False}

    async def flaky(runtime: Any, params: Mapping[str, Any]) -> str:
        if not up["value"]:
            raise ConnectionError("model is down")
        return "<response><actions>REPLY</actions><text>back again</text></response>"

    plugin = Plugin(name="flaky", models={ModelType.TEXT_LARGE: flaky})
    runtime = await start(plugin, settings={"fallbackResponse": "Be right back."})
    response = await runtime.process_message(message())
    assert response.responded
    assert response.content is not None
    assert response.content.text == "Be right back."
    assert response.model == "fallback"
    assert response.error is not None
    assert "model is down" in response.error
    assert len(response.memories) == 2  # the fallback reply is stored like any reply
    up["value"] = True
    second = await runtime.process_message(message())
    assert second.error is None
    assert second.content is not None
    assert second.content.text == "back again"
    metrics = runtime.get_metrics()
    assert (metrics["messages_processed"], metrics["messages_failed"]) == (2, 1)


@pytest.mark.anyio
async def test_the_default_fallback_response_is_used_without_a_setting() -> None:
    """Without settings.fallbackResponse the built-in fallback text is sent."""
    runtime = await start(Plugin(name="dead", models={ModelType.TEXT_LARGE: failing_model()}))
    response = await runtime.process_message(message())
    assert response.content is not None
    assert response.content.text == DEFAULT_FALLBACK_RESPONSE


@pytest.mark.anyio
async def test_a_transient_store_failure_is_retried() -> None:
    """A dropped connection on a write is retried; the turn completes."""
    store = InMemoryStore()
    runtime = AgentRuntime(character(), adapter=store)
    await runtime.initialize()
    store.fail_writes = 1
    response = await runtime.process_message(message())
    assert response.responded
    assert len([m for m in response.memories if m.id in store.rows]) == 2


@pytest.mark.anyio
async def test_a_store_that_stays_down_fails_the_turn_so_it_can_be_redelivered() -> None:
    """When the store is down for good the turn raises StoreConnectionError (no silent loss)."""
    from swarm.errors import StoreConnectionError

    store = InMemoryStore()
    runtime = AgentRuntime(character(), adapter=store)
    await runtime.initialize()
    store.down = True
    with pytest.raises(StoreConnectionError):
        await runtime.process_message(message())
    store.down = False
    assert (await runtime.process_message(message())).responded
