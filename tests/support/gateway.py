"""Helpers for gateway tests: the app on a real uvicorn socket, agents answered by a real worker."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx

from swarm.bus import AgentRecord, Redis
from swarm.client import SwarmClient
from swarm.gateway import GatewayServer, ReplyStore, create_app
from swarm.memory import MemoryStore, create_store
from swarm.runtime import AgentRuntime
from swarm.settings import Settings
from tests.support.bus import running_worker
from tests.support.pipeline import character
from workers import RuntimeHandler

__all__ = ["API_KEY", "GatewayThread", "gateway_settings", "running_gateway", "serving_agent"]

API_KEY = "test-key-0123456789"


def gateway_settings(**overrides: Any) -> Settings:
    """Settings for a gateway under test (env-independent: every value given explicitly)."""
    values: dict[str, Any] = {
        "api_key": API_KEY,
        "gateway_rate_per_s": 1000.0,
        "gateway_burst": 1000,
        "gateway_max_body_bytes": 65_536,
    }
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def running_gateway(
    client: SwarmClient, store: ReplyStore, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway on a free loopback port; yields an HTTP client for its base URL."""
    server = GatewayServer(create_app(client, store, settings), "127.0.0.1", 0, drain_timeout_s=1)
    async with anyio.create_task_group() as tg:
        port = await tg.start(server.run)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
                yield http
        finally:
            server.stop()


@asynccontextmanager
async def serving_agent(
    redis: Redis, store: MemoryStore, record: AgentRecord
) -> AsyncIterator[None]:
    """A worker answering ``record`` with a real AgentRuntime (offline model) on ``store``."""
    runtime = AgentRuntime(character(record.name), adapter=store)
    await runtime.initialize()
    async with running_worker(redis, [record], RuntimeHandler([runtime], store)):
        yield


class GatewayThread:
    """The gateway in a thread with its own event loop, for synchronous tests (schemathesis).

    It owns its Redis client and a SQLite store under ``directory``; ``start()`` returns the
    base URL once the socket listens, ``stop()`` drains and joins.
    """

    def __init__(self, redis_url: str, directory: Path, settings: Settings) -> None:
        self._redis_url = redis_url
        self._directory = directory
        self._settings = settings
        self._ready = threading.Event()
        self._port = 0
        self._server: GatewayServer | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="gateway", daemon=True)

    def start(self) -> str:
        self._thread.start()
        if not self._ready.wait(30) or self._error is not None:
            raise RuntimeError(f"the gateway thread did not start: {self._error!r}")
        return f"http://127.0.0.1:{self._port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        self._thread.join(30)

    def _main(self) -> None:
        try:
            anyio.run(self._serve)
        except BaseException as exc:
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        store = create_store(f"sqlite+aiosqlite:///{self._directory}/gateway.db")
        await store.init()
        try:
            async with SwarmClient(self._redis_url, sender="gateway") as client:
                self._server = GatewayServer(
                    create_app(client, store, self._settings), "127.0.0.1", 0, drain_timeout_s=1
                )
                async with anyio.create_task_group() as tg:
                    self._port = await tg.start(self._server.run)
                    self._ready.set()
        finally:
            await store.close()
