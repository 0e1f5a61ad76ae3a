"""The ``swarm`` entry point: settings errors are reported by name, not as a traceback."""

from __future__ import annotations

import os
import subprocess
import sys


def test_a_malformed_setting_is_named_and_exits_2() -> None:
    """SWARM_DB_POOL_SIZE=abc stops the CLI with exit 2 and a line naming the variable."""
    result = subprocess.run(
        [sys.executable, "-m", "swarm.cli", "--help"],
        env={**os.environ, "SWARM_DB_POOL_SIZE": "abc"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "error: setting SWARM_DB_POOL_SIZE:" in result.stderr
    assert "Traceback" not in result.stderr
