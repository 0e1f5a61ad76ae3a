"""Embedded Valkey and PostgreSQL: start, answer, stop, restart on the same data and port."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest
import redis.asyncio as aioredis

from swarm.embedded import (
    EmbeddedPostgres,
    EmbeddedServer,
    EmbeddedValkey,
    open_embedded_servers,
    running_embedded_urls,
)
from swarm.embedded.records import ServerRecord, stop_stale_server
from swarm.errors import EmbeddedServerError

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture(scope="session")
def postgres_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedded PostgreSQL directory per session: initdb (the slow part) runs once."""
    return tmp_path_factory.mktemp("embedded") / "postgres"


def _sql(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def owner_process() -> Iterator[list[subprocess.Popen[str]]]:
    """Owner processes a test starts; killed at the end whatever happens."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        proc.kill()
        proc.wait()


def _start_owner(kind: str, directory: Path, owners: list[subprocess.Popen[str]]) -> int:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.embedded_owner", kind, str(directory)],
        stdout=subprocess.PIPE,
        text=True,
    )
    owners.append(proc)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line, "the owner process died before its server was ready"
    return int(line.split()[0])


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


async def test_valkey_answers_and_keeps_data_and_port_across_restarts(tmp_path: Path) -> None:
    """A key written before a clean stop is read back after a restart on the same port (AOF)."""
    server = EmbeddedValkey(tmp_path / "valkey")
    await server.start()
    first_url = server.url
    client = aioredis.Redis.from_url(first_url)
    assert await client.ping() is True
    await client.set("swarm:test", "kept")
    await client.aclose()
    await server.stop()

    await server.start()
    try:
        assert server.url == first_url
        client = aioredis.Redis.from_url(server.url)
        assert await client.get("swarm:test") == b"kept"
        await client.aclose()
        assert (tmp_path / "valkey" / "appendonlydir").is_dir()
    finally:
        await server.stop()
    assert not server.record_path.exists()


async def test_postgres_answers_select_and_creates_vector(postgres_dir: Path) -> None:
    """The embedded PostgreSQL answers ``select 1`` and ``create extension vector`` works."""
    server = EmbeddedPostgres(postgres_dir)
    await server.start()
    try:
        assert server.has_vector is True
        async with await psycopg.AsyncConnection.connect(_sql(server.url)) as conn:
            assert await (await conn.execute("select 1")).fetchone() == (1,)
            await conn.execute("drop extension if exists vector")
            await conn.execute("create extension vector")
            row = await (
                await conn.execute("select '[1,2,3]'::vector <-> '[1,2,4]'::vector")
            ).fetchone()
            assert row == (1.0,)
    finally:
        await server.stop()


async def test_postgres_keeps_rows_and_port_across_restarts(postgres_dir: Path) -> None:
    """A committed row survives a stop and a start, and the URL (port) stays the same."""
    server = EmbeddedPostgres(postgres_dir)
    await server.start()
    url = server.url
    async with await psycopg.AsyncConnection.connect(_sql(url)) as conn:
        await conn.execute("create table if not exists kept (v text)")
        await conn.execute("delete from kept")
        await conn.execute("insert into kept values ('row')")
    await server.stop()

    await server.start()
    try:
        assert server.url == url
        async with await psycopg.AsyncConnection.connect(_sql(url)) as conn:
            assert await (await conn.execute("select v from kept")).fetchall() == [("row",)]
    finally:
        await server.stop()


@pytest.mark.parametrize("kind", ["valkey", "postgres"])
async def test_stale_server_of_a_killed_owner_is_stopped_and_its_data_reused(
    kind: str, tmp_path: Path, postgres_dir: Path, owner_process: list[subprocess.Popen[str]]
) -> None:
    """After its owner is SIGKILLed, the next start stops the orphaned server and starts anew."""
    directory = tmp_path / "valkey" if kind == "valkey" else postgres_dir
    stale_pid = _start_owner(kind, directory, owner_process)
    owner_process[0].send_signal(signal.SIGKILL)
    owner_process[0].wait()
    assert psutil.pid_exists(stale_pid), "the server should outlive its SIGKILLed owner"

    server: EmbeddedServer = (
        EmbeddedValkey(directory) if kind == "valkey" else EmbeddedPostgres(directory)
    )
    await server.start()
    try:
        assert server.pid != stale_pid
        assert _gone(stale_pid)
        assert await server.ping() is True
    finally:
        await server.stop()


@pytest.fixture
def bystander() -> Iterator[subprocess.Popen[bytes]]:
    """An unrelated running process."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    yield proc
    proc.kill()
    proc.wait()


async def test_record_of_a_reused_pid_does_not_kill_that_process(
    tmp_path: Path, bystander: subprocess.Popen[bytes]
) -> None:
    """A pid file whose pid now belongs to another process (other start time) spares it."""
    record = tmp_path / "server.json"
    ServerRecord(pid=bystander.pid, create_time=1.0, port=1).write(record)
    await stop_stale_server(record, stop_signal=signal.SIGTERM, timeout_s=1.0)
    assert bystander.poll() is None
    assert not record.exists()


async def test_fixed_port_in_use_is_refused_with_the_setting_to_change(tmp_path: Path) -> None:
    """A fixed port somebody else listens on fails fast, naming the setting to change."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        server = EmbeddedValkey(tmp_path / "valkey", port=port)
        with pytest.raises(EmbeddedServerError, match="SWARM_EMBEDDED_REDIS_PORT"):
            await server.start()


async def test_open_embedded_servers_starts_only_what_is_missing(tmp_path: Path) -> None:
    """Asked for Valkey only, it returns a Redis URL and no database URL, and stops it on exit."""
    async with open_embedded_servers(tmp_path, postgres=False) as urls:
        assert urls.database_url is None
        assert urls.redis_url is not None
        client = aioredis.Redis.from_url(urls.redis_url)
        assert await client.ping() is True
        await client.aclose()
    assert not (tmp_path / "valkey" / "server.json").exists()
    assert not (tmp_path / "postgres").exists()


async def test_client_commands_find_a_running_fleets_valkey(tmp_path: Path) -> None:
    """running_embedded_urls gives the running Valkey's URL under the state dir, else None."""
    assert running_embedded_urls(tmp_path).redis_url is None
    server = EmbeddedValkey(tmp_path / "valkey")
    await server.start()
    try:
        assert running_embedded_urls(tmp_path).redis_url == server.url
        assert running_embedded_urls(tmp_path).database_url is None
    finally:
        await server.stop()
    assert running_embedded_urls(tmp_path).redis_url is None
