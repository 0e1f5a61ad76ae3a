"""Plugin names in a character, mapped onto swarm's plugins.

elizaOS characters list npm packages (``@elizaos/plugin-sql``...), TypeScript code swarm
cannot run. Those with a swarm equivalent are mapped to it; the others are ignored and
reported, never fatal. Any other name is taken as a swarm plugin name (an entry point in
the ``swarm.plugins`` group, or a plugin handed to the runtime) and kept as written.

A name is an elizaOS (npm) package when it is scoped (``@scope/name``) or starts with
``plugin-``, ``eliza-plugin-`` or ``elizaos-plugin-``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["PluginNames", "SwarmPlugin", "resolve_plugin_names"]


class SwarmPlugin(StrEnum):
    """swarm's built-in plugins that stand in for elizaOS ones."""

    BOOTSTRAP = "bootstrap"
    """Message handling, the core actions, providers and evaluators (plugin-bootstrap)."""
    MEMORY_STORE = "memory-store"
    """The shared memory store, PostgreSQL or SQLite (plugin-sql)."""
    OPENAI_COMPATIBLE = "openai-compatible"
    """The model provider for any OpenAI-compatible endpoint (plugin-openai, -ollama...)."""


_ELIZA_SCOPES = ("@elizaos/", "@elizaos-plugins/")
_UNSCOPED_PREFIXES = ("plugin-", "eliza-plugin-", "elizaos-plugin-")
# Providers whose APIs speak the OpenAI wire format (chat completions, embeddings).
_OPENAI_COMPATIBLE = ("openai", "ollama", "openrouter", "groq", "deepseek", "lmstudio", "xai")
_EQUIVALENTS: dict[str, SwarmPlugin] = {
    "plugin-sql": SwarmPlugin.MEMORY_STORE,
    "plugin-bootstrap": SwarmPlugin.BOOTSTRAP,
    **{f"plugin-{name}": SwarmPlugin.OPENAI_COMPATIBLE for name in _OPENAI_COMPATIBLE},
}


@dataclass(frozen=True)
class PluginNames:
    """A character's plugins: ``swarm`` to load (deduplicated, in order), ``ignored``."""

    swarm: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def is_eliza_package(name: str) -> bool:
    """True when ``name`` is an npm package name rather than a swarm plugin name."""
    return name.startswith("@") or name.startswith(_UNSCOPED_PREFIXES)


def _equivalent(name: str) -> SwarmPlugin | None:
    for scope in _ELIZA_SCOPES:
        if name.startswith(scope):
            return _EQUIVALENTS.get(name.removeprefix(scope))
    return None


def resolve_plugin_names(names: Iterable[str]) -> PluginNames:
    """Map a character's ``plugins`` onto swarm plugin names; pure, it logs nothing."""
    swarm: list[str] = []
    ignored: list[str] = []
    for raw in names:
        name = raw.strip()
        if not is_eliza_package(name):
            mapped: str | None = name or None
        else:
            mapped = _equivalent(name)
            if mapped is None:
                if name not in ignored:
                    ignored.append(name)
                continue
        if mapped is not None and mapped not in swarm:
            swarm.append(str(mapped))
    return PluginNames(swarm=swarm, ignored=ignored)
