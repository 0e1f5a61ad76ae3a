"""The ``swarm`` command line. Each command lives in a module of its own under this package.

The CLI is the only synchronous entry point: each command reads :class:`~swarm.settings.Settings`
once and runs its async work with ``anyio.run``.
"""

from swarm.cli.app import app, main

__all__ = ["app", "main"]
