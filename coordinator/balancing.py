"""Choosing one replica of a group for a message: sticky rooms, then a strategy.

For a message addressed to group ``<name>`` (see :mod:`swarm.bus.replicas`):

1. A message routed before (a bus entry re-routed after a coordinator died) goes where it
   went: the choice is kept in ``swarm:{<group>}:picked:<message id>``, set with ``NX``,
   so two coordinators agree on one replica and the message reaches one agent once.
2. Candidates are the routable replicas (the group's set) with a live worker; when none is
   live, every routable replica (the message then waits in that replica's inbox).
3. A message that names a room goes to the replica its room sticks to
   (``swarm:{<group>}:rooms``) while that replica is a candidate, so a room's messages are
   handled in order by one agent with one memory. Otherwise the strategy picks, and a room
   sticks to the pick. Messages without a room are spread freely.
4. ``round_robin``: the group's counter (``INCR``) modulo the candidates. ``least_loaded``:
   the candidate with the fewest in-flight entries (its inbox group's pending entries plus
   its lag, from ``XINFO GROUPS``), ties to the lowest replica number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from swarm.bus import AgentRecord, Redis, group_id, keys, routable_replicas

__all__ = ["STRATEGIES", "Balancer", "Strategy", "in_flight"]

Strategy = Literal["round_robin", "least_loaded"]
STRATEGIES: tuple[Strategy, ...] = ("round_robin", "least_loaded")


class Balancer:
    """Picks replicas for one coordinator (its choices are shared through Redis)."""

    def __init__(self, redis: Redis, strategy: Strategy, marker_ttl_s: float) -> None:
        if strategy not in STRATEGIES:
            raise ValueError(
                f"replica strategy {strategy!r} is unknown; use one of {', '.join(STRATEGIES)}"
            )
        self.strategy = strategy
        self._redis = redis
        self._ttl_ms = int(marker_ttl_s * 1000)

    async def pick(
        self,
        group: str,
        members: Sequence[AgentRecord],
        message_id: str,
        room: str | None,
        live: dict[str, int],
    ) -> AgentRecord | None:
        """The replica of ``group`` (registered ``members``) that gets ``message_id``.

        ``live`` maps agent ids to their live workers. None when no member is routable.
        """
        by_name = {m.name: m for m in members}
        gid = group_id(group)
        marker = keys.group_picked(gid, message_id)
        earlier = await self._redis.get(marker)
        if earlier is not None and _text(earlier) in by_name:
            return by_name[_text(earlier)]
        routable = [by_name[n] for n in await routable_replicas(self._redis, group) if n in by_name]
        if not routable:
            return None
        candidates = [m for m in routable if live.get(m.id)] or routable
        chosen: AgentRecord | None = None
        if room is not None:
            stuck = await self._redis.hget(keys.group_rooms(gid), room)
            chosen = next((m for m in candidates if stuck and m.name == _text(stuck)), None)
        if chosen is None:
            chosen = await self._choose(gid, candidates)
            if room is not None:
                await self._redis.hset(keys.group_rooms(gid), room, chosen.name)
                await self._redis.pexpire(keys.group_rooms(gid), self._ttl_ms)
        if not await self._redis.set(marker, chosen.name, nx=True, px=self._ttl_ms):
            winner = await self._redis.get(marker)  # another coordinator routed it first
            if winner is not None and _text(winner) in by_name:
                return by_name[_text(winner)]
        return chosen

    async def _choose(self, gid: str, candidates: Sequence[AgentRecord]) -> AgentRecord:
        if len(candidates) == 1:
            return candidates[0]
        if self.strategy == "round_robin":
            turn = int(await self._redis.incr(keys.group_turn(gid)))
            return candidates[(turn - 1) % len(candidates)]
        loads = await in_flight(self._redis, candidates)
        return min(candidates, key=lambda m: loads[m.id])  # min keeps the first of equals


async def in_flight(redis: Redis, agents: Sequence[AgentRecord]) -> dict[str, int]:
    """Each agent's in-flight entries: pending (read, not acked) plus lag (not read yet)."""
    pipe = redis.pipeline(transaction=False)
    for agent in agents:
        pipe.xinfo_groups(agent.inbox)
    results: list[Any] = await pipe.execute(raise_on_error=False)
    loads: dict[str, int] = {}
    for agent, groups in zip(agents, results, strict=True):
        load = 0
        for group in groups if isinstance(groups, list) else []:
            if _text(group["name"]) == keys.WORKER_GROUP:
                load = int(group.get("pending") or 0) + int(group.get("lag") or 0)
        loads[agent.id] = load
    return loads


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
