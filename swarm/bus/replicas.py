"""Replica groups: several agents from one character, addressed as one name.

A worker started with ``--replicas N`` hosts agents ``<name>#1`` .. ``<name>#N`` (ids
``string_to_uuid`` of those names), each registered with ``group=<name>`` and listed in the
group's routable set (``swarm:{<string_to_uuid(name)>}:replicas``). The coordinator routes a
message for ``<name>`` (or its id ``string_to_uuid(name)``) to one routable replica; a
replica's own name or id reaches that replica. Scaling down removes names from the routable
set only: their workers keep serving their inboxes until they are empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from swarm.bus.connection import Redis
from swarm.bus.keys import group_replicas
from swarm.bus.registry import AgentRecord
from swarm.ids import string_to_uuid

__all__ = [
    "REPLICA_SEPARATOR",
    "add_replicas",
    "group_id",
    "group_members",
    "replica_index",
    "replica_name",
    "retire_replicas",
    "routable_replicas",
]

REPLICA_SEPARATOR = "#"
"""``<group>#<n>``: the name of a group's n-th replica."""


def group_id(group: str) -> str:
    """The id a group is addressed by (and the hash tag of its keys): ``string_to_uuid``."""
    return string_to_uuid(group)


def replica_name(group: str, index: int) -> str:
    """The name of ``group``'s replica number ``index`` (from 1)."""
    if index < 1:
        raise ValueError(f"replica numbers start at 1, got {index}")
    return f"{group}{REPLICA_SEPARATOR}{index}"


def replica_index(name: str) -> int:
    """The number of replica ``name`` (``Ada#3`` -> 3); 0 when it is not a replica name."""
    _, sep, number = name.rpartition(REPLICA_SEPARATOR)
    return int(number) if sep and number.isdigit() else 0


async def add_replicas(redis: Redis, group: str, names: Iterable[str]) -> None:
    """Make replicas ``names`` routable for ``group``."""
    members = list(names)
    if members:
        await redis.sadd(group_replicas(group_id(group)), *members)


async def retire_replicas(redis: Redis, group: str, names: Iterable[str]) -> int:
    """Stop routing ``group``'s messages to ``names`` (their inboxes still drain)."""
    members = list(names)
    if not members:
        return 0
    return int(await redis.srem(group_replicas(group_id(group)), *members))


async def routable_replicas(redis: Redis, group: str) -> list[str]:
    """The names the coordinator may route ``group``'s messages to, by replica number."""
    raw = await redis.smembers(group_replicas(group_id(group)))
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in raw]
    return sorted(names, key=lambda n: (replica_index(n), n))


def group_members(agents: Sequence[AgentRecord], group: str) -> list[AgentRecord]:
    """The registered replicas of ``group`` (routable or not), by replica number."""
    found = [a for a in agents if a.group == group]
    return sorted(found, key=lambda a: (replica_index(a.name), a.name))
