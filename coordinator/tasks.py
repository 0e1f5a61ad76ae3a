"""Delegated tasks: the authority check, the task row, delivery to the child, and the end.

A ``delegate`` bus entry (parent ``sender``, child ``to``, task id ``id``, result stream
``reply_to``, ``timeout_ms``) is handled in this order:

1. authority: the child must be registered with the sender as its parent, and a parent that
   is itself a child needs ``can_control_children``; otherwise the result is ``refused``
   with :data:`~swarm.hierarchy.NO_AUTHORITY` and no row is created;
2. a task row (tag ``delegation``) is created ``pending`` (idempotent: its id is the task id);
3. no live worker hosts the child: the task ``failed`` (crashed child) at once;
4. otherwise the task goes to the child's inbox (idempotent routing) with ``task_id`` and
   ``delegated_by`` metadata; the child's worker sets ``running``, then ``done``/``failed``,
   and writes the result to ``reply_to`` itself.

:meth:`Delegations.sweep` (every ``task_sweep_every_s``) ends what nobody else will: tasks
past their deadline become ``timed_out``, tasks whose child lost its last live worker become
``failed``. Every end is a compare-and-set on the row's status, so the worker and any number
of coordinators agree on one outcome, and only the winner writes the result entry.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import msgspec

from coordinator.routing import Router, deliver
from swarm.bus import (
    DEFAULT_ROOM,
    TASK_STATUS_FIELD,
    AgentRecord,
    BusCommand,
    Redis,
    Reply,
    encode_reply,
    live_workers,
    room_id,
)
from swarm.hierarchy import DELEGATION_TAG, NO_AUTHORITY, permissions_of
from swarm.memory import MemoryStore, Task
from swarm.types import Content, now_ms

__all__ = ["OPEN_STATES", "Delegations"]

log = logging.getLogger("swarm.coordinator")

OPEN_STATES = ("pending", "running")
"""Task statuses that may still end (the compare-and-set's expected values)."""


class Delegations:
    """Starts delegated tasks and ends the ones that timed out or lost their child."""

    def __init__(
        self, redis: Redis, store: MemoryStore | None, router: Router, *, result_ttl_s: int
    ) -> None:
        self._redis = redis
        self._store = store
        self._router = router
        self._result_ttl_s = result_ttl_s

    async def start(self, command: BusCommand, task_id: str, agents: Sequence[AgentRecord]) -> str:
        """Handle one ``delegate`` command; return the task's status after this step."""
        parent = _find(agents, command.sender)
        child = _find(agents, command.to)
        room = command.room or DEFAULT_ROOM
        if parent is None or child is None or child.parent != parent.id:
            who = parent.name if parent else command.sender
            log.warning("refused a delegation from %r to %r: not its parent", who, command.to)
            await self._result(command.reply_to, task_id, command.to, room, "refused", NO_AUTHORITY)
            return "refused"
        if self._store is None:
            await self._result(
                command.reply_to,
                task_id,
                child.id,
                room,
                "failed",
                "this coordinator has no memory store for task rows; start it with "
                "SWARM_DATABASE_URL set",
            )
            return "failed"
        stored_parent = await self._store.get_agent(parent.id)
        if (
            stored_parent is not None
            and not permissions_of(stored_parent.data).can_control_children
        ):
            log.warning("refused a delegation from %r: it may not control children", parent.name)
            await self._result(command.reply_to, task_id, child.id, room, "refused", NO_AUTHORITY)
            return "refused"
        timeout_ms = command.timeout_ms or 30_000
        metadata: dict[str, Any] = {
            "parent": parent.id,
            "parent_name": parent.name,
            "child": child.id,
            "child_name": child.name,
            "reply_to": command.reply_to,
            "room": room,
            "timeout_ms": timeout_ms,
            "deadline_at": (command.sent_at or now_ms()) + timeout_ms,
        }
        await self._store.create_task(
            Task(
                id=task_id,
                name="delegation",
                agent_id=child.id,
                entity_id=parent.id,
                description=command.text,
                tags=[DELEGATION_TAG],
                metadata=metadata,
                room_id=room_id(room),
            )
        )
        if not (await live_workers(self._redis)).get(child.id):
            await self.end(
                task_id,
                "failed",
                f"crashed: no live worker hosts agent {child.name!r}; start a worker that "
                "hosts its parent (children are hosted with their parent)",
            )
            return "failed"
        task_command = msgspec.structs.replace(
            command,
            kind="send",
            sender=parent.id,
            sender_name=parent.name,
            metadata={
                **command.metadata,
                "task_id": task_id,
                "delegated_by": parent.id,
            },
        )
        await deliver(self._router, child, task_command, task_id)
        log.info("delegated task %s from %s to %s", task_id, parent.name, child.name)
        return "pending"

    async def report(self, command: BusCommand, task_id: str, error: str) -> None:
        """Tell a requester its delegation failed before it could be tracked."""
        room = command.room or DEFAULT_ROOM
        await self._result(command.reply_to, task_id, command.to, room, "failed", error)

    async def end(self, task_id: str, status: str, error: str) -> bool:
        """End an open task as ``status`` (compare-and-set); the winner writes the result."""
        if self._store is None:
            return False
        task = await self._store.get_task(task_id)
        if task is None or task.status not in OPEN_STATES:
            return False
        metadata = {**task.metadata, "error": error, "ended_at": now_ms()}
        won = await self._store.update_task(
            task_id, status=status, metadata=metadata, expected=OPEN_STATES
        )
        if won:
            log.info("task %s %s: %s", task_id, status, error)
            await self._result(
                metadata.get("reply_to"),
                task_id,
                str(metadata.get("child", task.agent_id)),
                str(metadata.get("room", DEFAULT_ROOM)),
                status,
                error,
            )
        return won

    async def sweep(self) -> int:
        """Time out overdue tasks and fail those whose child has no live worker; how many."""
        if self._store is None:
            return 0
        open_tasks: list[Task] = []
        for status in OPEN_STATES:
            open_tasks += await self._store.get_tasks(tags=[DELEGATION_TAG], status=status)
        if not open_tasks:
            return 0
        presence = await live_workers(self._redis)
        ended = 0
        now = now_ms()
        for task in open_tasks:
            assert task.id is not None
            deadline = task.metadata.get("deadline_at")
            name = task.metadata.get("child_name", task.agent_id)
            if isinstance(deadline, int) and deadline < now:
                timeout_s = int(task.metadata.get("timeout_ms", 0)) / 1000
                reason = f"timed out: {name!r} did not finish within {timeout_s:g}s"
                ended += await self.end(task.id, "timed_out", reason)
            elif not presence.get(task.agent_id):
                reason = (
                    f"crashed: the worker of {name!r} died mid-task and no live worker hosts it now"
                )
                ended += await self.end(task.id, "failed", reason)
        return ended

    async def _result(
        self, stream: str | None, task_id: str, agent_id: str, room: str, status: str, error: str
    ) -> None:
        if not stream:
            return
        reply = Reply(
            kind="error",
            message_id=task_id,
            agent_id=agent_id,
            room_id=room_id(room),
            content=Content(data={TASK_STATUS_FIELD: status, "error": error}),
            responded=False,
            error=error,
        )
        pipe = self._redis.pipeline(transaction=False)
        pipe.xadd(stream, encode_reply(reply))  # type: ignore[arg-type]
        pipe.expire(stream, self._result_ttl_s)
        await pipe.execute()


def _find(agents: Sequence[AgentRecord], to: str) -> AgentRecord | None:
    for record in agents:
        if record.name == to or record.id == to:
            return record
    return None
