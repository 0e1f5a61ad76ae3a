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
    swarm:{<agent_id>}:routed:<bus id>  marker: this bus entry was routed to this agent
    swarm:{<agent_id>}:queued           stream: messages for a name nobody registered yet
    swarm:queued                        set: names with a queued stream (the coordinator drains)
    swarm:coordinator:<id>              a coordinator's presence key, refreshed with a TTL
    swarm:{<group_id>}:replicas         set: the routable replica names of group <name>
    swarm:{<group_id>}:rooms            hash: room -> replica name (a room sticks to one)
    swarm:{<group_id>}:picked:<msg id>  marker: the replica a group message was routed to
    swarm:{<group_id>}:turn             counter: the group's round-robin position

Consumer groups are not keys: one ``XREADGROUP`` names a single group for all the streams it
reads, so every inbox uses the same group name, :data:`WORKER_GROUP`.
"""

from __future__ import annotations

__all__ = [
    "COORDINATOR_GROUP",
    "PREFIX",
    "WORKER_GROUP",
    "bus_dead_letters",
    "bus_stream",
    "coordinator_pattern",
    "coordinator_presence",
    "dead_letters",
    "errors",
    "group_picked",
    "group_replicas",
    "group_rooms",
    "group_turn",
    "hash_tag",
    "inbox",
    "presence",
    "presence_pattern",
    "queued",
    "queued_names",
    "registry",
    "reply_stream",
    "routed",
]

PREFIX = "swarm"
WORKER_GROUP = "swarm:workers"
"""The consumer group of every inbox; each worker process is one consumer in it."""
COORDINATOR_GROUP = "swarm:coordinators"
"""The consumer group on the bus stream; each coordinator process is one consumer in it."""


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


def routed(agent_id: str, bus_entry_id: str) -> str:
    """Marker set when bus entry ``bus_entry_id`` was delivered to ``agent_id`` (idempotence)."""
    return f"{PREFIX}:{hash_tag(agent_id)}:routed:{bus_entry_id}"


def queued(agent_id: str) -> str:
    """Messages held for an agent nobody has registered yet (its would-be id's hash tag)."""
    return f"{PREFIX}:{hash_tag(agent_id)}:queued"


def queued_names() -> str:
    """Set of agent names that have a :func:`queued` stream waiting for a registration."""
    return f"{PREFIX}:queued"


def coordinator_presence(coordinator_id: str) -> str:
    """A coordinator's presence key; gone = its pending bus entries may be reclaimed."""
    return f"{PREFIX}:coordinator:{coordinator_id}"


def coordinator_pattern() -> str:
    """``SCAN`` pattern matching every coordinator's presence key."""
    return f"{PREFIX}:coordinator:*"


def bus_dead_letters() -> str:
    """Bus entries the coordinator could not route (undecodable, unknown id, hop limit)."""
    return f"{PREFIX}:bus:dead"


def group_replicas(group_id: str) -> str:
    """Set of the replica names the coordinator routes group ``group_id``'s messages to."""
    return f"{PREFIX}:{hash_tag(group_id)}:replicas"


def group_rooms(group_id: str) -> str:
    """Hash room -> replica name: the replica each room of the group sticks to."""
    return f"{PREFIX}:{hash_tag(group_id)}:rooms"


def group_picked(group_id: str, message_id: str) -> str:
    """Marker holding the replica a group message went to (a re-route picks the same one)."""
    return f"{PREFIX}:{hash_tag(group_id)}:picked:{message_id}"


def group_turn(group_id: str) -> str:
    """The group's round-robin counter."""
    return f"{PREFIX}:{hash_tag(group_id)}:turn"
