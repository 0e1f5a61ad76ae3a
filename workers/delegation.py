"""The child's side of a delegated task, and control messages: authority first, then work.

An inbox entry whose metadata carries ``task_id`` is a delegated task. Its worker runs it
only when ``delegated_by`` is the agent's parent as recorded in the memory store (the
coordinator checked too; this check is what a crafted stream entry meets). The task row
goes ``pending -> running`` before the turn and ``running -> done / failed`` after it, each a
compare-and-set, so a coordinator that timed the task out meanwhile keeps its verdict.

An entry whose metadata carries ``control`` asks the worker itself for something
(``create_child``). It is accepted from a client (no ``from_agent``) or from the agent
itself, never from another agent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from swarm.bus import TASK_STATUS_FIELD, Message
from swarm.memory import Task
from swarm.types import Content, now_ms
from workers.handler import Outcome

__all__ = [
    "OPEN_STATES",
    "ControlHandler",
    "TaskRows",
    "begin_task",
    "control_authorized",
    "ended",
    "finish_task",
    "task_authorized",
]

OPEN_STATES = ("pending", "running")

ControlHandler = Callable[[str, Mapping[str, Any]], Awaitable[Content]]
"""Runs control request ``metadata`` for agent id; returns the reply content."""


class TaskRows(Protocol):
    """The part of ``MemoryStore`` that task rows need."""

    async def get_task(self, task_id: str) -> Task | None: ...

    async def update_task(
        self,
        task_id: str,
        *,
        status: str | None = None,
        metadata: dict[str, Any] | None = None,
        tags: Sequence[str] | None = None,
        description: str | None = None,
        expected: Sequence[str] | None = None,
    ) -> bool: ...


def task_authorized(message: Message, parents: Mapping[str, str | None]) -> bool:
    """True when the task's ``delegated_by`` is the receiving agent's recorded parent."""
    parent = parents.get(message.agent_id)
    return parent is not None and message.metadata.get("delegated_by") == parent


def control_authorized(message: Message) -> bool:
    """True for a control message from a client or from the agent itself."""
    sender = message.metadata.get("from_agent")
    return sender is None or sender == message.agent_id


def ended(message: Message, status: str, error: str) -> Outcome:
    """The outcome of a task that will not run (or failed): its status and why."""
    return Outcome(message, Content(data={TASK_STATUS_FIELD: status, "error": error}))


async def begin_task(tasks: TaskRows, task_id: str) -> str | None:
    """Mark the task running; None when it may run, else the status it already ended with."""
    task = await tasks.get_task(task_id)
    if task is None:
        return None  # no row (a store-less coordinator): the result alone tells the parent
    if task.status == "pending":
        metadata = {**task.metadata, "started_at": now_ms()}
        if await tasks.update_task(
            task_id, status="running", metadata=metadata, expected=("pending",)
        ):
            return None
        task = await tasks.get_task(task_id)
        if task is None:
            return None
    if task.status in ("running", "done"):
        return None  # a redelivery: the runtime replays a finished turn's stored reply
    return task.status


async def finish_task(tasks: TaskRows, task_id: str, status: str, **extra: Any) -> bool:
    """End an open task as ``status`` with ``extra`` in its metadata; False if it had ended."""
    task = await tasks.get_task(task_id)
    if task is None or task.status not in OPEN_STATES:
        return False
    metadata = {**task.metadata, **extra, "ended_at": now_ms()}
    return await tasks.update_task(task_id, status=status, metadata=metadata, expected=OPEN_STATES)
