"""``swarm coordinator``: route agent-to-agent messages, broadcasts and the offline queue."""

from __future__ import annotations

import anyio
import typer

from swarm.errors import ConfigError, SwarmError
from swarm.settings import Settings

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``coordinator`` command to ``app``."""
    app.command("coordinator")(coordinator)


def coordinator() -> None:
    """Run a coordinator until SIGTERM/SIGINT; several may run at once.

    Uses SWARM_REDIS_URL, and SWARM_DATABASE_URL (when set) for delegated task rows and
    broadcast filters; serves /health and /metrics on SWARM_HEALTH_PORT when set.
    """
    try:
        anyio.run(_run, Settings())
    except SwarmError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


async def _run(settings: Settings) -> None:
    # The coordinator's imports are not needed by other commands.
    from coordinator import CoordinatorOptions, serve, store_recipients
    from swarm.bus import connect_settings
    from swarm.memory import store_from_settings

    if not settings.redis_url:
        raise ConfigError(
            "SWARM_REDIS_URL is not set; point it at your Redis (redis://host:6379/0), "
            "or run `swarm up`, which starts an embedded one"
        )
    redis = connect_settings(settings)
    # Task rows (delegation) and broadcast filters need the shared store.
    store = store_from_settings(settings) if settings.database_url else None
    try:
        if store is not None:
            await store.init()
        await serve(
            redis,
            CoordinatorOptions(replica_strategy=settings.replica_strategy),
            store=store,
            recipients=store_recipients(store) if store is not None else None,
            health_port=settings.health_port,
        )
    finally:
        with anyio.CancelScope(shield=True):
            await redis.aclose()
            if store is not None:
                await store.close()
