"""The agent registry on Redis: who can be addressed, by name or id."""

from __future__ import annotations

import msgspec

from swarm.bus.connection import Redis
from swarm.bus.groups import ensure_group
from swarm.bus.keys import inbox, registry
from swarm.errors import UnknownAgentError
from swarm.ids import is_uuid, string_to_uuid
from swarm.types import now_ms

__all__ = ["AgentRecord", "list_agents", "register_agent", "resolve_agent"]


class AgentRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One registered agent: its name, id and inbox (and its parent's id, for a child)."""

    name: str
    id: str
    inbox: str
    registered_at: int = 0
    parent: str | None = None
    group: str | None = None
    """For a replica (``<group>#<n>``): the group name it answers for."""


_decoder = msgspec.json.Decoder(AgentRecord)


async def register_agent(
    redis: Redis,
    name: str,
    agent_id: str | None = None,
    *,
    parent: str | None = None,
    group: str | None = None,
) -> AgentRecord:
    """Record agent ``name`` in the registry and create its inbox group at id 0.

    ``agent_id`` defaults to ``string_to_uuid(name)`` (the elizaOS id). Idempotent: the
    first registration's timestamp is kept, and the group is never reset. ``parent`` (an
    agent id) and ``group`` (the replica group's name) are recorded when given.
    """
    agent_id = agent_id or string_to_uuid(name)
    record = AgentRecord(
        name=name,
        id=agent_id,
        inbox=inbox(agent_id),
        registered_at=now_ms(),
        parent=parent,
        group=group,
    )
    await ensure_group(redis, record.inbox)
    await redis.hsetnx(registry(), name, msgspec.json.encode(record))
    existing = await redis.hget(registry(), name)
    stored = _decoder.decode(existing) if existing else record
    if stored.id != agent_id:  # the same name re-registered with another id: newest wins
        await redis.hset(registry(), name, msgspec.json.encode(record))
        return record
    if (parent is not None and stored.parent != parent) or (
        group is not None and stored.group != group
    ):
        stored = msgspec.structs.replace(
            stored, parent=parent or stored.parent, group=group or stored.group
        )
        await redis.hset(registry(), name, msgspec.json.encode(stored))
    return stored


async def list_agents(redis: Redis) -> list[AgentRecord]:
    """Every registered agent, sorted by name."""
    raw = await redis.hgetall(registry())
    return sorted((_decoder.decode(value) for value in raw.values()), key=lambda a: a.name)


async def resolve_agent(redis: Redis, to: str) -> AgentRecord:
    """The registered agent named ``to`` (or with id ``to``); UnknownAgentError otherwise."""
    raw = await redis.hget(registry(), to)
    if raw is not None:
        return _decoder.decode(raw)
    candidates = {to} if is_uuid(to) else {string_to_uuid(to)}
    for record in await list_agents(redis):
        if record.id in candidates:
            return record
    raise UnknownAgentError(
        f"no agent named or with id {to!r} is registered; start a worker that hosts it "
        "(swarm worker --characters ...) or check the name with `swarm agents`"
    )
