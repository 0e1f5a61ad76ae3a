"""The actions every agent has, as elizaOS's bootstrap plugin gives them: REPLY, IGNORE, NONE.

A plugin may define an action of the same name; the plugin's wins.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from swarm.models.offline import OFFLINE_PRIORITY, OfflineModel
from swarm.runtime.components import Action, ActionResult, HandlerCallback, State
from swarm.types import Content, Memory

if TYPE_CHECKING:
    from swarm.runtime.runtime import AgentRuntime

__all__ = ["BUILTIN_ACTIONS", "IGNORE", "NONE", "REPLY", "add_defaults"]


async def _reply(
    runtime: AgentRuntime,
    message: Memory,
    state: State | None,
    options: Mapping[str, Any] | None,
    callback: HandlerCallback | None,
) -> ActionResult:
    text = str((options or {}).get("text") or "")
    if text and callback is not None:
        thought = (options or {}).get("thought") or None
        await callback(Content(text=text, thought=thought, actions=["REPLY"]))
    return ActionResult(text=text, success=bool(text), error=None if text else "nothing to say")


async def _ignore(
    runtime: AgentRuntime,
    message: Memory,
    state: State | None,
    options: Mapping[str, Any] | None,
    callback: HandlerCallback | None,
) -> ActionResult:
    return ActionResult(values={"ignored": True})


async def _none(
    runtime: AgentRuntime,
    message: Memory,
    state: State | None,
    options: Mapping[str, Any] | None,
    callback: HandlerCallback | None,
) -> ActionResult:
    return ActionResult()


REPLY = Action(
    name="REPLY",
    description="Reply to the message with text; the default when no other action fits.",
    handler=_reply,
    similes=["RESPOND", "RESPONSE", "GREET", "CHAT", "ANSWER"],
)
IGNORE = Action(
    name="IGNORE",
    description="Stay silent: the message is not for the agent, or the conversation is over.",
    handler=_ignore,
    similes=["STOP_TALKING", "STOP_CHATTING", "STOP", "SILENT"],
)
NONE = Action(
    name="NONE",
    description="Take no action beyond the text of the answer.",
    handler=_none,
    similes=["NO_ACTION", "NOTHING", "NO_OP"],
)

BUILTIN_ACTIONS = (REPLY, IGNORE, NONE)


def add_defaults(runtime: AgentRuntime, deferred_models: Collection[str] = ()) -> None:
    """Give ``runtime`` what every agent has once its plugins are registered.

    The built-in actions, unless a plugin defines its own of the same name; and the
    offline model for each of its model types that no plugin provides (nor, in lazy mode,
    ``deferred_models``), so an agent with no model configured still answers.
    """
    for action in BUILTIN_ACTIONS:
        if action.name not in runtime.actions:
            runtime.register_action(action)
    offline = OfflineModel()
    missing = [
        (model_type, handler)
        for model_type, handler in offline.handlers().items()
        if not runtime.get_model_handlers(model_type) and str(model_type) not in deferred_models
    ]
    for model_type, handler in missing:
        runtime.register_model(model_type, handler, offline.name, OFFLINE_PRIORITY)
    if missing:
        runtime.logger.debug("model: offline (for %s)", ", ".join(sorted(t for t, _ in missing)))
