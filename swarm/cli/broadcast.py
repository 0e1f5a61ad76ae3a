"""``swarm broadcast TEXT``: deliver one message to every agent (once each)."""

from __future__ import annotations

from typing import Annotated

import anyio
import typer

from swarm.cli.urls import redis_url_or_exit
from swarm.client import SwarmClient
from swarm.errors import SwarmError
from swarm.settings import Settings

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``broadcast`` command to ``app``."""
    app.command("broadcast")(broadcast)


def broadcast(
    text: Annotated[str, typer.Argument(help="The message text.")],
    room: Annotated[str | None, typer.Option(help="Room the message is in.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only agents with this tag.")] = None,
) -> None:
    """Ask the coordinator to deliver TEXT to every agent; print the message id."""
    url = redis_url_or_exit(Settings())
    try:
        typer.echo(anyio.run(_broadcast, url, text, room, tag))
    except SwarmError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


async def _broadcast(url: str, text: str, room: str | None, tag: str | None) -> str:
    async with SwarmClient(url) as client:
        return await client.broadcast(text, room=room, tag=tag)
