"""The message pipeline runs its stages and every plugin hook in elizaOS's order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from swarm.ids import incoming_id, response_id
from swarm.runtime import (
    Action,
    ActionResult,
    AgentRuntime,
    Content,
    Evaluator,
    EventType,
    HandlerCallback,
    Memory,
    ModelType,
    Plugin,
    Provider,
    ProviderResult,
    State,
)
from swarm.runtime.evaluation import EVALUATION, evaluation_id
from tests.support.memory_store import InMemoryStore
from tests.support.pipeline import character, message, xml_model


class RecordingStore(InMemoryStore):
    """The in-memory store, recording its memory calls into a shared list."""

    def __init__(self, calls: list[str]) -> None:
        super().__init__()
        self.calls = calls


def recording_plugin(calls: list[str]) -> Plugin:
    """A plugin with an action, a provider, an evaluator, a model and every message hook."""

    async def before_message(runtime: AgentRuntime, msg: Memory) -> Memory:
        calls.append("before_message")
        return msg

    async def provide(runtime: AgentRuntime, msg: Memory, state: State) -> ProviderResult:
        calls.append("provider")
        return ProviderResult(text="the sky is grey", values={"weather": "grey"})

    async def validate(runtime: AgentRuntime, msg: Memory, state: State | None) -> bool:
        calls.append("action.validate")
        return True

    async def before_action(runtime: AgentRuntime, action: Action, msg: Memory) -> None:
        calls.append(f"before_action:{action.name}")

    async def wave(
        runtime: AgentRuntime,
        msg: Memory,
        state: State | None,
        options: Mapping[str, Any] | None,
        callback: HandlerCallback | None,
    ) -> ActionResult:
        calls.append("action:WAVE")
        assert callback is not None
        await callback(Content(text="*waves*", actions=["WAVE"]))
        return ActionResult(text="waved", data={"hand": "left"})

    async def after_action(
        runtime: AgentRuntime, action: Action, msg: Memory, result: ActionResult | None
    ) -> None:
        calls.append(f"after_action:{action.name}")

    async def evaluator_validate(runtime: AgentRuntime, msg: Memory, state: State | None) -> bool:
        calls.append("evaluator.validate")
        return True

    async def evaluate(
        runtime: AgentRuntime, msg: Memory, state: State | None, responses: Sequence[Memory]
    ) -> ActionResult:
        calls.append("evaluator")
        return ActionResult(text="a friendly wave", data={"responses": len(responses)})

    async def after_message(runtime: AgentRuntime, msg: Memory, response: Memory | None) -> None:
        calls.append("after_message")

    return Plugin(
        name="recorder",
        actions=[Action(name="WAVE", description="Wave a hand.", handler=wave, validate=validate)],
        providers=[Provider(name="WEATHER", get=provide)],
        evaluators=[
            Evaluator(
                name="MOOD",
                description="Notes the mood.",
                handler=evaluate,
                validate=evaluator_validate,
            )
        ],
        models={ModelType.TEXT_LARGE: xml_model("WAVE", "hello!", calls)},
        before_message=before_message,
        after_message=after_message,
        before_action=before_action,
        after_action=after_action,
    )


async def started(calls: list[str]) -> tuple[AgentRuntime, RecordingStore]:
    store = RecordingStore(calls)
    runtime = AgentRuntime(character(), adapter=store, plugins=[recording_plugin(calls)])
    await runtime.initialize()
    calls.clear()
    return runtime, store


@pytest.mark.anyio
async def test_hooks_and_stages_run_in_the_exact_elizaos_order() -> None:
    """One turn calls store, hooks, provider, validate, model, action, evaluator in order."""
    calls: list[str] = []
    runtime, _ = await started(calls)
    await runtime.process_message(message("hi there"))
    assert calls == [
        "get_memory",  # replay check
        "before_message",
        "get_memories",  # the room's history, first time it is seen
        "create_memory",  # the incoming memory
        "provider",
        "action.validate",
        "model",
        "before_action:WAVE",
        "action:WAVE",
        "after_action:WAVE",
        "create_memory",  # the response
        "evaluator.validate",
        "evaluator",
        "create_memories",  # the evaluator's result
        "after_message",
    ]


@pytest.mark.anyio
async def test_every_stage_is_timed_in_order() -> None:
    """Response.timings_ms lists the nine stages (after the replay check) and the total."""
    runtime, _ = await started([])
    response = await runtime.process_message(message())
    assert list(response.timings_ms) == [
        "replay_check",
        "before_message",
        "store_incoming",
        "compose_state",
        "should_respond",
        "select_action",
        "execute",
        "store_response",
        "evaluate",
        "after_message",
        "total",
    ]
    assert all(value >= 0.0 for value in response.timings_ms.values())


@pytest.mark.anyio
async def test_the_turn_creates_incoming_response_and_evaluation_memories() -> None:
    """Response.memories holds the incoming, response and evaluator memories with derived ids."""
    runtime, store = await started([])
    msg = message()
    response = await runtime.process_message(msg)
    assert msg.id is not None
    ids = [m.id for m in response.memories]
    assert ids == [
        incoming_id(msg.id, runtime.agent_id),
        response_id(msg.id, runtime.agent_id),
        evaluation_id(msg.id, runtime.agent_id, "MOOD"),
    ]
    assert response.memories[2].metadata.type == EVALUATION
    assert set(ids) <= set(store.rows)
    assert response.responded
    assert response.content is not None
    assert response.content.text == "*waves*"
    assert response.content.in_reply_to == msg.id


@pytest.mark.anyio
async def test_provider_context_reaches_the_model_prompt() -> None:
    """The model's prompt holds a [WEATHER] section with the provider's text."""
    prompts: list[str] = []

    async def model(runtime: Any, params: Mapping[str, Any]) -> str:
        prompts.append(str(params["prompt"]))
        return "<response><actions>REPLY</actions><text>ok</text></response>"

    calls: list[str] = []
    plugin = recording_plugin(calls)
    plugin.models = {ModelType.TEXT_LARGE: model}
    runtime = AgentRuntime(character(), adapter=InMemoryStore(), plugins=[plugin])
    await runtime.initialize()
    await runtime.process_message(message("how is the weather"))
    assert "[WEATHER]\nthe sky is grey" in prompts[0]
    assert "Ann: how is the weather" in prompts[0]


@pytest.mark.anyio
async def test_partial_responses_stream_as_events_and_to_the_callback() -> None:
    """Each content a handler sends is emitted as RESPONSE_PARTIAL and passed to the callback;
    the last one is the reply."""

    async def stream(
        runtime: AgentRuntime,
        msg: Memory,
        state: State | None,
        options: Mapping[str, Any] | None,
        callback: HandlerCallback | None,
    ) -> None:
        assert callback is not None
        await callback(Content(text="Hel"))
        await callback(Content(text="Hello"))

    events: list[str] = []
    received: list[str] = []

    async def on_partial(runtime: AgentRuntime, payload: Mapping[str, Any]) -> None:
        events.append(payload["content"].text)

    async def forward(content: Content) -> list[Memory]:
        received.append(content.text)
        return []

    plugin = Plugin(
        name="streamer",
        actions=[Action(name="STREAM", description="Streams.", handler=stream)],
        models={ModelType.TEXT_LARGE: xml_model("STREAM", "")},
        events={EventType.RESPONSE_PARTIAL: [on_partial]},
    )
    runtime = AgentRuntime(character(), adapter=InMemoryStore(), plugins=[plugin])
    await runtime.initialize()
    response = await runtime.process_message(message(), callback=forward)
    assert events == ["Hel", "Hello"]
    assert received == ["Hel", "Hello"]
    assert response.content is not None
    assert response.content.text == "Hello"
