"""A plugin: a named bundle of components and lifecycle hooks, written as plain data.

::

    plugin = Plugin(
        name="weather",
        dependencies=["http"],
        actions=[GET_WEATHER],
        before_message=redact_secrets,
    )

Every hook is optional and async. ``before_message`` may return a modified message, or a
:class:`Veto` to drop the message; ``before_action`` may return ``False`` or a :class:`Veto`
to stop the action.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from swarm.models.types import ModelHandler, ModelType
from swarm.runtime.components import Action, ActionResult, Evaluator, Provider
from swarm.runtime.events import EventHandler
from swarm.runtime.services import Service
from swarm.types import Memory

if TYPE_CHECKING:
    from swarm.runtime.runtime import AgentRuntime

__all__ = [
    "AfterActionHook",
    "AfterMessageHook",
    "BeforeActionHook",
    "BeforeMessageHook",
    "InitHook",
    "LifecycleHook",
    "Plugin",
    "Veto",
]


@dataclass(frozen=True, slots=True)
class Veto:
    """Returned by a ``before_*`` hook to stop a message or an action, saying why.

    ``plugin`` is filled in by the runtime with the name of the plugin that vetoed.
    """

    reason: str
    plugin: str = ""


InitHook = Callable[[Mapping[str, Any], "AgentRuntime"], Awaitable[None]]
"""``async init(config, runtime)``: runs first when the plugin is registered."""

LifecycleHook = Callable[["AgentRuntime"], Awaitable[None]]
"""``async start(runtime)`` (after every service runs) / ``async stop(runtime)``."""

BeforeMessageHook = Callable[["AgentRuntime", Memory], Awaitable["Memory | Veto | None"]]
"""Return a replacement message, a :class:`Veto`, or None to pass the message on unchanged."""

AfterMessageHook = Callable[["AgentRuntime", Memory, "Memory | None"], Awaitable[None]]
"""``async after_message(runtime, message, response)``; ``response`` is None when silent."""

BeforeActionHook = Callable[["AgentRuntime", Action, Memory], Awaitable["bool | Veto | None"]]
"""Return ``False`` or a :class:`Veto` to stop the action; True or None lets it run."""

AfterActionHook = Callable[["AgentRuntime", Action, Memory, "ActionResult | None"], Awaitable[None]]
"""``async after_action(runtime, action, message, result)``."""


@dataclass(slots=True, kw_only=True)
class Plugin:
    """What a plugin adds to an agent, and the hooks it runs at each stage.

    ``dependencies`` name other plugins that must be registered first. ``config`` is
    passed to ``init``; a key whose value is None there is filled from
    ``runtime.get_setting(key)``. ``priority`` ranks this plugin's model handlers and
    breaks load-order ties. In lazy mode only ``core`` plugins load at start. An
    ``inheritable`` plugin is also loaded into every child agent its agent creates.
    """

    name: str
    description: str = ""
    dependencies: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    priority: int = 0
    core: bool = False
    inheritable: bool = False
    actions: list[Action] = field(default_factory=list)
    providers: list[Provider] = field(default_factory=list)
    evaluators: list[Evaluator] = field(default_factory=list)
    services: list[type[Service]] = field(default_factory=list)
    models: dict[ModelType, ModelHandler] = field(default_factory=dict)
    events: dict[str, list[EventHandler]] = field(default_factory=dict)
    init: InitHook | None = None
    start: LifecycleHook | None = None
    stop: LifecycleHook | None = None
    before_message: BeforeMessageHook | None = None
    after_message: AfterMessageHook | None = None
    before_action: BeforeActionHook | None = None
    after_action: AfterActionHook | None = None
