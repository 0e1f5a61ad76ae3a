"""Running one chosen action: before-action guards, the handler with a streaming callback,
after-action observers, and an :class:`ActionResult` whatever happens.

A veto (or a guard that raises) gives a failed result "Blocked by plugin" and the handler
does not run; a handler that raises gives a failed result carrying the error. The turn goes
on either way.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from swarm.runtime.components import Action, ActionResult, HandlerCallback, State
from swarm.runtime.events import EventType
from swarm.runtime.logs import describe
from swarm.types import Content, Memory

if TYPE_CHECKING:
    from swarm.runtime.runtime import AgentRuntime

__all__ = ["BLOCKED", "Outbox", "execute_action"]

BLOCKED = "Blocked by plugin"


class Outbox:
    """The callback handed to action handlers: every content sent is a (partial) response.

    Each content is emitted as a ``RESPONSE_PARTIAL`` event and passed to the caller's own
    callback; the last one sent is the turn's reply.
    """

    __slots__ = ("_forward", "_message", "_runtime", "sent")

    def __init__(
        self, runtime: AgentRuntime, message: Memory, forward: HandlerCallback | None
    ) -> None:
        self._runtime = runtime
        self._message = message
        self._forward = forward
        self.sent: list[Content] = []

    @property
    def last(self) -> Content | None:
        """The last content sent, or None."""
        return self.sent[-1] if self.sent else None

    async def __call__(self, content: Content) -> list[Memory]:
        self.sent.append(content)
        runtime = self._runtime
        if runtime.events.has_handlers(EventType.RESPONSE_PARTIAL):
            await runtime.emit(
                EventType.RESPONSE_PARTIAL, {"message": self._message, "content": content}
            )
        if self._forward is not None:
            await self._forward(content)
        return []


async def _guard(runtime: AgentRuntime, action: Action, message: Memory) -> ActionResult | None:
    try:
        veto = await runtime.run_before_action(action, message)
    except Exception as exc:
        runtime.logger.warning(
            "a before_action hook raised for action %r (%s); the action is blocked",
            action.name,
            describe(exc),
        )
        return ActionResult(success=False, error=BLOCKED, data={"reason": describe(exc)})
    if veto is None:
        return None
    return ActionResult(
        success=False, error=BLOCKED, data={"reason": veto.reason, "plugin": veto.plugin}
    )


async def execute_action(
    runtime: AgentRuntime,
    action: Action,
    message: Memory,
    state: State,
    options: Mapping[str, Any],
    outbox: Outbox,
) -> ActionResult:
    """Run ``action`` for ``message`` (see the module docstring); never raises an Exception."""
    blocked = await _guard(runtime, action, message)
    if blocked is not None:
        blocked.execution_time_ms = 0.0
        runtime.metrics.record("action", action.name, 0.0, ok=False)
        return blocked
    started = time.perf_counter()
    try:
        outcome = await action.handler(runtime, message, state, options, outbox)
    except Exception as exc:
        runtime.logger.warning("action %r failed: %s", action.name, describe(exc))
        result = ActionResult(success=False, error=describe(exc))
    else:
        result = outcome if isinstance(outcome, ActionResult) else ActionResult()
    elapsed_ms = (time.perf_counter() - started) * 1000.0
    result.execution_time_ms = elapsed_ms
    runtime.metrics.record("action", action.name, elapsed_ms, ok=result.success)
    await runtime.run_after_action(action, message, result)
    return result
