"""The message pipeline of one agent: nine timed stages from an incoming message to a Response.

1. ``before_message`` hooks (may change or veto the message)
2. the incoming memory (id ``incoming_id(message.id, agent_id)``)
3. the state: recent messages of the room and every provider's context
4. should-respond
5. action selection: valid actions, then the model's pick
6. execution of the chosen actions (veto, streaming callback, after-action hooks)
7. the response memory (id ``response_id(message.id, agent_id)``)
8. evaluators
9. ``after_message`` hooks

A message whose response is already stored is replayed: its stored reply is returned and
nothing runs. With ``persist=False`` nothing is written; the caller writes
``Response.memories`` (a whole batch at once), and the room's recent-message cache keeps the
next turn's history complete meanwhile. When every model fails, the agent answers with its
fallback response (``settings.fallbackResponse``) and the error is recorded.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from swarm.errors import AllModelsFailedError
from swarm.ids import incoming_id, response_id
from swarm.models.types import ModelType
from swarm.runtime.components import ActionResult, HandlerCallback, State
from swarm.runtime.evaluation import run_evaluators
from swarm.runtime.execution import Outbox, execute_action
from swarm.runtime.model_handlers import ModelRegistration
from swarm.runtime.plugin import Veto
from swarm.runtime.recent import RecentMessages
from swarm.runtime.response import Response
from swarm.runtime.selection import Choice, choose_actions, valid_actions
from swarm.runtime.should_respond import mention_pattern, should_respond
from swarm.runtime.state import compose_state, format_line
from swarm.runtime.store_calls import with_store_retry
from swarm.types import Content, Memory, now_ms

if TYPE_CHECKING:
    from swarm.runtime.runtime import AgentRuntime

__all__ = [
    "DEFAULT_CONVERSATION_LENGTH",
    "DEFAULT_FALLBACK_RESPONSE",
    "DEFAULT_PROVIDER_TIMEOUT_S",
    "MessagePipeline",
]

DEFAULT_CONVERSATION_LENGTH = 32
"""Recent messages shown to the model (setting ``CONVERSATION_LENGTH``)."""
DEFAULT_PROVIDER_TIMEOUT_S = 5.0
"""A provider slower than this is left out of the state (setting ``PROVIDER_TIMEOUT_S``)."""
DEFAULT_FALLBACK_RESPONSE = "Sorry, I can't answer right now. Please try again in a moment."
"""Sent when every model failed, unless the character sets ``settings.fallbackResponse``."""

_MESSAGE = "message"
_replace = msgspec.structs.replace
_perf = time.perf_counter
_STAGES = (
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
)
_STAGE_KEYS = {name: "stage:" + name for name in _STAGES}  # metric keys, built once


def _number(value: object, default: float) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


class _Clock:
    """Stage timings of one turn, into the Response and the runtime's metrics."""

    __slots__ = ("_mark", "_metrics", "started", "timings")

    def __init__(self, runtime: AgentRuntime) -> None:
        self._metrics = runtime.metrics
        self.started = self._mark = _perf()
        self.timings: dict[str, float] = {}

    def stage(self, name: str, ok: bool = True) -> None:
        now = _perf()
        elapsed_ms = (now - self._mark) * 1000.0
        self._mark = now
        self.timings[name] = elapsed_ms
        self._metrics.record_key(_STAGE_KEYS[name], elapsed_ms, ok)

    def total(self) -> float:
        elapsed_ms = (_perf() - self.started) * 1000.0
        self.timings["total"] = elapsed_ms
        return elapsed_ms


