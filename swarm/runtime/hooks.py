"""Running the plugins' message and action hooks, in plugin load order.

``before_*`` hooks guard: they run one after another, each sees the previous one's output,
the first veto wins, and an exception propagates (a broken guard must not wave a message
through). ``after_*`` hooks observe: every one runs, and one that raises is logged without
stopping the rest.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

from swarm.runtime.components import Action, ActionResult
from swarm.runtime.logs import AgentLogger
from swarm.runtime.plugin import Plugin, Veto
from swarm.types import Memory

if TYPE_CHECKING:
    from swarm.runtime.runtime import AgentRuntime

__all__ = ["after_action", "after_message", "before_action", "before_message"]


def _signed(veto: Veto, plugin: Plugin) -> Veto:
    return veto if veto.plugin else dataclasses.replace(veto, plugin=plugin.name)


async def before_message(
    runtime: AgentRuntime, plugins: Iterable[Plugin], message: Memory
) -> Memory | Veto:
    """The message after every ``before_message`` hook, or the first :class:`Veto`."""
    for plugin in plugins:
        if plugin.before_message is None:
            continue
        outcome = await plugin.before_message(runtime, message)
        if isinstance(outcome, Veto):
            return _signed(outcome, plugin)
        if outcome is not None:
            message = outcome
    return message


async def before_action(
    runtime: AgentRuntime, plugins: Iterable[Plugin], action: Action, message: Memory
) -> Veto | None:
    """The first :class:`Veto` (``False`` counts as one) of the ``before_action`` hooks."""
    for plugin in plugins:
        if plugin.before_action is None:
            continue
        outcome = await plugin.before_action(runtime, action, message)
        if isinstance(outcome, Veto):
            return _signed(outcome, plugin)
        if outcome is False:
            return Veto(f"plugin {plugin.name!r} refused action {action.name!r}", plugin.name)
    return None


async def after_message(
    runtime: AgentRuntime,
    plugins: Iterable[Plugin],
    message: Memory,
    response: Memory | None,
    logger: AgentLogger,
) -> None:
    """Run every ``after_message`` hook; failures are logged and skipped."""
    for plugin in plugins:
        if plugin.after_message is None:
            continue
        try:
            await plugin.after_message(runtime, message, response)
        except Exception:
            logger.exception("after_message hook of plugin %r failed", plugin.name)


async def after_action(
    runtime: AgentRuntime,
    plugins: Iterable[Plugin],
    action: Action,
    message: Memory,
    result: ActionResult | None,
    logger: AgentLogger,
) -> None:
    """Run every ``after_action`` hook; failures are logged and skipped."""
    for plugin in plugins:
        if plugin.after_action is None:
            continue
        try:
            await plugin.after_action(runtime, action, message, result)
        except Exception:
            logger.exception(
                "after_action hook of plugin %r failed for action %r", plugin.name, action.name
            )
