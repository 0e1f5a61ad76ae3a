"""The agent runtime: plugins, actions, providers, evaluators, services, models, events.

Everything a plugin author needs is importable from here::

    from swarm.runtime import Action, ActionResult, AgentRuntime, Plugin
"""

from __future__ import annotations

from swarm.models.types import ModelHandler, ModelType
from swarm.runtime.adapter import StoreAdapter
from swarm.runtime.builtins import IGNORE, NONE, REPLY
from swarm.runtime.components import (
    Action,
    ActionExample,
    ActionHandler,
    ActionResult,
    Evaluator,
    EvaluatorHandler,
    HandlerCallback,
    Provider,
    ProviderGetter,
    ProviderResult,
    State,
    Validator,
)
from swarm.runtime.events import EventHandler, EventType
from swarm.runtime.fleet import FLEET_SERVICE, FleetService, TurnContext, current_turn
from swarm.runtime.model_handlers import ModelRegistration
from swarm.runtime.plugin import Plugin, Veto
from swarm.runtime.resolve import ENTRY_POINT_GROUP
from swarm.runtime.response import Response
from swarm.runtime.runtime import AgentRuntime, RuntimeStatus
from swarm.runtime.services import Service, ServiceStatus
from swarm.types import Content, Memory

__all__ = [
    "ENTRY_POINT_GROUP",
    "FLEET_SERVICE",
    "IGNORE",
    "NONE",
    "REPLY",
    "Action",
    "ActionExample",
    "ActionHandler",
    "ActionResult",
    "AgentRuntime",
    "Content",
    "Evaluator",
    "EvaluatorHandler",
    "EventHandler",
    "EventType",
    "FleetService",
    "HandlerCallback",
    "Memory",
    "ModelHandler",
    "ModelRegistration",
    "ModelType",
    "Plugin",
    "Provider",
    "ProviderGetter",
    "ProviderResult",
    "Response",
    "RuntimeStatus",
    "Service",
    "ServiceStatus",
    "State",
    "StoreAdapter",
    "TurnContext",
    "Validator",
    "Veto",
    "current_turn",
]
