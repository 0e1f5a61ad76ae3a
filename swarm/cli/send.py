"""``swarm send AGENT TEXT``: send one message to an agent and print its reply."""

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
    """Add the ``send`` command to ``app``."""
    app.command("send")(send)


def send(
    agent: Annotated[str, typer.Argument(help="Agent name or id.")],
    text: Annotated[str, typer.Argument(help="The message text.")],
    room: Annotated[str | None, typer.Option(help="Room name or id (default: 'default').")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the reply.")] = (
        DEFAULT_TIMEOUT_S
    ),
    wait: Annotated[bool, typer.Option(help="Wait for the reply (else print the id).")] = True,
    stream: Annotated[bool, typer.Option(help="Print partial responses as they come.")] = False,
) -> None:
    """Send TEXT to AGENT through Redis (SWARM_REDIS_URL) and print the reply."""
    url = redis_url_or_exit(Settings())
    try:
        anyio.run(_send, url, agent, text, room, timeout, wait, stream)
    except SwarmError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


async def _send(
    url: str, agent: str, text: str, room: str | None, timeout_s: float, wait: bool, stream: bool
) -> None:
    async with SwarmClient(url) as client:
        if not wait:
            typer.echo(await client.send(agent, text, room, wait=False))
            return
        async for reply in client.stream(agent, text, room, timeout=timeout_s):
            if reply.kind == "partial":
                if stream:
                    typer.echo(f"... {reply.text}")
                continue
            if reply.kind == "error":
                typer.echo(f"error: the message was dead-lettered: {reply.error}", err=True)
                raise typer.Exit(1)
            typer.echo(reply.text if reply.responded else "(no response)")
