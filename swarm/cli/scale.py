"""``swarm scale GROUP N``: give a replica group N routable replicas."""

from __future__ import annotations

from typing import Annotated

import anyio
import typer

from swarm.cli.urls import redis_url_or_exit
from swarm.client import DEFAULT_TIMEOUT_S, SwarmClient
from swarm.errors import SwarmError
from swarm.settings import Settings

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``scale`` command to ``app``."""
    app.command("scale")(scale)


def scale(
    group: Annotated[str, typer.Argument(help="Replica group name (a character's name).")],
    replicas: Annotated[int, typer.Argument(min=1, help="Routable replicas wanted.")],
    timeout: Annotated[float, typer.Option(help="Seconds to wait for a worker to host more.")] = (
        DEFAULT_TIMEOUT_S
    ),
) -> None:
    """Scale GROUP up (a live worker hosts more replicas) or down (retired replicas drain)."""
    url = redis_url_or_exit(Settings())
    try:
        names = anyio.run(_scale, url, group, replicas, timeout)
    except SwarmError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{group}: {len(names)} replica(s): {', '.join(names)}")


async def _scale(url: str, group: str, replicas: int, timeout_s: float) -> list[str]:
    async with SwarmClient(url) as client:
        return await client.scale(group, replicas, timeout=timeout_s)
