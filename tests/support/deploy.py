"""Readers for the deploy artefacts (deploy/, .dockerignore) that the deploy tests share.

No Docker engine or Kubernetes cluster runs here, so the tests read the artefacts as data: the
YAML documents, the Dockerfile's instructions (through the Go parser Docker itself uses), the
compose file after variable interpolation, and the swarm process each container runs.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
import yaml

from swarm.cli import app
from swarm.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERIGNORE = ROOT / ".dockerignore"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"

# The fleet contract (docs: /work/briefs/contracts.md, "Fleet"): the health path every swarm
# process serves, on SWARM_HEALTH_PORT for workers/coordinators and on --port for the gateway.
HEALTH_PATH = "/health"

# What a compose user must export before `docker compose up` (the file refuses to start without
# it); the tests interpolate with it like `docker compose config` would.
COMPOSE_TEST_ENV = {"SWARM_API_KEY": "test-api-key"}

_INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
_ENV_NAME = re.compile(r"\bSWARM_[A-Z0-9_]+\b")


def yaml_files() -> list[Path]:
    """Every YAML file under deploy/."""
    return sorted([*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")])


def load_documents(path: Path) -> list[dict[str, Any]]:
    """The non-empty YAML documents of ``path`` (a fresh copy each call: callers may edit it)."""
    return copy.deepcopy(_parse(path))


@functools.cache
def _parse(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def k8s_documents() -> list[tuple[Path, dict[str, Any]]]:
    """Every Kubernetes object in deploy/k8s/ with the file it comes from (kustomization aside)."""
    return [
        (path, doc)
        for path in sorted(K8S.glob("*.yaml"))
        if path.name != "kustomization.yaml"
        for doc in load_documents(path)
    ]


def k8s_object(kind: str, name: str) -> dict[str, Any]:
    """The one object of ``kind`` named ``name`` in deploy/k8s/."""
    found = [
        doc for _, doc in k8s_documents() if doc["kind"] == kind and doc["metadata"]["name"] == name
    ]
    assert len(found) == 1, f"expected one {kind}/{name} in deploy/k8s, found {len(found)}"
    return found[0]


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}`` and ``${VAR:?error}``."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        value = env.get(name)
        if op in (":-", "-"):
            unset = value is None or (op == ":-" and value == "")
            return arg if unset else str(value)
        if op in (":?", "?") and (value is None or (op == ":?" and value == "")):
            raise KeyError(f"compose requires ${{{name}}}: {arg}")
        return value or ""

    return _INTERPOLATION.sub(substitute, text.replace("$$", "\0")).replace("\0", "$")


def compose_config(env: Mapping[str, str] = COMPOSE_TEST_ENV) -> dict[str, Any]:
    """deploy/compose.yaml interpolated with ``env``, YAML anchors and merge keys resolved."""
    loaded: dict[str, Any] = yaml.safe_load(interpolate(COMPOSE.read_text(), env))
    return loaded


def env_names_in_text() -> dict[str, set[str]]:
    """Every ``SWARM_*`` name written in the Dockerfile, compose file, manifests or their doc."""
    paths = [DOCKERFILE, COMPOSE, *sorted(K8S.glob("*.yaml")), DEPLOY_DOC]
    return {str(path.relative_to(ROOT)): set(_ENV_NAME.findall(path.read_text())) for path in paths}


def settings_env_names() -> set[str]:
    """The environment variable of every field of :class:`Settings`."""
    prefix = str(Settings.model_config.get("env_prefix", "")).upper()
    return {prefix + name.upper() for name in Settings.model_fields}


@dataclass(frozen=True)
class Process:
    """One swarm process an artefact starts: where, its ``swarm`` argv and its environment."""

    where: str
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)

    @property
    def role(self) -> str:
        """The command word (worker, coordinator, serve, db)."""
        return self.argv[0]

    def option(self, name: str) -> str | None:
        """The value given to ``--name`` (the last one when repeated), None when absent."""
        values = [self.argv[i + 1] for i, arg in enumerate(self.argv[:-1]) if arg == name]
        return values[-1] if values else None


def compose_processes() -> list[Process]:
    """The swarm processes of compose.yaml: services built from deploy/Dockerfile."""
    services = compose_config()["services"]
    return [
        Process(
            where=f"compose service {name}",
            argv=tuple(service["command"]),
            env={k: str(v) for k, v in (service.get("environment") or {}).items()},
        )
        for name, service in services.items()
        if service.get("build", {}).get("dockerfile") == "deploy/Dockerfile"
    ]


def pod_containers() -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """(object, pod spec, container) for every container of every workload in deploy/k8s/."""
    for _, doc in k8s_documents():
        if doc["kind"] in ("Deployment", "Job"):
            pod = doc["spec"]["template"]["spec"]
            for container in pod["containers"]:
                yield doc, pod, container


def container_env(container: Mapping[str, Any]) -> dict[str, str]:
    """A container's environment as Kubernetes builds it: envFrom sources, then env entries."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(k8s_object("ConfigMap", source["configMapRef"]["name"])["data"])
        if "secretRef" in source:
            env.update(k8s_object("Secret", source["secretRef"]["name"])["stringData"])
    for entry in container.get("env", []):
        env[entry["name"]] = str(entry.get("value", ""))
    return env


def k8s_processes() -> list[Process]:
    """The swarm processes of deploy/k8s/ (the image's ENTRYPOINT is ``swarm``)."""
    return [
        Process(
            where=f"{doc['kind']} {doc['metadata']['name']}",
            argv=tuple(container["args"]),
            env=container_env(container),
        )
        for doc, _, container in pod_containers()
    ]


def all_processes() -> list[Process]:
    """Every swarm process that compose.yaml and deploy/k8s/ start."""
    return [*compose_processes(), *k8s_processes()]


def cli_command(
    words: tuple[str, ...], cli: typer.Typer = app
) -> tuple[Any, tuple[str, ...]] | None:
    """The command object the ``swarm`` CLI runs for ``words`` and the words naming it.

    Walks the groups of ``cli`` (swarm's app by default): ``db upgrade`` is ``upgrade`` inside
    ``db``, and groups are the command objects with ``commands``. None when a command word is
    not in the app, or when the words stop at a group, which alone only prints its help.
    """
    command: Any = typer.main.get_command(cli)
    path: list[str] = []
    for word in words:
        if not hasattr(command, "commands"):
            break
        sub = command.commands.get(word)
        if sub is None:
            return None
        command = sub
        path.append(word)
    if hasattr(command, "commands"):
        return None
    return command, tuple(path)


def command_options(command: Any) -> set[str]:
    """Every ``--option`` spelling a CLI command accepts."""
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


def command_words(argv: tuple[str, ...]) -> tuple[str, ...]:
    """The leading non-option words of ``argv`` (``("db", "upgrade")``, ``("worker",)``)."""
    words: list[str] = []
    for arg in argv:
        if arg.startswith("-"):
            break
        words.append(arg)
    return tuple(words)


def options_used(argv: tuple[str, ...]) -> set[str]:
    """The ``--options`` named in ``argv``."""
    return {arg.split("=", 1)[0] for arg in argv if arg.startswith("--")}
