"""The deploy artefacts use only real `swarm` commands, options and SWARM_* settings."""

from __future__ import annotations

import os
from typing import Annotated

import pytest
import typer

from swarm.cli import app
from swarm.settings import Settings
from tests.support.deploy import (
    Process,
    all_processes,
    cli_command,
    command_options,
    command_words,
    env_names_in_text,
    load_documents,
    options_used,
    settings_env_names,
    yaml_files,
)

# Commands the artefacts run that other branches add (fleet: worker, coordinator, serve;
# store: db upgrade). Each is an expected failure today, strict: once the command lands in
# swarm.cli the test XPASSes, which fails the suite, and the marker must be removed here.
MISSING_TODAY: set[tuple[str, ...]] = set()
PENDING = (
    "command not in swarm.cli yet (lands with the fleet/store branch); "
    "remove it from MISSING_TODAY in tests/unit/test_deploy_cli_env.py once it does"
)


def _invocations() -> dict[tuple[str, ...], list[Process]]:
    """Every command the artefacts run, with the processes that run it."""
    found: dict[tuple[str, ...], list[Process]] = {}
    for process in all_processes():
        found.setdefault(command_words(process.argv), []).append(process)
    return found


INVOCATIONS = _invocations()


def unknown_cli_usage(
    words: tuple[str, ...], processes: list[Process], cli: typer.Typer = app
) -> list[str]:
    """What the artefacts ask of `swarm <words>` that the CLI lacks: the command or an option."""
    found = cli_command(words, cli)
    if found is None or found[1] != words:
        return [f"`swarm {' '.join(words)}` is not a command of swarm.cli"]
    accepted = command_options(found[0])
    return [
        f"{process.where}: `swarm {' '.join(words)}` has no option {option}"
        for process in processes
        for option in sorted(options_used(process.argv) - accepted)
    ]


@pytest.mark.parametrize(
    "words",
    [
        pytest.param(words, marks=pytest.mark.xfail(strict=True, reason=PENDING))
        if words in MISSING_TODAY
        else words
        for words in sorted(INVOCATIONS)
    ],
    ids=lambda words: " ".join(words),
)
def test_artefact_command_is_a_real_cli_command(words: tuple[str, ...]) -> None:
    """The command (and every --option) a container runs exists in the swarm typer app."""
    assert unknown_cli_usage(words, INVOCATIONS[words]) == []


def test_cli_check_accepts_an_existing_command_and_flags_a_bad_option() -> None:
    """The checker passes `swarm validate` and reports an option validate does not have."""
    good = Process(where="t", argv=("validate", "x.json"))
    bad = Process(where="t", argv=("validate", "--bogus", "1", "x.json"))
    assert unknown_cli_usage(("validate",), [good]) == []
    assert unknown_cli_usage(("validate",), [bad]) == ["t: `swarm validate` has no option --bogus"]
    assert unknown_cli_usage(("nope",), [good]) != []


def test_artefacts_run_the_four_roles() -> None:
    """Compose and Kubernetes together start the worker, coordinator, gateway and migration."""
    assert set(INVOCATIONS) == {("worker",), ("coordinator",), ("serve",), ("db", "upgrade")}


def test_every_swarm_env_name_in_the_artefacts_is_a_setting() -> None:
    """Each SWARM_* name in the Dockerfile, compose, manifests or docs is a Settings field."""
    known = settings_env_names()
    unknown = {path: sorted(names - known) for path, names in env_names_in_text().items()}
    assert {path: names for path, names in unknown.items() if names} == {}
    assert any(env_names_in_text().values())


def test_settings_env_names_come_from_the_model() -> None:
    """The names checked above are derived from Settings, prefix included."""
    names = settings_env_names()
    assert len(names) == len(Settings.model_fields)
    assert {"SWARM_REDIS_URL", "SWARM_HEALTH_PORT", "SWARM_DRAIN_TIMEOUT_S"} <= names


@pytest.mark.parametrize("process", all_processes(), ids=lambda p: p.where)
def test_process_environment_is_accepted_by_settings(
    process: Process, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every SWARM_* value a container gets parses into Settings (a typo'd port fails here)."""
    for name in list(os.environ):
        if name.startswith("SWARM_"):
            monkeypatch.delenv(name)
    swarm_env = {k: v for k, v in process.env.items() if k.startswith("SWARM_")}
    assert swarm_env
    for name, value in swarm_env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.redis_url
    assert settings.database_url


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: p.name)
def test_every_deploy_yaml_file_parses(path: object) -> None:
    """Each YAML file under deploy/ parses into at least one mapping."""
    docs = load_documents(path)  # type: ignore[arg-type]
    assert docs
    assert all(isinstance(doc, dict) for doc in docs)


def test_every_setting_the_artefacts_use_is_documented() -> None:
    """docs/deploy.md describes each SWARM_* setting the Dockerfile, compose or manifests set."""
    names = env_names_in_text()
    used = set().union(*(v for k, v in names.items() if not k.startswith("docs/")))
    assert sorted(used - names["docs/deploy.md"]) == []


def test_cli_check_passes_once_the_commands_exist() -> None:
    """Against an app that has worker, serve and `db upgrade`, the artefacts' usage is clean.

    This is what turns the strict xfails above into failures once the real commands land.
    """
    cli = typer.Typer()
    db = typer.Typer()
    cli.add_typer(db, name="db")

    @cli.command("worker")
    def worker(characters: Annotated[list[str], typer.Option()], concurrency: int = 1) -> None: ...

    @cli.command("serve")
    def serve(host: str = "127.0.0.1", port: int = 8080) -> None: ...

    @db.command("upgrade")
    def upgrade() -> None: ...

    for words in (("worker",), ("serve",), ("db", "upgrade")):
        assert unknown_cli_usage(words, INVOCATIONS[words], cli) == []
    assert unknown_cli_usage(("db",), [Process(where="t", argv=("db",))], cli) != []