class MessagePipeline:
    """Runs turns for one runtime; holds the room cache and the settings read at start."""

    def __init__(self, runtime: AgentRuntime) -> None:
        self.runtime = runtime
        length = runtime.get_setting("CONVERSATION_LENGTH")
        self.conversation_length = int(_number(length, DEFAULT_CONVERSATION_LENGTH))
        self.provider_timeout_s = _number(
            runtime.get_setting("PROVIDER_TIMEOUT_S"), DEFAULT_PROVIDER_TIMEOUT_S
        )
        character = runtime.character
        agent_id, agent_name = runtime.agent_id, character.name
        self.recent = RecentMessages(
            self.conversation_length, lambda m: format_line(m, agent_id, agent_name)
        )
        self.mention = mention_pattern(character.name, character.username)

    # -- pieces the runtime exposes ---------------------------------------------------------

    async def history(self, room_id: str) -> list[Memory]:
        """The room's recent messages oldest first; read from the store once per room."""
        cached = self.recent.get(room_id)
        if cached is not None:
            return cached
        runtime = self.runtime
        stored: list[Memory] = []
        if runtime.adapter is not None:
            adapter = runtime.adapter
            newest_first = await with_store_retry(
                lambda: adapter.get_memories(
                    room_id=room_id,
                    count=self.conversation_length,
                    agent_id=runtime.agent_id,
                    include_agents=runtime.readable_agents,
                )
            )
            stored = [m for m in reversed(newest_first) if m.metadata.type == _MESSAGE]
        self.recent.load(room_id, stored)
        return stored

    async def compose_state(
        self, message: Memory, include: tuple[str, ...] = (), only_include: bool = False
    ) -> State:
        """The state for ``message`` (see :func:`swarm.runtime.state.compose_state`)."""
        recent = self.recent.get(message.room_id)  # a cached room needs no coroutine
        if recent is None:
            recent = await self.history(message.room_id)
        return await compose_state(
            self.runtime,
            message,
            recent,
            include=include,
            only_include=only_include,
            timeout_s=self.provider_timeout_s,
            conversation=self.recent.conversation(message.room_id),
        )

    async def call_model(
        self, model_type: ModelType | str, params: Mapping[str, Any]
    ) -> tuple[Any, ModelRegistration]:
        """The first handler of ``model_type`` that answers, and its registration."""
        runtime = self.runtime
        candidates = runtime.models.candidates(model_type)
        return await runtime.model_router.call(runtime, model_type, candidates, params)

    # -- the turn ---------------------------------------------------------------------------

    async def _replayed(
        self, room_id: str, reply_id: str, known: Mapping[str, Memory | None] | None
    ) -> Memory | None:
        cached = self.recent.find(room_id, reply_id)
        if cached is not None:
            return cached
        if known is not None and reply_id in known:
            return known[reply_id]  # looked up with the rest of the batch
        adapter = self.runtime.adapter
        if adapter is None:
            return None
        return await with_store_retry(lambda: adapter.get_memory(reply_id))

    async def process(
        self,
        message: Memory,
        *,
        persist: bool,
        callback: HandlerCallback | None,
        check_replay: bool,
        known_replies: Mapping[str, Memory | None] | None = None,
    ) -> Response:
        """One turn for ``message`` (see the module docstring)."""
        runtime = self.runtime
        agent_id = runtime.agent_id
        clock = _Clock(runtime)
        if message.id is None:
            message = _replace(message, id=str(uuid.uuid4()))
        message_id: str = message.id  # type: ignore[assignment]
        reply_id = response_id(message_id, agent_id)
        if check_replay:
            stored = await self._replayed(message.room_id, reply_id, known_replies)
            clock.stage("replay_check")
            if stored is not None:
                clock.total()
                return Response(
                    message_id=message_id,
                    agent_id=agent_id,
                    room_id=message.room_id,
                    responded=True,
                    content=stored.content,
                    replayed=True,
                    model=str(stored.content.data.get("model", "")),
                    timings_ms=clock.timings,
                )
        ok = False
        try:
            response = await self._turn(message, message_id, reply_id, clock, persist, callback)
            ok = response.error is None
            return response
        finally:
            runtime.metrics.record_message(clock.total(), ok)

    async def _turn(
        self,
        message: Memory,
        message_id: str,
        reply_id: str,
        clock: _Clock,
        persist: bool,
        callback: HandlerCallback | None,
    ) -> Response:
        runtime = self.runtime
        agent_id = runtime.agent_id
        adapter = runtime.adapter if persist else None
        room_id = message.room_id

        # 1. before_message hooks
        checked = await runtime.run_before_message(message)
        clock.stage("before_message")
        if isinstance(checked, Veto):
            return Response(
                message_id=message_id,
                agent_id=agent_id,
                room_id=room_id,
                veto=f"{checked.plugin}: {checked.reason}" if checked.plugin else checked.reason,
                timings_ms=clock.timings,
            )
        message = checked

        # 2. the incoming memory
        if room_id not in self.recent:
            await self.history(room_id)  # load the room before adding to it
        incoming = _replace(
            message,
            id=incoming_id(message_id, agent_id),
            agent_id=agent_id,
            created_at=message.created_at or now_ms(),
        )
        if adapter is not None:
            await with_store_retry(lambda: adapter.create_memory(incoming))
        self.recent.add(incoming)
        memories = [incoming]
        clock.stage("store_incoming")

        # 3. state
        state = await self.compose_state(incoming)
        clock.stage("compose_state")

        # 4. should respond
        decision = await should_respond(runtime, incoming, state, self.mention)
        state.values["shouldRespond"] = decision.respond
        clock.stage("should_respond")

        content: Content | None = None
        error: str | None = None
        model = ""
        if decision.respond:
            # 5. action selection
            choice: Choice | None = None
            try:
                actions = await valid_actions(runtime, incoming, state)
                choice = await choose_actions(runtime, incoming, state, actions, self.call_model)
                model = choice.model
            except AllModelsFailedError as exc:
                error = str(exc)
                runtime.logger.error("answering with the fallback response: %s", exc)
            clock.stage("select_action", ok=error is None)

            # 6. execution
            outbox = Outbox(runtime, incoming, callback)
            if choice is None:
                model = "fallback"
                await outbox(self._fallback_content())
            else:
                await self._execute(choice, incoming, state, outbox)
            content = outbox.last
            clock.stage("execute")

            # 7. the response memory
            if content is not None:
                data = dict(content.data)
                data.setdefault("model", model)
                if choice is not None:
                    data.setdefault("provider", choice.provider)
                content = _replace(content, in_reply_to=message_id, data=data)
                reply = Memory(
                    id=reply_id,
                    entity_id=agent_id,
                    agent_id=agent_id,
                    room_id=room_id,
                    world_id=incoming.world_id,
                    content=content,
                    created_at=now_ms(),
                )
                if adapter is not None:
                    await with_store_retry(lambda: adapter.create_memory(reply))
                self.recent.add(reply)
                memories.append(reply)
                runtime.metrics.responses_sent += 1
            clock.stage("store_response")

        # 8. evaluators
        responses = memories[1:]
        evaluations = (
            await run_evaluators(
                runtime, incoming, state, responses, content is not None, message_id
            )
            if runtime.evaluators
            else []
        )
        if evaluations:
            if adapter is not None:
                await with_store_retry(lambda: adapter.create_memories(evaluations))
            memories.extend(evaluations)
        clock.stage("evaluate")

        # 9. after_message hooks
        await runtime.run_after_message(incoming, memories[1] if len(responses) else None)
        clock.stage("after_message")
        return Response(
            message_id=message_id,
            agent_id=agent_id,
            room_id=room_id,
            responded=content is not None,
            content=content,
            memories=memories,
            error=error,
            model=model,
            timings_ms=clock.timings,
        )

    async def _execute(self, choice: Choice, message: Memory, state: State, outbox: Outbox) -> None:
        parsed = choice.parsed
        if choice.actions and choice.actions[0].name == "IGNORE":
            await execute_action(self.runtime, choice.actions[0], message, state, {}, outbox)
            return
        options = {"text": parsed.text, "thought": parsed.thought}
        results: list[ActionResult] = []
        for action in choice.actions:
            results.append(
                await execute_action(self.runtime, action, message, state, options, outbox)
            )
        state.data["actionResults"] = results
        if not outbox.sent and parsed.text and all(a.name != "REPLY" for a in choice.actions):
            # The text of the answer is the reply unless an action sent its own.
            names = [a.name for a in choice.actions]
            await outbox(Content(text=parsed.text, thought=parsed.thought or None, actions=names))

    def _fallback_content(self) -> Content:
        text = self.runtime.get_setting("fallbackResponse")
        return Content(
            text=str(text) if text else DEFAULT_FALLBACK_RESPONSE,
            actions=["REPLY"],
            data={"fallback": True},
        )
