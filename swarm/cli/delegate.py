"""``swarm delegate PARENT CHILD TEXT``: have a child agent do a task for its parent."""

from __future__ import annotations

from typing import Annotated

import anyio
import typer

from swarm.client import SwarmClient
from swarm.errors import SwarmError
from swarm.hierarchy import TaskResult
from swarm.settings import Settings

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``delegate`` command to ``app``."""
    app.command("delegate")(delegate)


def delegate(
    parent: Annotated[str, typer.Argument(help="The parent agent (name or id).")],
    child: Annotated[str, typer.Argument(help="Its child agent (name or id).")],
    text: Annotated[str, typer.Argument(help="The task.")],
    timeout: Annotated[float, typer.Option(help="Seconds the child has for it.")] = 30.0,
) -> None:
    """Print the child's result; exit 1 when refused, failed or timed out."""
    url = Settings().redis_url
    if not url:
        typer.echo("error: set SWARM_REDIS_URL (e.g. redis://127.0.0.1:6379/0)", err=True)
        raise typer.Exit(2)
    try:
        result = anyio.run(_delegate, url, parent, child, text, timeout)
    except SwarmError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if not result.ok:
        typer.echo(f"{result.status}: {result.error} (task {result.task_id})", err=True)
        raise typer.Exit(1)
    typer.echo(result.text)


async def _delegate(url: str, parent: str, child: str, text: str, timeout_s: float) -> TaskResult:
    async with SwarmClient(url) as client:
        return await client.delegate(parent, child, text, timeout=timeout_s)
