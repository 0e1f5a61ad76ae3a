"""``swarm validate FILE...``: check character files and report every error with its path."""

from __future__ import annotations

from typing import Annotated

import anyio
import typer

from swarm.characters import ValidationResult, validate_source

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``validate`` command to ``app``."""
    app.command("validate")(validate)


def validate(
    sources: Annotated[
        list[str], typer.Argument(help="Character files (.json, .yaml), URLs, modules or 'env'.")
    ],
) -> None:
    """Check character files; exit 1 when any of them is invalid."""
    results = anyio.run(_validate_all, sources)
    failed = 0
    for source, result in zip(sources, results, strict=True):
        if result.valid:
            typer.echo(f"ok      {source}")
        else:
            failed += 1
            typer.echo(f"invalid {source}")
        for error in result.errors:
            typer.echo(f"  error: {error}")
        for warning in result.warnings:
            typer.echo(f"  warning: {warning}")
    if failed:
        typer.echo(f"{failed} of {len(sources)} invalid", err=True)
        raise typer.Exit(1)


async def _validate_all(sources: list[str]) -> list[ValidationResult]:
    return [await validate_source(source) for source in sources]
