"""A worker process serving agents with EchoHandler: ``python -m tests.support.echo_worker``.

Usage: ``echo_worker REDIS_URL NAMESPACE AGENT_NAME...`` (each name is registered).
Timings are short so that tests see reclaims and retries within a second or two.
"""

from __future__ import annotations

import logging
import sys

import anyio

from swarm.bus import connect, register_agent
from tests.support.echo_handler import EchoHandler
from workers import WorkerOptions, serve

FAST = WorkerOptions(
    concurrency=8,
    batch_size=64,
    block_ms=200,
    max_deliveries=3,
    retry_delay_s=0.2,
    heartbeat_s=0.2,
    presence_ttl_s=0.8,
    reclaim_every_s=0.2,
    reclaim_min_idle_s=0.2,
    trim_every_s=0.5,
    drain_timeout_s=5.0,
)


async def main(url: str, namespace: str, names: list[str]) -> None:
    redis = connect(url)
    try:
        agents = [await register_agent(redis, name) for name in names]
        await serve(redis, EchoHandler(redis, namespace), agents, FAST)
    finally:
        await redis.aclose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    anyio.run(main, sys.argv[1], sys.argv[2], sys.argv[3:])
