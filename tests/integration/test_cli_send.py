"""``swarm send AGENT TEXT`` against a worker process on a private Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner

from swarm.bus import keys
from swarm.cli import app
from tests.support.processes import EchoWorkerProcess
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.integration


def _wait_registered(url: str, name: str, timeout_s: float = 20) -> None:
    """Block until the worker process has registered ``name`` (its startup takes a moment)."""
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + timeout_s
    try:
        while not client.hexists(keys.registry(), name):
            assert time.monotonic() < deadline, f"{name} was never registered"
            time.sleep(0.02)
    finally:
        client.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    srv = RedisServer(tmp_path / "redis").start()
    yield srv
    srv.stop()


def test_send_prints_the_reply_and_unknown_agents_fail(
    server: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`swarm send` prints the agent's reply; an unknown agent exits 1 with a clear error."""
    worker = EchoWorkerProcess(server.url, "cli", ["echo-cli"], tmp_path / "w.log")
    try:
        _wait_registered(server.url, "echo-cli")
        monkeypatch.setenv("SWARM_REDIS_URL", server.url)
        runner = CliRunner()
        result = runner.invoke(app, ["send", "echo-cli", "hi there", "--timeout", "20"])
        assert (result.exit_code, result.output.strip()) == (0, "echo: hi there")
        unknown = runner.invoke(app, ["send", "ghost", "hello?"])
        assert unknown.exit_code == 1
        assert "no agent named or with id 'ghost'" in unknown.output
    finally:
        worker.close()


def test_send_without_url_or_fleet_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no SWARM_REDIS_URL and no `swarm up` in the state dir, send exits 2 and says why."""
    monkeypatch.delenv("SWARM_REDIS_URL", raising=False)
    monkeypatch.setenv("SWARM_STATE_DIR", str(tmp_path / "state"))
    result = CliRunner().invoke(app, ["send", "Eliza", "hello"])
    assert result.exit_code == 2
    assert "set SWARM_REDIS_URL" in result.output
    assert "swarm up" in result.output
