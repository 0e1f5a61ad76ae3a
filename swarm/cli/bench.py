"""``swarm bench``: run the benchmark suite in one go (``bench/`` of a source checkout).

Writes ``bench/results/latest.json`` and ``latest.png``; ``--quick`` is a smoke run. Needs
``redis-server`` on the PATH (a private one is started) and a PostgreSQL (the tables go into
a schema of their own, dropped afterwards).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from swarm.settings import Settings

__all__ = ["register"]

DEFAULT_BENCH_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
"""Where the benchmark writes without SWARM_DATABASE_URL: the local test database."""


def register(app: typer.Typer) -> None:
    """Add the ``bench`` command to ``app``."""
    app.command("bench")(bench)


def bench(
    quick: Annotated[bool, typer.Option(help="A smoke run: tiny sizes, noisy figures.")] = False,
    output: Annotated[
        Path | None,
        typer.Option(help="Directory for latest.json/latest.png (default: bench/results)."),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(help="PostgreSQL URL (default: SWARM_DATABASE_URL, else the local test db)."),
    ] = None,
) -> None:
    """Run the benchmark suite: end-to-end vs raw Redis echo, fleet start, memory, store."""
    try:
        from bench.suite import RESULTS_DIR
    except ImportError:
        typer.echo(
            "error: swarm bench runs the bench/ suite of a source checkout; clone the "
            "repository and run it there (pip install -e '.[bench]', or make bench)",
            err=True,
        )
        raise typer.Exit(2) from None
    url = database_url or Settings().database_url or DEFAULT_BENCH_DATABASE_URL
    if not url.startswith("postgresql"):
        typer.echo(
            "error: the benchmark writes to PostgreSQL; pass --database-url "
            "postgresql+psycopg://user@host:5432/db",
            err=True,
        )
        raise typer.Exit(2)
    swarm_logger = logging.getLogger("swarm")
    level = swarm_logger.level
    swarm_logger.setLevel(logging.WARNING)  # the progress bar tells the story
    try:
        data = _run_with_progress(quick, url, output or RESULTS_DIR)
    finally:
        swarm_logger.setLevel(level)  # in-process callers (tests) get their logging back
    _print(data, output or RESULTS_DIR)


def _run_with_progress(quick: bool, url: str, out_dir: Path) -> dict[str, Any]:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from bench.suite import STEPS, run_suite

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()
    ) as progress:
        task = progress.add_task("starting", total=len(STEPS))
        seen: list[str] = []

        def report(step: str, detail: str) -> None:
            if step not in seen:
                seen.append(step)
                progress.update(task, completed=len(seen) - 1)
            progress.update(task, description=f"[{len(seen)}/{len(STEPS)}] {step}: {detail}")

        try:
            data = run_suite(quick=quick, pg_url=url, out_dir=out_dir, progress=report)
        except Exception as exc:  # a failed step: say which, never a bare traceback
            progress.stop()
            typer.echo(f"error: the benchmark failed: {type(exc).__name__}: {exc}", err=True)
            raise typer.Exit(1) from None
        progress.update(task, completed=len(STEPS), description="done")
    return data


def _print(data: dict[str, Any], out_dir: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    rounds = data["size"].get("repeat", 1)
    title = "end to end (same run, same private redis-server)"
    if rounds > 1:
        title += f", medians of {rounds} rounds"
    table = Table(title=title)
    for column in ("server", "C", "msg/s", "p50 ms", "p99 ms", "server CPU µs/msg"):
        table.add_column(column, justify="right")
    for r in data["end_to_end"]:
        table.add_row(
            r["kind"],
            str(r["concurrency"]),
            f"{r['msg_s']:.0f}",
            f"{r['p50_ms']:.2f}",
            f"{r['p99_ms']:.2f}",
            f"{r['server_cpu_us_per_msg']:.0f}",
        )
    console = Console()
    console.print(table)
    for r in data["end_to_end"]:
        if "vs_raw" in r:
            each = ", ".join(f"{x:.2f}" for x in r["vs_raw_each"])
            console.print(
                f"full path / raw echo throughput at C={r['concurrency']}: "
                f"{r['vs_raw']:.2f} (each round: {each})"
            )
    fleet = data["fleet"]
    console.print(
        f"fleet start, {fleet['start']['agents']} agents: {fleet['start']['start_s']:.2f} s; "
        f"memory per agent ({fleet['memory']['agents']} agents): "
        f"{fleet['memory']['rss_per_agent_kb']:.0f} KiB"
    )
    for s in data["store"]:
        console.print(f"{s['path']}: {s['rows_s']:.0f} rows/s")
    console.print(f"wrote {out_dir / 'latest.json'} and {out_dir / data['chart']}")
