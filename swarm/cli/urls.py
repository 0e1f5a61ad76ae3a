"""Where the client commands find Redis and the store: settings first, then a local fleet.

``swarm send`` and the other client commands use ``SWARM_REDIS_URL`` / ``SWARM_DATABASE_URL``
when set; otherwise the embedded servers of a ``swarm up`` running on the same state
directory, so that the README's tour works with nothing configured.
"""

from __future__ import annotations

import typer

from swarm.embedded import running_embedded_urls
from swarm.settings import Settings

__all__ = ["database_url_or_exit", "redis_url_or_exit"]


def redis_url_or_exit(settings: Settings) -> str:
    """The Redis to talk to, or exit 2 saying how to get one."""
    url = settings.redis_url or running_embedded_urls(settings.state_dir).redis_url
    if url is None:
        typer.echo(
            "error: no Redis to talk to: set SWARM_REDIS_URL (e.g. redis://127.0.0.1:6379/0) "
            f"or start a fleet with `swarm up` in this directory (state dir {settings.state_dir})",
            err=True,
        )
        raise typer.Exit(2)
    return url


def database_url_or_exit(settings: Settings) -> str:
    """The memory store to read, or exit 2 saying how to get one."""
    url = settings.database_url or running_embedded_urls(settings.state_dir).database_url
    if url is None:
        typer.echo(
            "error: no memory store to read: set SWARM_DATABASE_URL or start a fleet with "
            f"`swarm up` in this directory (state dir {settings.state_dir})",
            err=True,
        )
        raise typer.Exit(2)
    return url
