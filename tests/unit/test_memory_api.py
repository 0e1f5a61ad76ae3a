"""The store's public surface and the db command."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

import swarm.memory
from swarm.cli import app


def test_every_name_in_all_is_importable() -> None:
    """swarm.memory exports exactly what its __all__ lists."""
    assert [n for n in swarm.memory.__all__ if not hasattr(swarm.memory, n)] == []
    assert {"MemoryStore", "create_store"} <= set(swarm.memory.__all__)


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    """`swarm db upgrade --url sqlite...` migrates a new database and says so."""
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    result = CliRunner().invoke(app, ["db", "upgrade", "--url", url])
    assert result.exit_code == 0, result.output
    assert "up to date (vector search: exact)" in result.output
    assert (tmp_path / "cli.db").exists()
