"""The Handler that runs agent turns: ``AgentRuntime`` per agent, one ``MemoryStore`` per batch.

Per batch, before the turns: one ``store.get_memories_by_ids(...)`` for the response ids of
the messages that may have been answered before (:meth:`RuntimeHandler.prepare`; a first
delivery of an entry-id message cannot have been), so no turn reads the store to find out.
Per message: ``runtime.process_message(memory, persist=False, callback=...,
known_replies=...)`` (partials go to the reply stream as they come). Per batch,
after the turns: one ``store.create_memories(...)`` with every memory the batch's turns
created, before the worker sends replies and acks. A redelivered message is recognised by the
runtime (``replayed=True``): its stored reply is re-sent and nothing new is written.

Typed against the Protocols below (the contract's surface), so this module needs neither
``swarm.memory`` nor the full runtime; its tests come with the integration of both.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Protocol

from swarm.bus import Message
from swarm.errors import SwarmError
from swarm.hierarchy import NO_AUTHORITY
from swarm.ids import response_id
from swarm.runtime import TurnContext, current_turn
from swarm.types import Content, Memory, MemoryMetadata
from workers.delegation import (
    ControlHandler,
    TaskRows,
    begin_task,
    control_authorized,
    ended,
    finish_task,
    task_authorized,
)
from workers.handler import Outcome, PartialSink

__all__ = [
    "AgentReply",
    "AgentTurns",
    "MemoryWriter",
    "RuntimeHandler",
    "TurnFailedError",
    "TurnResult",
    "message_memory",
]


class TurnResult(Protocol):
    """What the worker reads from ``swarm.runtime.Response``."""

    @property
    def responded(self) -> bool: ...
    @property
    def content(self) -> Content | None: ...
    @property
    def memories(self) -> list[Memory]: ...
    @property
    def replayed(self) -> bool: ...
    @property
    def error(self) -> str | None: ...
    @property
    def model(self) -> str: ...


PartialCallback = Callable[[Content], Awaitable[list[Memory]]]
"""``swarm.runtime.HandlerCallback``: receives each partial response."""


class AgentTurns(Protocol):
    """The part of ``AgentRuntime`` the worker drives."""

    @property
    def agent_id(self) -> str: ...

    async def process_message(
        self,
        message: Memory,
        *,
        persist: bool = True,
        callback: PartialCallback | None = None,
        known_replies: Mapping[str, Memory | None] | None = None,
    ) -> TurnResult: ...


class MemoryWriter(Protocol):
    """The part of ``MemoryStore`` the worker goes through (one read, one write per batch)."""

    async def create_memories(
        self, memories: Sequence[Memory], table_name: str = "messages"
    ) -> int: ...

    async def get_memories_by_ids(self, memory_ids: Sequence[str]) -> list[Memory]: ...


log = logging.getLogger("swarm.worker")


def message_memory(message: Message) -> Memory:
    """The incoming ``Memory`` a bus message becomes (the runtime derives its stored id)."""
    return Memory(
        id=message.id,
        entity_id=message.entity_id,
        agent_id=message.agent_id,
        room_id=message.room_id,
        content=message.content,
        created_at=message.sent_at,
        metadata=MemoryMetadata(source="redis", timestamp=message.sent_at, extra=message.metadata),
    )


class TurnFailedError(SwarmError):
    """The runtime reported an error and no reply: the message is retried, then dead-lettered."""


AgentReply = Callable[[Message, Content], Awaitable[None]]
"""Sends an agent's answer to an inter-agent message back to the sending agent."""


