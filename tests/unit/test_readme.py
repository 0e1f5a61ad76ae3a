"""The README says what the code does: its commands and its settings table."""

from __future__ import annotations

import re
from pathlib import Path

from swarm.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
ROW = re.compile(r"^\| `SWARM_([A-Z0-9_]+)` \| (unset|`[^`]*`) \|", re.M)


def test_readme_opens_with_the_two_commands_ci_runs() -> None:
    """The first block is `make up` then `make test`, and .ci/run runs `make test`."""
    first_block = README.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line]
    assert commands == ["make up", "make test"]
    assert "\nmake test\n" in (ROOT / ".ci" / "run").read_text()


def test_settings_table_lists_every_setting_with_its_default() -> None:
    """Each SWARM_* setting appears once in the README table, with its real default."""
    rows = {name.lower(): default for name, default in ROW.findall(README)}
    assert sorted(rows) == sorted(Settings.model_fields)
    for name, field in Settings.model_fields.items():
        expected = "unset" if field.default is None else f"`{field.default}`"
        assert rows[name] == expected, name
