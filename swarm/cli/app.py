"""The typer application and the list of command modules it is built from."""

from __future__ import annotations

import logging
import sys

import typer

from swarm.cli import bench, db, down, send, up, validate, worker

__all__ = ["app", "main"]

app = typer.Typer(
    name="swarm",
    help="Run elizaOS-style agents as a durable fleet on Redis Streams and PostgreSQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Run elizaOS-style agents as a durable fleet on Redis Streams and PostgreSQL."""


# Each command module exposes ``register(app)``; add new commands here, one line each.
for _module in (validate, db, up, down, send, worker, bench):
    _module.register(app)


def main() -> None:
    """Console-script entry point: configure logging once, then run the typer app."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    app()
