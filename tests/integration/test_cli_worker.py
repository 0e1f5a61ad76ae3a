"""``swarm worker``: real worker processes hosting example characters on Redis and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from typer.testing import CliRunner

from swarm.bus import keys
from swarm.cli import app
from swarm.client import SwarmClient
from swarm.ids import response_id, string_to_uuid
from swarm.memory import create_store
from tests.support.memory import drop_schema, libpq_url, unique_schema
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "characters"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    srv = RedisServer(tmp_path / "redis").start()
    yield srv
    srv.stop()


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    """The test PostgreSQL with a fresh schema first on the search path (dropped afterwards)."""
    schema = unique_schema("swarm_worker")
    with psycopg.connect(libpq_url(postgres_url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{postgres_url}?options=-csearch_path%3D{schema}"
    drop_schema(postgres_url, schema)


def start_worker(
    redis_url: str, database_url: str, log: Path, *files: Path
) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "swarm.cli", "worker", "--characters", *map(str, files)]
    env = {**os.environ, "SWARM_REDIS_URL": redis_url, "SWARM_DATABASE_URL": database_url}
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def wait_registered(url: str, names: list[str], proc: subprocess.Popen[bytes]) -> None:
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 30
    try:
        while not all(client.hexists(keys.registry(), n) for n in names):
            assert proc.poll() is None, "the worker exited during start-up"
            assert time.monotonic() < deadline, f"{names} were never registered"
            time.sleep(0.05)
    finally:
        client.close()


@pytest.mark.anyio
async def test_a_worker_answers_from_the_character_and_stores_the_reply(
    server: RedisServer, pg_url: str, tmp_path: Path
) -> None:
    """Eliza answers 'hello' with the offline model; the reply is the stored response memory."""
    log = tmp_path / "worker.log"
    proc = start_worker(server.url, pg_url, log, EXAMPLES / "eliza.json", EXAMPLES / "quill.json")
    try:
        wait_registered(server.url, ["Eliza", "Quill"], proc)
        async with SwarmClient(server.url) as client:
            reply = await client.send("Eliza", "hello", timeout=20)
            assert reply.text
        store = create_store(pg_url)
        await store.init()
        try:
            # The reply is sent only after the turn's memories are stored.
            stored = await store.get_memory(response_id(reply.message_id, string_to_uuid("Eliza")))
            assert stored is not None
            assert stored.content.text == reply.text
            assert [a.name for a in await store.get_agents()] == ["Eliza", "Quill"]
        finally:
            await store.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_worker_without_redis_url_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no SWARM_REDIS_URL the worker exits 1 and names the setting to set."""
    monkeypatch.delenv("SWARM_REDIS_URL", raising=False)
    result = CliRunner().invoke(app, ["worker", "--characters", str(EXAMPLES / "eliza.json")])
    assert result.exit_code == 1
    assert "SWARM_REDIS_URL is not set" in result.output


def test_worker_refuses_two_characters_with_one_name(
    server: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same agent name twice in one worker is a clear error naming both files."""
    monkeypatch.setenv("SWARM_REDIS_URL", server.url)
    monkeypatch.setenv("SWARM_STATE_DIR", str(tmp_path / "state"))
    eliza = str(EXAMPLES / "eliza.json")
    result = CliRunner().invoke(app, ["worker", "--characters", eliza, eliza])
    assert result.exit_code == 1
    assert "agent name 'Eliza' appears in" in result.output
