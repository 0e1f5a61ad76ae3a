"""Start the embedded servers a fleet is missing, hand their URLs over, stop them at the end."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio

from swarm.embedded.postgres import EmbeddedPostgres
from swarm.embedded.server import EmbeddedServer
from swarm.embedded.valkey import EmbeddedValkey

__all__ = ["EmbeddedUrls", "open_embedded_servers", "running_embedded_urls"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmbeddedUrls:
    """The URLs of the servers that were started (None: not started, the caller has one)."""

    redis_url: str | None
    database_url: str | None


@asynccontextmanager
async def open_embedded_servers(
    state_dir: Path,
    *,
    valkey: bool = True,
    postgres: bool = True,
    valkey_port: int = 0,
    postgres_port: int = 0,
    start_timeout_s: float = 60.0,
    stop_timeout_s: float = 15.0,
) -> AsyncIterator[EmbeddedUrls]:
    """Run Valkey (``state_dir/valkey``) and PostgreSQL (``state_dir/postgres``) while inside.

    Each is started only when asked for; a stale server from a crashed previous owner is
    stopped first and its data and port are reused. On exit (also on error or cancellation)
    the servers stop in reverse order.
    """
    servers: list[EmbeddedServer] = []
    if valkey:
        servers.append(
            EmbeddedValkey(
                state_dir / "valkey",
                port=valkey_port,
                start_timeout_s=start_timeout_s,
                stop_timeout_s=stop_timeout_s,
            )
        )
    if postgres:
        servers.append(
            EmbeddedPostgres(
                state_dir / "postgres",
                port=postgres_port,
                start_timeout_s=start_timeout_s,
                stop_timeout_s=stop_timeout_s,
            )
        )
    async with AsyncExitStack() as stack:
        for server in servers:
            await server.start()
            stack.push_async_callback(_shielded_stop, server)
        yield EmbeddedUrls(
            redis_url=next((s.url for s in servers if isinstance(s, EmbeddedValkey)), None),
            database_url=next((s.url for s in servers if isinstance(s, EmbeddedPostgres)), None),
        )


async def _shielded_stop(server: EmbeddedServer) -> None:
    with anyio.CancelScope(shield=True):
        await server.stop()


def running_embedded_urls(state_dir: Path) -> EmbeddedUrls:
    """The URLs of the embedded servers running under ``state_dir`` (None where none runs).

    What ``swarm send`` and the other client commands use when no URL is configured, so that
    they reach the fleet a ``swarm up`` in the same directory started.
    """
    valkey = EmbeddedValkey(state_dir / "valkey")
    postgres = EmbeddedPostgres(state_dir / "postgres")
    return EmbeddedUrls(
        redis_url=valkey.url if valkey.attach() else None,
        database_url=postgres.url if postgres.attach() else None,
    )
