"""The typer application and the list of command modules it is built from."""

from __future__ import annotations

import logging
import sys

import typer
from pydantic import ValidationError

from swarm.cli import (
    agents,
    bench,
    broadcast,
    coordinator,
    db,
    delegate,
    down,
    scale,
    send,
    serve,
    up,
    validate,
    worker,
)
from swarm.security import install_log_redaction
from swarm.settings import Settings

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
for _module in (
    validate,
    db,
    up,
    down,
    send,
    worker,
    coordinator,
    agents,
    broadcast,
    delegate,
    scale,
    serve,
    bench,
):
    _module.register(app)


def main() -> None:
    """Console-script entry point: configure logging once, then run the typer app."""
    try:
        settings = Settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = "SWARM_" + "_".join(str(part) for part in error["loc"]).upper()
            typer.echo(f"error: setting {name}: {error['msg']}", err=True)
        raise SystemExit(2) from None
    level = settings.log_level.upper()
    logging.basicConfig(
        level=level if level in logging.getLevelNamesMapping() else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Once, before any command runs: no password or known secret reaches a log line.
    install_log_redaction(secrets=_settings_secrets(settings))
    app()


def _settings_secrets(settings: Settings) -> list[object]:
    """The secret values in the settings (URL passwords are masked anyway)."""
    keys = settings.secrets_key.get_secret_value().split(",") if settings.secrets_key else []
    return [
        settings.api_key,
        settings.model_api_key,
        settings.secrets_key,
        *keys,
        settings.redis_password,
        settings.database_password,
    ]
