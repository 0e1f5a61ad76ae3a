"""``swarm bench --quick``: the whole suite end to end, checked for its output's shape only.

No figure is asserted (timing goals live in bench/, not in tests): only that every step ran
and reported what docs/benchmarks.md reads from it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from bench.servers import SCHEMA_PREFIX
from swarm.cli.app import app

pytestmark = pytest.mark.integration

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _bench_schemas(postgres_url: str) -> set[str]:
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain) as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", (SCHEMA_PREFIX,)
        ).fetchall()
    return {row[0] for row in rows}


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


@pytest.mark.timeout(120)
def test_quick_bench_writes_results_and_chart(tmp_path: Path, postgres_url: str) -> None:
    """`swarm bench --quick` writes latest.json (every section filled) and a PNG chart,
    and leaves no benchmark schema behind in PostgreSQL."""
    before = _bench_schemas(postgres_url)
    result = CliRunner().invoke(
        app, ["bench", "--quick", "--output", str(tmp_path), "--database-url", postgres_url]
    )
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "latest.json").read_text())
    assert data["quick"] is True
    assert {(r["kind"], r["concurrency"]) for r in data["end_to_end"]} == {
        (kind, c) for kind in ("raw", "echo", "full") for c in (1, 64)
    }
    for row in data["end_to_end"]:
        for key in ("msg_s", "p50_ms", "p99_ms"):
            assert _positive(row[key]), (row["kind"], row["concurrency"], key, row[key])
        # CPU time is counted in clock ticks: a short quick run may honestly use none.
        cpu = row["server_cpu_us_per_msg"]
        assert isinstance(cpu, int | float)
        assert math.isfinite(cpu)
        assert cpu >= 0
        assert row["p99_ms"] >= row["p50_ms"]
    assert set(data["full_vs_raw"]) == {"1", "64"}
    assert all(_positive(ratio) for ratio in data["full_vs_raw"].values())
    fleet = data["fleet"]
    assert (fleet["start"]["agents"], fleet["memory"]["agents"]) == (5, 20)
    assert _positive(fleet["start"]["start_s"])
    assert "rss_per_agent_kb" in fleet["memory"]
    assert [s["path"] for s in data["store"]] == [
        "store: one row per call",
        "store: batch of 100",
        "raw psycopg COPY (baseline)",
    ]
    assert all(_positive(s["rows_s"]) for s in data["store"])
    assert {"cpu", "cores", "python"} <= set(data["machine"])
    assert (tmp_path / data["chart"]).read_bytes().startswith(PNG_MAGIC)
    assert "full path / raw echo throughput at C=64" in result.output
    assert _bench_schemas(postgres_url) <= before


def test_bench_refuses_a_database_that_is_not_postgresql(tmp_path: Path) -> None:
    """A SQLite URL is refused up front with what to pass instead; nothing is written."""
    result = CliRunner().invoke(
        app, ["bench", "--quick", "--output", str(tmp_path), "--database-url", "sqlite:///x.db"]
    )
    assert result.exit_code == 2
    assert "--database-url postgresql+psycopg://" in result.output
    assert not (tmp_path / "latest.json").exists()
