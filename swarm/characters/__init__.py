"""Characters: who an agent is, in elizaOS's format, loaded from files, URLs, modules or env.

Start with ``await load_characters(source)``; check files with ``validate_source``.
"""

from swarm.characters.agent import Agent, AgentStatus, create_agent
from swarm.characters.loader import load_character, load_characters, validate_source
from swarm.characters.model import (
    Character,
    ExampleContent,
    KnowledgeDirectory,
    KnowledgeFile,
    KnowledgeItem,
    MessageExample,
    Style,
)
from swarm.characters.plugins import PluginNames, SwarmPlugin, resolve_plugin_names
from swarm.characters.prepare import prepare_character
from swarm.characters.sources import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_S
from swarm.characters.validation import ValidationResult, validate_character

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT_S",
    "Agent",
    "AgentStatus",
    "Character",
    "ExampleContent",
    "KnowledgeDirectory",
    "KnowledgeFile",
    "KnowledgeItem",
    "MessageExample",
    "PluginNames",
    "Style",
    "SwarmPlugin",
    "ValidationResult",
    "create_agent",
    "load_character",
    "load_characters",
    "prepare_character",
    "resolve_plugin_names",
    "validate_character",
    "validate_source",
]
