"""The fleet's live status: a rich table on a terminal (plain log lines do the rest)."""

from __future__ import annotations

from collections.abc import Sequence

import anyio
from rich.console import Console
from rich.live import Live
from rich.table import Table

from swarm.fleet.supervisor import ChildState, ChildStatus, Supervisor

__all__ = ["show_live_status", "status_table"]

# How often the live table redraws; uptimes tick in seconds.
_REFRESH_S = 0.5

_STATE_STYLE = {
    ChildState.RUNNING: "green",
    ChildState.STARTING: "cyan",
    ChildState.BACKOFF: "yellow",
    ChildState.STOPPING: "yellow",
    ChildState.FAILED: "bold red",
}


def status_table(statuses: Sequence[ChildStatus]) -> Table:
    """A table with one row per child: process, pid, state, restarts, uptime."""
    table = Table(title="swarm fleet", expand=False)
    for column in ("process", "pid", "state", "restarts", "uptime"):
        table.add_column(column, justify="right" if column in ("pid", "restarts") else "left")
    for status in statuses:
        style = _STATE_STYLE.get(status.state, "")
        state = status.state.value
        if status.state is ChildState.BACKOFF and status.last_exit_code is not None:
            state += f" (exit {status.last_exit_code})"
        table.add_row(
            status.name,
            str(status.pid) if status.pid is not None else "-",
            f"[{style}]{state}[/]" if style else state,
            str(status.restarts),
            _uptime(status.uptime_s),
        )
    return table


def _uptime(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


async def show_live_status(supervisor: Supervisor, console: Console | None = None) -> None:
    """Redraw the status table until cancelled (log lines print above it)."""
    with Live(status_table(supervisor.statuses()), console=console, refresh_per_second=4) as live:
        while True:
            await anyio.sleep(_REFRESH_S)
            live.update(status_table(supervisor.statuses()))
