"""``swarm serve`` as a real process: health probe, API key, SIGTERM, missing settings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from swarm.cli import app
from tests.support.redis_server import RedisServer, free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    srv = RedisServer(tmp_path / "redis").start()
    yield srv
    srv.stop()


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        assert process.poll() is None, "swarm serve exited early"
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "swarm serve never became healthy"
        time.sleep(0.05)


def test_serve_answers_probes_requires_its_key_and_stops_on_sigterm(
    server: RedisServer, tmp_path: Path
) -> None:
    """The process serves /health openly, guards /agents with the key, exits 0 on SIGTERM."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARM_")} | {
        "SWARM_REDIS_URL": server.url,
        "SWARM_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/store.db",
        "SWARM_API_KEY": "cli-key",
    }
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "swarm.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        assert httpx.get(f"{url}/agents").status_code == 401
        listed = httpx.get(f"{url}/agents", headers={"X-API-Key": "cli-key"})
        assert (listed.status_code, listed.json()) == (200, {"agents": []})
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert "gateway listening on http://127.0.0.1" in output
    assert "cli-key" not in output


def test_serve_without_urls_or_fleet_exits_2_naming_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With no URLs and no `swarm up` in the state dir, serve refuses to start and says why."""
    for name in ("SWARM_REDIS_URL", "SWARM_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SWARM_STATE_DIR", str(tmp_path / "state"))
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "set SWARM_REDIS_URL" in result.output
    assert "swarm up" in result.output
