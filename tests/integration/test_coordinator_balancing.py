"""The replica picker against a real Redis: least loaded, re-routes, strategy errors."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from coordinator.balancing import Balancer
from swarm.bus import (
    AgentRecord,
    Redis,
    add_replicas,
    connect,
    group_id,
    keys,
    register_agent,
    replica_name,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def group(redis_url: str) -> AsyncIterator[tuple[Redis, str, list[AgentRecord]]]:
    """Two registered, routable replicas of a fresh group; every key removed afterwards."""
    redis = connect(redis_url)
    name = f"grp-{uuid.uuid4().hex[:8]}"
    members = [await register_agent(redis, replica_name(name, i), group=name) for i in (1, 2)]
    await add_replicas(redis, name, [m.name for m in members])
    try:
        yield redis, name, members
    finally:
        gid = group_id(name)
        doomed = [k async for k in redis.scan_iter(match=f"swarm:{{{gid}}}:*")]
        doomed += [m.inbox for m in members]
        await redis.delete(*doomed)
        await redis.hdel(keys.registry(), *[m.name for m in members])
        await redis.aclose()


@pytest.mark.anyio
async def test_least_loaded_picks_the_replica_with_fewer_waiting_entries(
    group: tuple[Redis, str, list[AgentRecord]],
) -> None:
    """Two entries wait in #1's inbox, none in #2's: a new room goes to #2."""
    redis, name, members = group
    for _ in range(2):
        await redis.xadd(members[0].inbox, {"text": "busy"})
    balancer = Balancer(redis, "least_loaded", 60)
    picked = await balancer.pick(name, members, str(uuid.uuid4()), "room-a", {})
    assert picked == members[1]


@pytest.mark.anyio
async def test_a_message_routed_again_goes_to_the_replica_it_went_to_first(
    group: tuple[Redis, str, list[AgentRecord]],
) -> None:
    """Re-picking one message id (a coordinator's retry) returns the first pick, not the next."""
    redis, name, members = group
    balancer = Balancer(redis, "round_robin", 60)
    message_id = str(uuid.uuid4())
    first = await balancer.pick(name, members, message_id, None, {})
    again = await balancer.pick(name, members, message_id, None, {})
    other = await balancer.pick(name, members, str(uuid.uuid4()), None, {})
    assert again == first
    assert other != first


@pytest.mark.anyio
async def test_a_live_replica_is_preferred_over_one_no_worker_hosts(
    group: tuple[Redis, str, list[AgentRecord]],
) -> None:
    """Only #2 has a live worker: every pick is #2."""
    redis, name, members = group
    balancer = Balancer(redis, "round_robin", 60)
    live = {members[1].id: 1}
    picks = {await balancer.pick(name, members, str(uuid.uuid4()), None, live) for _ in range(4)}
    assert picks == {members[1]}


def test_an_unknown_strategy_is_refused_with_the_known_ones(redis_url: str) -> None:
    """`random` is not a strategy: the error lists round_robin and least_loaded."""
    with pytest.raises(ValueError, match="round_robin, least_loaded"):
        Balancer(connect(redis_url), "random", 60)  # type: ignore[arg-type]