class RuntimeHandler:
    """A :class:`workers.Handler` over agent runtimes and a shared memory store.

    With ``agent_reply``: an agent's answer to another agent's message goes back to that
    agent (through the coordinator), unless the message was itself such an answer, so two
    agents never answer each other forever.

    Delegated tasks and control messages are checked for authority first (see
    :mod:`workers.delegation`): ``parents`` maps each hosted agent to its recorded parent,
    ``tasks`` holds the task rows, ``control`` runs accepted control requests.
    """

    def __init__(
        self,
        runtimes: Iterable[AgentTurns],
        store: MemoryWriter,
        *,
        agent_reply: AgentReply | None = None,
        parents: Mapping[str, str | None] | None = None,
        tasks: TaskRows | None = None,
        control: ControlHandler | None = None,
    ) -> None:
        self._runtimes = {runtime.agent_id: runtime for runtime in runtimes}
        self._store = store
        self._agent_reply = agent_reply
        self._parents: Mapping[str, str | None] = parents if parents is not None else {}
        self._tasks = tasks
        self._control = control
        self._known: dict[str, Memory | None] = {}

    def add(self, runtime: AgentTurns) -> None:
        """Handle messages of one more agent (a child created at run time)."""
        self._runtimes[runtime.agent_id] = runtime

    async def prepare(self, messages: Sequence[Message]) -> None:
        """Look up the stored responses of a whole batch at once (one store read).

        Only messages that may have been answered before are looked up: a redelivery, or a
        message whose id the sender chose (it may be a retried send). A first delivery of an
        entry whose id derives from the entry id cannot have a stored response (entry ids
        are never reused in a stream), so it needs no look-up at all.

        Each result serves one turn: a message that comes again later is looked up again. A
        failed look-up is not fatal: every such turn then looks for its own response.
        """
        known: dict[str, Memory | None] = {}
        wanted: list[str] = []
        for message in messages:
            if message.agent_id not in self._runtimes:
                continue
            reply_id = response_id(message.id, message.agent_id)
            if message.deliveries > 1 or message.id_from_sender:
                wanted.append(reply_id)
            else:
                known[reply_id] = None
        self._known = known
        if not wanted:
            return
        try:
            found = await self._store.get_memories_by_ids(wanted)
        except Exception as exc:
            log.warning("batch reply look-up failed (%s); each turn looks up its own", exc)
            return
        known.update(dict.fromkeys(wanted))
        for memory in found:
            if memory.id is not None:
                known[memory.id] = memory

    async def handle(self, message: Message, partial: PartialSink) -> Outcome:
        runtime = self._runtimes.get(message.agent_id)
        if runtime is None:
            raise TurnFailedError(f"this worker does not host agent {message.agent_id}")
        if "control" in message.metadata:
            return await self._run_control(message)
        task_id = message.metadata.get("task_id")
        if task_id is None:
            return await self._turn(runtime, message, partial)
        if not task_authorized(message, self._parents):
            return ended(message, "refused", NO_AUTHORITY)
        task_id = str(task_id)
        if self._tasks is not None:
            status = await begin_task(self._tasks, task_id)
            if status is not None:
                return ended(message, status, f"task {task_id} had already ended: {status}")
        try:
            outcome = await self._turn(runtime, message, partial)
        except TurnFailedError as exc:
            if self._tasks is not None:
                await finish_task(self._tasks, task_id, "failed", error=str(exc))
            return ended(message, "failed", str(exc))
        if self._tasks is not None:
            text = outcome.content.text if outcome.content is not None else ""
            await finish_task(self._tasks, task_id, "done", result=text)
        return outcome

    async def _run_control(self, message: Message) -> Outcome:
        if not control_authorized(message):
            return ended(message, "refused", NO_AUTHORITY)
        if self._control is None:
            return ended(message, "failed", "this worker accepts no control messages")
        try:
            content = await self._control(message.agent_id, message.metadata)
        except SwarmError as exc:
            return ended(message, "failed", str(exc))
        return Outcome(message, content)

    async def _turn(self, runtime: AgentTurns, message: Message, partial: PartialSink) -> Outcome:

        async def on_partial(content: Content) -> list[Memory]:
            await partial(content)
            return []  # persist=False: the batch writes the turn's memories

        hops = message.metadata.get("hops", 0)
        turn = TurnContext(message.id, message.room, hops if isinstance(hops, int) else 0)
        token = current_turn.set(turn)
        try:
            memory = message_memory(message)
            reply_id = response_id(message.id, message.agent_id)
            if reply_id in self._known:
                known = {reply_id: self._known.pop(reply_id)}
                response = await runtime.process_message(
                    memory, persist=False, callback=on_partial, known_replies=known
                )
            else:
                response = await runtime.process_message(memory, persist=False, callback=on_partial)
        finally:
            current_turn.reset(token)
        if response.error is not None and response.content is None:
            raise TurnFailedError(response.error)
        if (
            self._agent_reply is not None
            and response.responded
            and response.content is not None
            and message.metadata.get("inter_agent")
            and not message.metadata.get("agent_reply")
            and "task_id" not in message.metadata  # a task's result goes to its requester
        ):
            await self._agent_reply(message, response.content)
        return Outcome(
            message,
            response.content if response.responded else None,
            replayed=response.replayed,
            model=response.model,
            records=() if response.replayed else tuple(response.memories),
        )

    async def persist(self, outcomes: Sequence[Outcome]) -> None:
        memories = [memory for outcome in outcomes for memory in outcome.records]
        if memories:
            await self._store.create_memories(memories)
