"""swarm: run elizaOS-style agents as a durable fleet on Redis Streams and PostgreSQL.

The public surface for people embedding swarm in Python::

    from swarm import AgentRuntime, Character, load_character, string_to_uuid

Subpackages (``swarm.characters``, ``swarm.runtime``, ``swarm.models``, ...) hold the rest;
each lists its public names in ``__all__``.
"""

from swarm.characters import (
    Agent,
    AgentStatus,
    Character,
    ValidationResult,
    create_agent,
    load_character,
    load_characters,
    prepare_character,
    validate_character,
)
from swarm.errors import SwarmError
from swarm.ids import string_to_uuid
from swarm.models import ModelType
from swarm.runtime import (
    Action,
    ActionResult,
    AgentRuntime,
    Evaluator,
    Plugin,
    Provider,
    ProviderResult,
    Response,
    Service,
    ServiceStatus,
    State,
)
from swarm.settings import Settings
from swarm.types import Content, Memory

__version__ = "0.1.0"

__all__ = [
    "Action",
    "ActionResult",
    "Agent",
    "AgentRuntime",
    "AgentStatus",
    "Character",
    "Content",
    "Evaluator",
    "Memory",
    "ModelType",
    "Plugin",
    "Provider",
    "ProviderResult",
    "Response",
    "Service",
    "ServiceStatus",
    "Settings",
    "State",
    "SwarmError",
    "ValidationResult",
    "__version__",
    "create_agent",
    "load_character",
    "load_characters",
    "prepare_character",
    "string_to_uuid",
    "validate_character",
]
