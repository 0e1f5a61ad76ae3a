"""``swarm agents``: who is registered, who is live, what is queued (``--tree``, ``--json``)."""

from __future__ import annotations

from typing import Annotated

import anyio
import msgspec
import typer

from swarm.bus import AgentStatus
from swarm.cli.urls import redis_url_or_exit
from swarm.client import SwarmClient
from swarm.errors import SwarmError
from swarm.settings import Settings

__all__ = ["format_table", "format_tree", "register"]


def register(app: typer.Typer) -> None:
    """Add the ``agents`` command to ``app``."""
    app.command("agents")(agents)


def agents(
    tree: Annotated[
        bool, typer.Option("--tree", help="Show children under their parents.")
    ] = False,
    json: Annotated[bool, typer.Option("--json", help="Print JSON records.")] = False,
) -> None:
    """List the fleet's agents: name, id, status, live workers, queued, processed, parent."""
    url = redis_url_or_exit(Settings())
    try:
        found = anyio.run(_list, url)
    except SwarmError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if json:
        typer.echo(msgspec.json.encode(found).decode())
    elif tree:
        typer.echo(format_tree(found))
    else:
        typer.echo(format_table(found))


async def _list(url: str) -> list[AgentStatus]:
    async with SwarmClient(url) as client:
        return await client.agents()


def format_table(found: list[AgentStatus]) -> str:
    """One line per agent, aligned columns; a replica group's line, then its replicas under it."""
    names = {a.id: a.name for a in found}
    rows = [("NAME", "ID", "STATUS", "WORKERS", "QUEUED", "PROCESSED", "PARENT")]
    groups: dict[str, list[AgentStatus]] = {}
    for a in found:
        if a.group is not None:
            groups.setdefault(a.group, []).append(a)
    listed: set[str] = set()
    for a in found:
        if a.group is not None:
            if a.group in listed:
                continue
            listed.add(a.group)
            members = groups[a.group]
            live = sum(1 for m in members if m.routable)
            rows.append((a.group, "-", f"group: {live} routable", "", "", "", "-"))
            for m in members:
                status = m.status if m.routable else f"{m.status}, draining"
                counts = (str(m.workers), str(m.queued), str(m.processed))
                rows.append((f"  {m.name}", m.id, status, *counts, "-"))
            continue
        parent = names.get(a.parent, a.parent) if a.parent else "-"
        row = (a.name, a.id, a.status, str(a.workers), str(a.queued), str(a.processed), parent)
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def format_tree(found: list[AgentStatus]) -> str:
    """Roots first, each child indented under its parent."""
    ids = {a.id for a in found}
    children: dict[str | None, list[AgentStatus]] = {}
    for a in found:
        children.setdefault(a.parent if a.parent in ids else None, []).append(a)
    lines: list[str] = []

    def walk(parent: str | None, depth: int) -> None:
        for a in children.get(parent, []):
            lines.append(f"{'  ' * depth}{a.name} ({a.status}, queued {a.queued})")
            walk(a.id, depth + 1)

    walk(None, 0)
    return "\n".join(lines)
