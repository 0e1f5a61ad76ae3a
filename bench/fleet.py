"""A worker process hosting many agents: how fast it starts, how much memory each agent costs.

* **start**: from spawning a fresh worker process to every one of ``N`` agents having
  answered a message (each message was sent before the process started, so this is the time
  until all agents are registered, their inboxes read and their first turns done);
* **memory**: the worker's RSS with ``N`` agents hosted (each has answered one message, so
  its model indexes and room cache exist) minus its RSS before the first agent was built,
  divided by ``N``.

Both run the product's path: ``AgentRuntime`` per character (offline model), the shared
PostgreSQL store (a schema of its own, dropped afterwards), one ``Worker`` for all agents.
"""

from __future__ import annotations

import multiprocessing as mp
import time
import uuid
from typing import Any

import anyio
import psutil

from bench.servers import DEFAULT_PG_URL, drop_schema, new_schema, private_redis
from bench.streams import CHARACTER_PATH
from swarm.bus import connect, keys
from swarm.ids import string_to_uuid

__all__ = ["run_fleet"]

_REPLY_TIMEOUT_S = 300.0


def _names(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{i:04d}" for i in range(count)]


async def _host(url: str, pg_url: str, schema: str, names: list[str], report: Any) -> None:
    from swarm.bus import register_agent
    from swarm.characters import load_characters
    from swarm.memory import AgentRecord as StoredAgent
    from swarm.memory import create_store
    from swarm.runtime import AgentRuntime
    from workers import RuntimeHandler, Worker, WorkerOptions

    me = psutil.Process()
    store = create_store(pg_url, schema=schema, pool_size=4)
    await store.init()
    redis = connect(url)
    (template,) = await load_characters(str(CHARACTER_PATH))
    report.send(("rss_before", me.memory_info().rss))
    runtimes = []
    records = []
    for name in names:
        character = template.model_copy(update={"name": name, "id": None}, deep=True)
        runtime = AgentRuntime(character, adapter=store)
        await runtime.initialize()
        await store.create_agent(StoredAgent(id=runtime.agent_id, name=name))
        records.append(await register_agent(redis, name, runtime.agent_id))
        runtimes.append(runtime)
    worker = Worker(redis, RuntimeHandler(runtimes, store), records, WorkerOptions(concurrency=64))
    async with anyio.create_task_group() as tg:
        await tg.start(worker.run)
        report.send(("serving", time.time()))


def _host_process(url: str, pg_url: str, schema: str, names: list[str], report: Any) -> None:
    anyio.run(_host, url, pg_url, schema, names, report)


async def _send_all(url: str, names: list[str], reply_to: str) -> None:
    redis = connect(url)
    pipe = redis.pipeline(transaction=False)
    for n, name in enumerate(names):
        inbox = keys.inbox(string_to_uuid(name))
        # Created here, as a registration would: the message waits for the agent's worker.
        pipe.xgroup_create(inbox, keys.WORKER_GROUP, id="0", mkstream=True)
        pipe.xadd(inbox, {"text": "hello there", "room": f"room-{n}", "reply_to": reply_to})
    await pipe.execute()
    await redis.aclose()


async def _wait_replies(url: str, reply_to: str, count: int) -> float:
    redis = connect(url)
    seen, last = 0, "0"
    with anyio.fail_after(_REPLY_TIMEOUT_S):
        while seen < count:
            found: Any = await redis.xread({reply_to: last}, count=1000, block=1000)
            for _stream, items in found or []:
                seen += len(items)
                last = items[-1][0]
    done = time.time()
    await redis.aclose()
    return done


def _one(url: str, pg_url: str, count: int) -> dict[str, float]:
    names = _names(f"fleet-{uuid.uuid4().hex[:6]}", count)
    reply_to = f"bench:fleet:{uuid.uuid4().hex}"
    anyio.run(_send_all, url, names, reply_to)
    schema = new_schema()
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    started = time.time()
    process = ctx.Process(target=_host_process, args=(url, pg_url, schema, names, child))
    process.start()
    try:
        answered = anyio.run(_wait_replies, url, reply_to, count)
        events = {}
        while parent.poll(5):
            kind, value = parent.recv()
            events[kind] = value
            if kind == "serving":
                break
        rss_after = psutil.Process(process.pid).memory_info().rss
    finally:
        process.kill()
        process.join()
        drop_schema(pg_url, schema)
    return {
        "agents": count,
        "start_s": answered - started,
        "serving_s": events.get("serving", float("nan")) - started,
        "rss_before_mb": events.get("rss_before", 0) / 2**20,
        "rss_after_mb": rss_after / 2**20,
        "rss_per_agent_kb": (rss_after - events.get("rss_before", rss_after)) / count / 1024,
    }


def run_fleet(
    *, start_agents: int = 100, memory_agents: int = 1000, pg_url: str = DEFAULT_PG_URL
) -> dict[str, dict[str, float]]:
    """Fleet start time for ``start_agents`` and memory per agent for ``memory_agents``."""
    with private_redis() as url:
        start = _one(url, pg_url, start_agents)
        memory = _one(url, pg_url, memory_agents)
    return {"start": start, "memory": memory}


if __name__ == "__main__":
    import json

    print(json.dumps(run_fleet(start_agents=10, memory_agents=50), indent=2))
