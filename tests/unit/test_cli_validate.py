"""``swarm validate``: reports each character file and fails on invalid ones."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from swarm.cli import app

EXAMPLES = sorted(str(p) for p in Path("examples/characters").glob("*.json"))


def test_valid_files_exit_zero() -> None:
    """Every bundled example character validates and the command exits 0."""
    result = CliRunner().invoke(app, ["validate", *EXAMPLES])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok ") == len(EXAMPLES)


def test_invalid_file_reports_each_error_path_and_exits_one(tmp_path: Path) -> None:
    """A character with no name and an empty bio is reported with both field paths."""
    bad = tmp_path / "bad.json"
    bad.write_text('{"bio": ""}')
    result = CliRunner().invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert "name: is required" in result.output
    assert "bio: must not be empty" in result.output
