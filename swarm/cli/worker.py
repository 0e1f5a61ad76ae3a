"""``swarm worker --characters PATH...``: host agents as consumers of their Redis inboxes."""

from __future__ import annotations

from typing import Annotated

import anyio
import typer

from swarm.errors import SwarmError
from swarm.settings import Settings

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``worker`` command to ``app``."""
    app.command("worker")(worker)


def worker(
    paths: Annotated[
        list[str] | None, typer.Argument(help="More character files (after --characters).")
    ] = None,
    characters: Annotated[
        list[str] | None,
        typer.Option("--characters", "-c", help="Character file (.json/.yaml), URL or module."),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, help="Rooms handled in parallel (default: SWARM_WORKER_CONCURRENCY)."),
    ] = None,
    replicas: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Host each character as N replicas NAME#1..N, addressed together as NAME.",
        ),
    ] = None,
) -> None:
    """Host the agents of the given characters until SIGTERM/SIGINT drains the worker.

    Uses SWARM_REDIS_URL and SWARM_DATABASE_URL (default: SQLite under SWARM_STATE_DIR).
    """
    from workers.host import host_agents  # the worker's imports are not needed by other commands

    sources = [*(characters or []), *(paths or [])]
    try:
        anyio.run(
            lambda: host_agents(Settings(), sources, concurrency=concurrency, replicas=replicas)
        )
    except SwarmError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
