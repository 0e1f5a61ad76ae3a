"""The bus and an in-process worker on a real 3-master Redis Cluster."""

from __future__ import annotations

import uuid
from dataclasses import replace

import anyio
import pytest
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisClusterException

from swarm.bus import AgentRecord, Redis, keys, list_agents, register_agent
from swarm.client import SwarmClient
from tests.support.bus import eventually, running_worker
from tests.support.echo_handler import EchoHandler
from tests.support.echo_worker import FAST
from tests.support.redis_cluster import LocalCluster, names_per_master
from workers import Worker

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def _agents(redis: Redis, cluster: LocalCluster, per_master: int = 1) -> list[AgentRecord]:
    names = names_per_master(cluster, "bus", per_master)
    return [await register_agent(redis, name) for name in names]


async def test_connect_gives_a_cluster_client_that_reaches_every_master(
    redis_cluster: LocalCluster, cluster_redis: Redis
) -> None:
    """A redis+cluster:// URL yields RedisCluster, which discovers all three masters."""
    assert isinstance(cluster_redis, RedisCluster)
    await cluster_redis.ping()
    ports = sorted(node.port for node in cluster_redis.get_primaries())  # type: ignore[attr-defined]
    assert ports == sorted(redis_cluster.ports)


async def test_inboxes_of_the_test_agents_sit_on_three_masters(
    redis_cluster: LocalCluster, cluster_redis: Redis
) -> None:
    """The agents the suite uses really span every master, so reads must cross slots."""
    agents = await _agents(cluster_redis, redis_cluster)
    assert sorted(redis_cluster.port_of(a.inbox) for a in agents) == sorted(redis_cluster.ports)
    assert {a.name for a in agents} <= {a.name for a in await list_agents(cluster_redis)}


async def test_one_xreadgroup_over_all_inboxes_is_refused_by_the_cluster(
    redis_cluster: LocalCluster, cluster_redis: Redis
) -> None:
    """The single-Redis read (one XREADGROUP over every inbox) is CROSSSLOT on a cluster."""
    agents = await _agents(cluster_redis, redis_cluster)
    with pytest.raises(RedisClusterException, match="same key slot"):
        await cluster_redis.xreadgroup(
            keys.WORKER_GROUP, "nobody", {a.inbox: ">" for a in agents}, count=1
        )


async def test_a_worker_answers_agents_on_every_master(
    redis_cluster: LocalCluster, cluster_redis: Redis
) -> None:
    """One worker hosting six agents over three masters answers each, in room order."""
    agents = await _agents(cluster_redis, redis_cluster, per_master=2)
    ns = f"cl-{uuid.uuid4().hex[:6]}"
    async with (
        running_worker(cluster_redis, agents, EchoHandler(cluster_redis, ns)),
        SwarmClient(redis=cluster_redis) as client,
    ):
        replies = {}
        async with anyio.create_task_group() as tg:

            async def ask(agent: AgentRecord) -> None:
                for i in range(3):
                    reply = await client.send(agent.name, f"hi {i}", room="r", timeout=10)
                    replies[(agent.name, i)] = reply

            for agent in agents:
                tg.start_soon(ask, agent)
    assert {k: r.text for k, r in replies.items()} == {
        (a.name, i): f"echo: hi {i}" for a in agents for i in range(3)
    }
    assert {r.agent_id for r in replies.values()} == {a.id for a in agents}
    assert int(await cluster_redis.get(f"{ns}:effects") or 0) == 18


async def test_partial_responses_stream_from_an_agent_on_a_cluster(
    redis_cluster: LocalCluster, cluster_redis: Redis
) -> None:
    """Partials and the final reply reach the sender through the cluster, in order."""
    agents = await _agents(cluster_redis, redis_cluster)
    async with (
        running_worker(cluster_redis, agents),
        SwarmClient(redis=cluster_redis) as client,
    ):
        got = [r async for r in client.stream(agents[2].name, "partials please", timeout=10)]
    assert [(r.kind, r.text) for r in got] == [
        ("partial", "thinking"),
        ("partial", "almost"),
        ("reply", "echo: partials please"),
    ]


def _worker_ids_per_master(cluster: LocalCluster) -> list[str]:
    """One fresh worker id per master, each with its presence key on that master."""
    ids: dict[int, str] = {}
    while len(ids) < len(cluster.ports):
        worker_id = f"w-{uuid.uuid4().hex[:8]}"
        ids.setdefault(cluster.port_of(keys.presence(worker_id)), worker_id)
    return list(ids.values())


async def test_presence_keys_of_workers_on_every_master_are_all_found_by_scan(
    redis_cluster: LocalCluster, cluster_redis: Redis
) -> None:
    """SCAN over the presence pattern visits every master: three workers whose presence keys
    sit on three different masters are all found."""
    agents = await _agents(cluster_redis, redis_cluster)
    ids = _worker_ids_per_master(redis_cluster)
    workers = [
        Worker(cluster_redis, EchoHandler(cluster_redis, "p"), [a], replace(FAST, worker_id=w))
        for a, w in zip(agents, ids, strict=True)
    ]
    async with anyio.create_task_group() as tg:
        for worker in workers:
            await tg.start(worker.run)
        wanted = {keys.presence(worker_id) for worker_id in ids}

        async def all_seen() -> bool:
            found = {k.decode() async for k in cluster_redis.scan_iter(keys.presence_pattern())}
            return wanted <= found

        await eventually(all_seen)
        for worker in workers:
            worker.stop()


async def test_a_worker_recreates_a_deleted_inbox_group_on_a_cluster(
    redis_cluster: LocalCluster, cluster_redis: Redis
) -> None:
    """An inbox deleted under a sweeping worker (NOGROUP) is re-created; its agent answers."""
    agents = await _agents(cluster_redis, redis_cluster)
    async with (
        running_worker(cluster_redis, agents),
        SwarmClient(redis=cluster_redis) as client,
    ):
        assert (await client.send(agents[1].name, "before", timeout=10)).text == "echo: before"
        await cluster_redis.delete(agents[1].inbox)
        reply = await client.send(agents[1].name, "after", timeout=10)
    assert reply.text == "echo: after"
