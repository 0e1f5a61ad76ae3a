"""``swarm serve``: the HTTP gateway over SWARM_REDIS_URL and SWARM_DATABASE_URL."""

from __future__ import annotations

import signal
from typing import Annotated

import anyio
import typer
from anyio.abc import TaskStatus

from swarm.bus import connect_settings
from swarm.cli.urls import database_url_or_exit, redis_url_or_exit
from swarm.client import SwarmClient
from swarm.errors import SwarmError
from swarm.gateway import GatewayServer, create_app
from swarm.memory import store_from_settings
from swarm.settings import Settings

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to ``app``."""
    app.command("serve")(serve)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every one).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port (0: pick one).")] = 8080,
) -> None:
    """Serve the HTTP gateway (messages, agents, /health, /metrics, /openapi.json)."""
    settings = Settings()
    redis_url = redis_url_or_exit(settings)
    database_url = database_url_or_exit(settings)
    try:
        anyio.run(_serve, settings, redis_url, database_url, host, port)
    except SwarmError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


async def _serve(
    settings: Settings, redis_url: str, database_url: str, host: str, port: int
) -> None:
    store = store_from_settings(settings, database_url)
    try:
        await store.init()
        redis = connect_settings(settings.model_copy(update={"redis_url": redis_url}))
        async with SwarmClient(redis=redis, sender="gateway", owns_redis=True) as client:
            server = GatewayServer(
                create_app(client, store, settings), host, port, settings.drain_timeout_s
            )
            async with anyio.create_task_group() as tg:
                await tg.start(_stop_on_signal, server)
                await server.run()
                tg.cancel_scope.cancel()
    finally:
        await store.close()


async def _stop_on_signal(
    server: GatewayServer, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED
) -> None:
    # uvicorn drains on SIGTERM/SIGINT by itself, then re-raises the signal to end the
    # process; with this receiver in place the re-raised signal lands here and the command
    # returns normally (exit 0) after the drain.
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        task_status.started()
        async for _ in signals:
            server.stop()
