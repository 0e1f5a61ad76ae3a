"""Who is there and how they are doing: the registry joined with presence and inbox figures.

What ``swarm agents`` prints and ``SwarmClient.agents()`` returns. Everything is read from
Redis: the registry, the workers' presence keys, each inbox group's lag and read count, and
the coordinator's queue of messages for names nobody registered yet.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from swarm.bus.connection import Redis, is_cluster
from swarm.bus.keys import (
    WORKER_GROUP,
    group_replicas,
    presence_pattern,
    queued,
    queued_names,
)
from swarm.bus.registry import list_agents
from swarm.ids import string_to_uuid

__all__ = ["AgentStatus", "Presence", "agent_statuses", "live_workers"]

AgentState = Literal["active", "offline", "unregistered"]
_presence = msgspec.json.Decoder(dict[str, Any])


class AgentStatus(msgspec.Struct, frozen=True, kw_only=True):
    """One agent as the fleet sees it right now."""

    name: str
    id: str
    status: AgentState
    """``active``: a live worker hosts it; ``offline``: none does; ``unregistered``: only
    messages queued for the name exist."""
    workers: int = 0
    """Live worker processes hosting it."""
    queued: int = 0
    """Messages waiting: the inbox group's lag plus the coordinator's queue for the name."""
    processed: int = 0
    """Inbox entries delivered and acked so far (since the inbox was last trimmed away)."""
    parent: str | None = None
    """The parent agent's id, for a child agent."""
    group: str | None = None
    """For a replica: its group's name."""
    routable: bool = True
    """For a replica: whether the coordinator routes its group's messages to it (scaled
    down: no, while its inbox drains)."""
    inbox: str = ""
    registered_at: int = 0


Presence = dict[str, int]
"""Agent id -> number of live workers hosting it."""


async def live_workers(redis: Redis) -> Presence:
    """How many live workers host each agent (from their presence keys)."""
    names = [key async for key in redis.scan_iter(match=presence_pattern(), count=500)]
    counts: Presence = {}
    if not names:
        return counts
    for raw in await _values(redis, names):
        if raw is None:
            continue  # expired between SCAN and MGET
        try:
            agents = _presence.decode(raw).get("agents", [])
        except msgspec.DecodeError:
            continue
        for agent_id in agents:
            counts[str(agent_id)] = counts.get(str(agent_id), 0) + 1
    return counts


async def _values(redis: Redis, names: list[Any]) -> list[Any]:
    """The values of ``names``: one MGET, or on a cluster (presence keys spread over every
    slot, MGET refuses keys of different slots) a non-transactional pipeline of GETs."""
    if not is_cluster(redis):
        values: list[Any] = await redis.mget(names)
        return values
    pipe = redis.pipeline(transaction=False)
    for name in names:
        pipe.get(name)
    return list(await pipe.execute())


async def agent_statuses(redis: Redis) -> list[AgentStatus]:
    """Every registered agent (and every name with queued messages), sorted by name."""
    records = await list_agents(redis)
    presence = await live_workers(redis)
    waiting = sorted(_text(m) for m in await redis.smembers(queued_names()))
    pipe = redis.pipeline(transaction=False)
    for record in records:
        pipe.xinfo_groups(record.inbox)
        pipe.xlen(queued(string_to_uuid(record.name)))
    unregistered = [n for n in waiting if n not in {r.name for r in records}]
    for name in unregistered:
        pipe.xlen(queued(string_to_uuid(name)))
    groups_ = sorted({r.group for r in records if r.group})
    for group in groups_:
        pipe.smembers(group_replicas(string_to_uuid(group)))
    results = await pipe.execute(raise_on_error=False)
    base = 2 * len(records) + len(unregistered)
    routable: set[str] = set()
    for k in range(len(groups_)):
        found = results[base + k]
        routable |= {_text(n) for n in found} if isinstance(found, set) else set()
    out: list[AgentStatus] = []
    for i, record in enumerate(records):
        groups, held = results[2 * i], results[2 * i + 1]
        lag, processed = 0, 0
        for group in groups if isinstance(groups, list) else []:
            if group["name"].decode() == WORKER_GROUP:
                lag = int(group.get("lag") or 0)
                processed = max(0, int(group.get("entries-read") or 0) - int(group["pending"]))
        workers = presence.get(record.id, 0)
        out.append(
            AgentStatus(
                name=record.name,
                id=record.id,
                status="active" if workers else "offline",
                workers=workers,
                queued=lag + (held if isinstance(held, int) else 0),
                processed=processed,
                parent=record.parent,
                group=record.group,
                routable=record.group is None or record.name in routable,
                inbox=record.inbox,
                registered_at=record.registered_at,
            )
        )
    base = 2 * len(records)
    for j, name in enumerate(unregistered):
        held = results[base + j]
        out.append(
            AgentStatus(
                name=name,
                id=string_to_uuid(name),
                status="unregistered",
                queued=held if isinstance(held, int) else 0,
            )
        )
    return sorted(out, key=lambda a: a.name)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
