"""Throwaway servers and namespaces for benchmark runs: a private redis-server, a PG schema."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

__all__ = ["DEFAULT_PG_URL", "SCHEMA_PREFIX", "drop_schema", "new_schema", "private_redis"]

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA_PREFIX = "swarm_bench_run_"
"""Every schema a suite run creates starts with this (and is dropped by the run)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def private_redis() -> Iterator[str]:
    """A redis-server of our own (no persistence) on a free port, killed on exit: its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server not found; install it (apt-get install redis-server)")
    port = _free_port()
    directory = tempfile.mkdtemp(prefix="swarm-bench-redis-")
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", directory, "--loglevel", "warning"]  # fmt: skip
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the private redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.kill()
        process.wait()
        shutil.rmtree(directory, ignore_errors=True)


def new_schema() -> str:
    """A fresh schema name for one run (the store creates it on init)."""
    return f"{SCHEMA_PREFIX}{uuid.uuid4().hex[:10]}"


def drop_schema(url: str, schema: str) -> None:
    """Drop ``schema`` and everything in it (the run's rows)."""
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
