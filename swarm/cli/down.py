"""``swarm down``: stop the fleet a ``swarm up`` runs on this state directory."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Annotated

import anyio
import typer

from swarm.fleet import running_fleet_pid
from swarm.settings import Settings

__all__ = ["register"]

# How often `swarm down` looks whether the fleet has let go of its lock.
_POLL_S = 0.1


def register(app: typer.Typer) -> None:
    """Add the ``down`` command to ``app``."""
    app.command("down")(down)


def down(
    timeout_s: Annotated[
        float, typer.Option("--timeout", min=0, help="Seconds to wait for the fleet to stop.")
    ] = 120.0,
) -> None:
    """Stop a running `swarm up` (SIGTERM: it drains and stops everything it started)."""
    state_dir = Settings().state_dir
    pid = running_fleet_pid(state_dir)
    if pid is None:
        typer.echo(f"no `swarm up` is running on {state_dir}", err=True)
        raise typer.Exit(1)
    typer.echo(f"stopping swarm up (pid {pid}) on {state_dir}")
    os.kill(pid, signal.SIGTERM)
    if not anyio.run(_wait_stopped, state_dir, timeout_s):
        typer.echo(
            f"swarm up (pid {pid}) is still stopping after {timeout_s:.0f} s; wait, or run "
            f"`swarm down` again with a longer --timeout",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo("stopped")


async def _wait_stopped(state_dir: Path, timeout_s: float) -> bool:
    with anyio.move_on_after(timeout_s):
        while True:
            if running_fleet_pid(state_dir) is None:
                return True
            await anyio.sleep(_POLL_S)
    return False
