"""Logging for one agent: stdlib loggers under ``swarm.runtime`` with the agent bound in."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

__all__ = ["AgentLogger", "describe"]


class AgentLogger(logging.LoggerAdapter[logging.Logger]):
    """Prefixes each message with the agent's name and short id, and adds both as ``extra``.

    Records carry ``agent_name`` and ``agent_id`` attributes, so structured handlers can
    index them; the prefix keeps plain-text logs of a many-agent worker readable.
    """

    def __init__(self, name: str, agent_name: str, agent_id: str) -> None:
        super().__init__(logging.getLogger(name), {"agent_name": agent_name, "agent_id": agent_id})
        self.agent_name = agent_name
        self.agent_id = agent_id
        self._prefix = f"agent {agent_name} ({agent_id[:8]}): "

    def process(
        self, msg: Any, kwargs: MutableMapping[str, Any]
    ) -> tuple[Any, MutableMapping[str, Any]]:
        kwargs["extra"] = {**(self.extra or {}), **kwargs.get("extra", {})}
        return f"{self._prefix}{msg}", kwargs

    def child(self, suffix: str) -> AgentLogger:
        """The same agent's logger for a part of the runtime, e.g. ``swarm.runtime.services``."""
        return AgentLogger(f"{self.logger.name}.{suffix}", self.agent_name, self.agent_id)


def describe(exc: BaseException) -> str:
    """``"TypeName: message"`` (or just the type name when the message is empty)."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
