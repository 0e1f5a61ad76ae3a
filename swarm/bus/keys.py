"""Every Redis key swarm uses, built in one place.

Each key that belongs to one agent carries the hash tag ``{<agent_id>}``, so every key a
multi-key command touches for that agent hashes to one Redis Cluster slot::

    swarm:{<agent_id>}:inbox            the agent's inbox stream (its durable offline queue)
    swarm:{<agent_id>}:dead             its dead-letter stream
    swarm:{<agent_id>}:errors           hash: entry id -> last handler error (until acked)
    swarm:{<agent_id>}:reply:<token>    a reply stream named by a sender (see docs/protocol.md)
    swarm:agents                        registry hash: agent name -> AgentRecord (JSON)
    swarm:worker:<worker_id>            a worker's presence key, refreshed with a TTL
    swarm:bus                           the coordinator's stream (issue 6)

Consumer groups are not keys: one ``XREADGROUP`` names a single group for all the streams it
reads, so every inbox uses the same group name, :data:`WORKER_GROUP`.
"""

from __future__ import annotations

__all__ = [
    "PREFIX",
    "WORKER_GROUP",
    "bus_stream",
    "dead_letters",
    "errors",
    "hash_tag",
    "inbox",
    "presence",
    "presence_pattern",
    "registry",
    "reply_stream",
]

PREFIX = "swarm"
WORKER_GROUP = "swarm:workers"
"""The consumer group of every inbox; each worker process is one consumer in it."""


def hash_tag(agent_id: str) -> str:
    """``{<agent_id>}``: the Redis Cluster hash tag shared by all of one agent's keys."""
    if not agent_id or "{" in agent_id or "}" in agent_id:
        raise ValueError(f"agent id {agent_id!r} cannot be used in a key; use a UUID")
    return "{" + agent_id + "}"


def inbox(agent_id: str) -> str:
    """The inbox stream of ``agent_id``: senders ``XADD`` messages here."""
    return f"{PREFIX}:{hash_tag(agent_id)}:inbox"


def dead_letters(agent_id: str) -> str:
    """Where ``agent_id``'s undecodable or repeatedly failing messages end up."""
    return f"{PREFIX}:{hash_tag(agent_id)}:dead"


def errors(agent_id: str) -> str:
    """Hash of the last error of each failing entry, kept until it is acked or dead-lettered."""
    return f"{PREFIX}:{hash_tag(agent_id)}:errors"


def reply_stream(agent_id: str, token: str) -> str:
    """A reply stream for one sender (or one message) talking to ``agent_id``."""
    return f"{PREFIX}:{hash_tag(agent_id)}:reply:{token}"


def registry() -> str:
    """The hash of registered agents: field = agent name, value = JSON ``AgentRecord``."""
    return f"{PREFIX}:agents"


def presence(worker_id: str) -> str:
    """A worker's presence key; it exists while the worker's heartbeat is alive."""
    return f"{PREFIX}:worker:{worker_id}"


def presence_pattern() -> str:
    """``SCAN`` pattern matching every worker's presence key."""
    return f"{PREFIX}:worker:*"


def bus_stream() -> str:
    """The stream agents use to reach the coordinator (routing, broadcast; issue 6)."""
    return f"{PREFIX}:bus"
