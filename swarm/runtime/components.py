"""What a plugin contributes to an agent: actions, providers, evaluators, and the state they share.

All are plain slotted dataclasses holding async callables, so a plugin is written as data::

    async def ping(runtime, message, state, options, callback):
        return ActionResult(text="pong")

    PING = Action(name="PING", description="Answer pong.", handler=ping)

Every callable receives the :class:`~swarm.runtime.AgentRuntime` first, as in elizaOS.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from swarm.types import Content, Memory

if TYPE_CHECKING:
    from swarm.runtime.runtime import AgentRuntime

__all__ = [
    "Action",
    "ActionExample",
    "ActionHandler",
    "ActionResult",
    "Evaluator",
    "EvaluatorHandler",
    "HandlerCallback",
    "Provider",
    "ProviderGetter",
    "ProviderResult",
    "State",
    "Validator",
    "always_valid",
]

HandlerCallback = Callable[[Content], Awaitable[list[Memory]]]
"""``async callback(content) -> memories``: send a (partial) response; returns what it stored."""

Validator = Callable[["AgentRuntime", Memory, "State | None"], Awaitable[bool]]
"""``async validate(runtime, message, state) -> bool``: may this component run for the message?"""


@dataclass(slots=True, kw_only=True)
class ActionResult:
    """What an action (or evaluator) did; ``values`` merge into the state of later steps."""

    success: bool = True
    text: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    execution_time_ms: float | None = None


ActionHandler = Callable[
    ["AgentRuntime", Memory, "State | None", Mapping[str, Any] | None, HandlerCallback | None],
    Awaitable[ActionResult | None],
]
"""``async handler(runtime, message, state, options, callback) -> ActionResult | None``."""


@dataclass(frozen=True, slots=True)
class ActionExample:
    """One turn of an example conversation: who speaks (``{{user1}}``, the agent) and what."""

    name: str
    content: Content


async def always_valid(runtime: AgentRuntime, message: Memory, state: State | None) -> bool:
    """The default ``validate``: the component runs for every message."""
    return True


@dataclass(slots=True, kw_only=True)
class Action:
    """Something the agent can do in answer to a message."""

    name: str
    description: str
    handler: ActionHandler
    validate: Validator = always_valid
    similes: list[str] = field(default_factory=list)
    """Other names a model may use for this action."""
    examples: list[list[ActionExample]] = field(default_factory=list)
    """Example conversations showing when the action is chosen."""


@dataclass(slots=True, kw_only=True)
class ProviderResult:
    """A provider's contribution to the state: prompt text, template values, raw data."""

    text: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)


ProviderGetter = Callable[["AgentRuntime", Memory, "State"], Awaitable[ProviderResult]]
"""``async get(runtime, message, state) -> ProviderResult``."""


@dataclass(slots=True, kw_only=True)
class Provider:
    """Supplies context for the prompt when the state is composed."""

    name: str
    get: ProviderGetter
    description: str = ""
    dynamic: bool = False
    """Only run when asked for by name, not on every message."""
    private: bool = False
    """Never listed to the model; run only when asked for by name."""
    position: int = 0
    """Lower runs (and appears in the prompt) first; equal positions keep registration order."""


EvaluatorHandler = Callable[
    ["AgentRuntime", Memory, "State | None", Sequence[Memory]], Awaitable[ActionResult | None]
]
"""``async handler(runtime, message, state, responses) -> ActionResult | None``."""


@dataclass(slots=True, kw_only=True)
class Evaluator:
    """Looks at an exchange after the response (extract facts, reflect, score)."""

    name: str
    description: str
    handler: EvaluatorHandler
    validate: Validator = always_valid
    always_run: bool = False
    """Run on every message without asking ``validate``."""
    similes: list[str] = field(default_factory=list)
    examples: list[list[ActionExample]] = field(default_factory=list)

    async def should_run(self, runtime: AgentRuntime, message: Memory, state: State | None) -> bool:
        """True when the evaluator runs for this message: always, or when it validates."""
        return self.always_run or await self.validate(runtime, message, state)


@dataclass(slots=True, kw_only=True)
class State:
    """What is known while a message is handled: template values, raw data, prompt text.

    ``data["providers"]`` maps each provider name to its :class:`ProviderResult`.
    """

    values: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    text: str = ""

    @property
    def providers(self) -> dict[str, ProviderResult]:
        """The results of the providers that ran, by name."""
        results: dict[str, ProviderResult] = self.data.setdefault("providers", {})
        return results
