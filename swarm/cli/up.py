"""``swarm up [PATH...] [--workers N]``: run a supervised fleet, embedded servers included."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Annotated

import anyio
import typer

from swarm.errors import SwarmError
from swarm.fleet import FleetConfig, launch
from swarm.settings import Settings

__all__ = ["BUNDLED_CHARACTERS", "register"]

BUNDLED_CHARACTERS = Path(__file__).resolve().parents[2] / "examples" / "characters"


def register(app: typer.Typer) -> None:
    """Add the ``up`` command to ``app``."""
    app.command("up")(up)


def up(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Character files; none: the bundled examples/characters/*.json."),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Worker processes.")] = 1,
    greet: Annotated[
        bool, typer.Option(help="Once the agents are up, say hello to each and show the replies.")
    ] = True,
    child_command: Annotated[
        str | None,
        typer.Option(hidden=True, help="How to run a child `swarm` (tests use stand-ins)."),
    ] = None,
) -> None:
    """Start the fleet: servers (unless SWARM_REDIS_URL/SWARM_DATABASE_URL are set), the
    coordinator and N workers. Ctrl-C or SIGTERM (or `swarm down`) stops all of it, in order."""
    settings = Settings()
    characters = list(paths or [])
    if not characters:
        characters = sorted(str(p) for p in BUNDLED_CHARACTERS.glob("*.json"))
        if not characters:
            typer.echo(
                f"error: no character files given and no bundled examples in "
                f"{BUNDLED_CHARACTERS}; pass character files: swarm up my-agent.json",
                err=True,
            )
            raise typer.Exit(1)
    command = shlex.split(child_command) if child_command else [sys.executable, "-m", "swarm.cli"]
    config = FleetConfig(
        state_dir=settings.state_dir,
        characters=characters,
        command=command,
        env=dict(os.environ),
        workers=workers,
        redis_url=settings.redis_url,
        database_url=settings.database_url,
        embedded_redis_port=settings.embedded_redis_port,
        embedded_postgres_port=settings.embedded_postgres_port,
        live=sys.stdout.isatty(),
        greet=greet and child_command is None,
    )
    try:
        anyio.run(launch, config)
    except SwarmError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
