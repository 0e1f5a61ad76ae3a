"""Delegation on the wire: a ``delegate`` bus command out, one final reply entry back.

The requester (a client, or a parent agent's worker) names a task id and a result stream,
``XADD``s ``kind=delegate`` to the bus and reads the result stream until a final entry
arrives. Whoever ends the task writes that entry: the child's worker (its answer, or a
refusal), or the coordinator (a refusal, a timeout, a crashed child). The entry is a normal
reply entry; ``content.data.task_status`` says how the task ended when it is not ``done``.
"""

from __future__ import annotations

import uuid
from typing import Any

import anyio

from swarm.bus.commands import BusCommand, publish
from swarm.bus.connection import Redis
from swarm.bus.envelope import Reply, decode_reply
from swarm.bus.keys import reply_stream
from swarm.errors import ProtocolError
from swarm.hierarchy import TASK_STATES, TaskResult, TaskState
from swarm.types import now_ms

__all__ = [
    "RESULT_GRACE_S",
    "TASK_STATUS_FIELD",
    "delegate",
    "result_stream",
    "task_result",
]

TASK_STATUS_FIELD = "task_status"
"""Key in a result entry's ``content.data``: how the task ended when it is not ``done``."""
RESULT_GRACE_S = 3.0
"""How long past its timeout a requester waits for the coordinator to report a timeout; after
it, the requester reports one itself (no coordinator running)."""
_POLL_MS = 500


def result_stream(task_id: str) -> str:
    """The stream a delegated task's result is written to (under the task id's hash tag)."""
    return reply_stream(task_id, "result")


def task_result(reply: Reply, task_id: str, *, parent: str = "", child: str = "") -> TaskResult:
    """The TaskResult a final result entry means."""
    data: dict[str, Any] = reply.content.data
    given = data.get(TASK_STATUS_FIELD)
    status: TaskState = "done" if reply.kind == "reply" else "failed"
    if isinstance(given, str) and given in TASK_STATES:
        status = given  # type: ignore[assignment]  # checked against TASK_STATES
    error = reply.error or data.get("error")
    return TaskResult(
        task_id=task_id,
        status=status,
        text=reply.text if status == "done" else "",
        error=None if status == "done" else str(error or status),
        parent=parent,
        child=child,
    )


async def delegate(
    redis: Redis,
    parent: str,
    child: str,
    text: str,
    *,
    timeout_s: float,
    task_id: str | None = None,
    sender_name: str = "",
    room: str | None = None,
    hops: int = 0,
) -> TaskResult:
    """Ask the coordinator to have ``child`` do ``text`` for ``parent``; wait for the result.

    Never hangs: past ``timeout_s`` (plus :data:`RESULT_GRACE_S` for the coordinator to say
    so) the result is ``timed_out``.
    """
    if timeout_s <= 0:
        raise ProtocolError(f"timeout_s must be positive, got {timeout_s}")
    task_id = task_id or str(uuid.uuid4())
    stream = result_stream(task_id)
    await publish(
        redis,
        BusCommand(
            kind="delegate",
            to=child,
            text=text,
            message_id=task_id,
            sender=parent,
            sender_name=sender_name,
            room=room,
            reply_to=stream,
            hops=hops,
            timeout_ms=int(timeout_s * 1000),
            sent_at=now_ms(),
        ),
    )
    deadline = anyio.current_time() + timeout_s + RESULT_GRACE_S
    last_id = "0"
    try:
        while True:
            remaining_ms = int((deadline - anyio.current_time()) * 1000)
            if remaining_ms <= 0:
                return TaskResult(
                    task_id=task_id,
                    status="timed_out",
                    error=f"no result within {timeout_s:g}s and no coordinator reported one; "
                    "check that a coordinator runs (`swarm coordinator`)",
                    parent=parent,
                    child=child,
                )
            found: Any = await redis.xread(
                {stream: last_id}, count=10, block=max(1, min(remaining_ms, _POLL_MS))
            )
            for _, items in found or []:
                for entry_id, fields in items:
                    last_id = entry_id.decode()
                    try:
                        reply = decode_reply(fields)
                    except ProtocolError:
                        continue
                    if reply.message_id != task_id or reply.kind == "partial":
                        continue
                    return task_result(reply, task_id, parent=parent, child=child)
    finally:
        with anyio.CancelScope(shield=True), anyio.move_on_after(1):
            await redis.delete(stream)
