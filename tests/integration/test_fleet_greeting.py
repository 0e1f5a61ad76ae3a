"""``swarm up``'s greeting: once the agents are registered, each is said hello to."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarm.fleet.greeting import greet_when_ready
from tests.support.processes import EchoWorkerProcess
from tests.support.redis_server import RedisServer

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    srv = RedisServer(tmp_path / "redis").start()
    yield srv
    srv.stop()


async def test_every_agent_is_greeted_once_registered(server: RedisServer, tmp_path: Path) -> None:
    """The greeting waits for registration, then returns each agent's reply to 'hello'."""
    worker = EchoWorkerProcess(server.url, "greet", ["echo-a", "echo-b"], tmp_path / "w.log")
    try:
        replies = await greet_when_ready(server.url, ["echo-a", "echo-b"], timeout_s=20)
    finally:
        worker.close()
    assert replies == {"echo-a": "echo: hello", "echo-b": "echo: hello"}


async def test_agents_that_never_come_up_are_named_not_fatal(
    server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Without a worker the greeting gives up after its timeout and names the silent agents."""
    with caplog.at_level(logging.WARNING, logger="swarm.fleet"):
        replies = await greet_when_ready(server.url, ["ghost"], timeout_s=0.5)
    assert replies == {}
    assert "no answer from ghost" in caplog.text
