"""``swarm db upgrade``: apply the memory store's pending migrations (under its lock)."""

from __future__ import annotations

from typing import Annotated

import anyio
import typer

from swarm.errors import SwarmError
from swarm.memory import create_store
from swarm.settings import Settings

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``db`` command group to ``app``."""
    db = typer.Typer(help="Memory store maintenance.", no_args_is_help=True)
    db.command("upgrade")(upgrade)
    app.add_typer(db, name="db")


def upgrade(
    url: Annotated[
        str | None, typer.Option("--url", help="Store URL; default: SWARM_DATABASE_URL.")
    ] = None,
    schema: Annotated[
        str | None, typer.Option("--schema", help="PostgreSQL schema for the tables.")
    ] = None,
) -> None:
    """Create or upgrade the store's schema; safe to run from many processes at once."""
    settings = Settings()
    target = url or settings.database_url
    if not target:
        typer.echo("no store URL: pass --url or set SWARM_DATABASE_URL", err=True)
        raise typer.Exit(2)
    try:
        backend = anyio.run(_upgrade, target, schema, settings)
    except SwarmError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"store schema is up to date (vector search: {backend})")


async def _upgrade(url: str, schema: str | None, settings: Settings) -> str:
    store = create_store(
        url,
        pool_size=1,
        embedding_dimension=settings.embedding_dimension,
        schema=schema,
    )
    try:
        await store.init()
        return store.vector_backend
    finally:
        await store.close()
