"""Runtime events: named hooks any plugin can listen to; one failing listener spoils nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import anyio

from swarm.runtime.logs import AgentLogger

if TYPE_CHECKING:
    from swarm.runtime.runtime import AgentRuntime

__all__ = ["EventBus", "EventHandler", "EventType"]

EventHandler = Callable[["AgentRuntime", Mapping[str, Any]], Awaitable[None]]
"""``async handler(runtime, payload)``."""


class EventType(StrEnum):
    """The events the runtime emits, named as in elizaOS; plugins may emit their own names."""

    WORLD_JOINED = "WORLD_JOINED"
    WORLD_CONNECTED = "WORLD_CONNECTED"
    WORLD_LEFT = "WORLD_LEFT"
    ENTITY_JOINED = "ENTITY_JOINED"
    ENTITY_LEFT = "ENTITY_LEFT"
    ROOM_JOINED = "ROOM_JOINED"
    ROOM_LEFT = "ROOM_LEFT"
    MESSAGE_RECEIVED = "MESSAGE_RECEIVED"
    MESSAGE_SENT = "MESSAGE_SENT"
    MESSAGE_DELETED = "MESSAGE_DELETED"
    ACTION_STARTED = "ACTION_STARTED"
    ACTION_COMPLETED = "ACTION_COMPLETED"
    EVALUATOR_STARTED = "EVALUATOR_STARTED"
    EVALUATOR_COMPLETED = "EVALUATOR_COMPLETED"
    RUN_STARTED = "RUN_STARTED"
    RUN_ENDED = "RUN_ENDED"
    RUN_TIMEOUT = "RUN_TIMEOUT"
    MODEL_USED = "MODEL_USED"
    RESPONSE_PARTIAL = "RESPONSE_PARTIAL"
    """A handler sent (part of) a response through its callback; payload: message, content."""


class EventBus:
    """Listeners by event name, run together when the event is emitted."""

    def __init__(self, runtime: AgentRuntime, logger: AgentLogger) -> None:
        self._runtime = runtime
        self._log = logger
        self._handlers: dict[str, list[EventHandler]] = {}

    def on(self, event: EventType | str, handler: EventHandler) -> None:
        """Call ``handler`` on every later ``emit(event, ...)``, after those added before it."""
        self._handlers.setdefault(str(event), []).append(handler)

    def handlers(self, event: EventType | str) -> list[EventHandler]:
        """The listeners of ``event``, in the order they were added."""
        return list(self._handlers.get(str(event), ()))

    def has_handlers(self, event: EventType | str) -> bool:
        """True when ``event`` has a listener (without copying the list of them)."""
        return bool(self._handlers.get(str(event)))

    async def emit(self, event: EventType | str, payload: Mapping[str, Any]) -> None:
        """Run every listener of ``event`` concurrently and wait for all of them.

        A listener that raises is logged with its traceback; the others still run and
        ``emit`` itself does not raise (cancellation still propagates).
        """
        handlers = self._handlers.get(str(event))
        if not handlers:
            return
        if len(handlers) == 1:  # the common case pays for no task group
            await self._run(str(event), handlers[0], payload)
            return
        async with anyio.create_task_group() as tg:
            for handler in handlers:
                tg.start_soon(self._run, str(event), handler, payload)

    async def _run(self, event: str, handler: EventHandler, payload: Mapping[str, Any]) -> None:
        try:
            await handler(self._runtime, payload)
        except Exception:
            name = getattr(handler, "__qualname__", repr(handler))
            self._log.exception("listener %s of event %s failed; other listeners ran", name, event)
