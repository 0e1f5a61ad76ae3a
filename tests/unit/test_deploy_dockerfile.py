"""deploy/Dockerfile and .dockerignore: a slim multi-stage image running `swarm` unprivileged."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import dockerfile
import pytest

from tests.support.deploy import DOCKERFILE, DOCKERIGNORE, ROOT, all_processes

COMMANDS = dockerfile.parse_file(str(DOCKERFILE))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _stages() -> list[list[dockerfile.Command]]:
    stages: list[list[dockerfile.Command]] = []
    for command in COMMANDS:
        if command.cmd == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(command)
    return stages


def _final(cmd: str) -> dockerfile.Command:
    found = [c for c in _stages()[-1] if c.cmd == cmd]
    assert found, f"the final stage has no {cmd}"
    return found[-1]


def _dockerignore_excludes(relative: str) -> bool:
    """Docker's rule: the last matching pattern wins; ``!`` re-includes; ``**`` spans dirs."""
    excluded = False
    for raw in DOCKERIGNORE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!")
        candidates = {pattern, pattern.replace("**/", ""), pattern.removesuffix("/**")}
        parts = Path(relative).parts
        prefixes = {"/".join(parts[: i + 1]) for i in range(len(parts))}
        if any(fnmatch.fnmatch(p, c) for c in candidates for p in prefixes | {relative}):
            excluded = not negate
    return excluded


def test_build_and_runtime_stages_share_the_slim_python_311_base() -> None:
    """Two stages, both FROM the ARG'd base, which defaults to a python:3.11 slim image."""
    args = {
        c.value[0].split("=", 1)[0]: c.value[0].split("=", 1)[1]
        for c in COMMANDS
        if c.cmd == "ARG" and "=" in c.value[0]
    }
    stages = _stages()
    assert len(stages) >= 2
    bases = {stage[0].value[0] for stage in stages}
    assert bases == {"${PYTHON_IMAGE}"}
    assert args["PYTHON_IMAGE"].startswith("python:3.11-slim")


def test_build_stage_makes_a_wheel_and_runtime_copies_only_the_venv() -> None:
    """The wheel is built in the first stage; the runtime stage copies the venv from it."""
    build, runtime = _stages()[0], _stages()[-1]
    assert any("pip wheel" in " ".join(c.value) for c in build if c.cmd == "RUN")
    build_name = build[0].value[-1]
    copied_from = [
        c for c in runtime if c.cmd == "COPY" and any(f.startswith("--from=") for f in c.flags)
    ]
    assert [c.flags for c in copied_from] == [(f"--from={build_name}",)]
    assert not any(c.cmd == "RUN" and "pip" in " ".join(c.value) for c in runtime)


def test_build_stage_copies_every_wheel_package() -> None:
    """The build stage copies each package the wheel ships, plus pyproject and the readme."""
    sources = {s.rstrip("/") for c in _stages()[0] if c.cmd == "COPY" for s in c.value[:-1]}
    packages = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert {*packages, "pyproject.toml", PYPROJECT["project"]["readme"]} <= sources


def test_every_copied_source_exists_and_reaches_the_build_context() -> None:
    """Each COPY source (from the context) exists and .dockerignore does not exclude it."""
    for command in COMMANDS:
        if command.cmd != "COPY" or any(f.startswith("--from=") for f in command.flags):
            continue
        for source in command.value[:-1]:
            matches = sorted(ROOT.glob(source.rstrip("/")))
            assert matches, f"COPY {source}: nothing in the repository matches"
            for path in matches:
                files = [path] if path.is_file() else [p for p in path.rglob("*.py")]
                for file in files:
                    relative = str(file.relative_to(ROOT))
                    assert not _dockerignore_excludes(relative), relative


def test_dockerignore_keeps_the_venv_and_tests_out_of_the_context() -> None:
    """.venv, tests and .git are excluded, so the context stays small and secret-free."""
    for path in (".venv/bin/python", "tests/unit/test_ids.py", ".git/config", ".env"):
        assert _dockerignore_excludes(path), path


def test_runtime_runs_as_a_numeric_non_root_user() -> None:
    """The final USER is a numeric non-zero uid, so Kubernetes can check runAsNonRoot."""
    uid = _final("USER").value[0].split(":")[0]
    assert uid.isdigit()
    assert int(uid) != 0


def test_entrypoint_is_the_swarm_console_script_in_exec_form() -> None:
    """ENTRYPOINT is exec-form ["swarm"] (PID 1 gets SIGTERM) and swarm is the package's script."""
    entrypoint = _final("ENTRYPOINT")
    assert entrypoint.json
    assert entrypoint.value == ("swarm",)
    assert "swarm" in PYPROJECT["project"]["scripts"]


def test_stop_signal_is_sigterm() -> None:
    """STOPSIGNAL is SIGTERM, the signal the processes drain on."""
    assert _final("STOPSIGNAL").value == ("SIGTERM",)


def test_no_image_wide_healthcheck() -> None:
    """No HEALTHCHECK in the image: its three roles serve health on different ports."""
    assert not [c for c in COMMANDS if c.cmd == "HEALTHCHECK"]


@pytest.mark.parametrize(
    "process", [p for p in all_processes() if p.role == "worker"], ids=lambda p: p.where
)
def test_worker_character_paths_are_in_the_image(process: object) -> None:
    """Each --characters path a worker is given is a file the image copies into place."""
    copy = next(c for c in _stages()[-1] if c.cmd == "COPY" and "/etc/swarm/characters/" in c.value)
    baked = {f"/etc/swarm/characters/{p.name}" for p in ROOT.glob(copy.value[0])}
    argv = process.argv  # type: ignore[attr-defined]
    paths = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--characters"]
    assert paths
    assert set(paths) <= baked
