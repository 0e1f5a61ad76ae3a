"""deploy/compose.yaml: a valid Compose file whose services start in order and stop gracefully."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from compose_spec.compose_spec import PyCompose, parse_duration

from swarm.settings import Settings
from tests.support.deploy import (
    COMPOSE,
    HEALTH_PATH,
    compose_config,
    compose_processes,
    interpolate,
)

SWARM_SERVICES = ("migrate", "coordinator", "worker", "gateway")
_PROBE_URL = re.compile(r"http://127\.0\.0\.1:(?P<port>\d+)(?P<path>/[^'\"\s]*)")


def _services() -> dict[str, Any]:
    services: dict[str, Any] = compose_config()["services"]
    return services


def test_compose_file_passes_the_strict_compose_spec_parser() -> None:
    """The interpolated compose file parses with the Compose-spec parser (unknown keys refused)."""
    parsed = PyCompose.from_json(json.dumps(compose_config()))
    assert set(parsed.service_names()) == {"redis", "postgres", *SWARM_SERVICES}


def test_compose_spec_parser_refuses_an_unknown_service_key() -> None:
    """The parser the test above relies on rejects a misspelt service key (it can fail)."""
    config = compose_config()
    config["services"]["worker"]["stop_grace_periods"] = "45s"
    with pytest.raises(ValueError, match="stop_grace_periods"):
        PyCompose.from_json(json.dumps(config))


def test_compose_refuses_to_start_without_an_api_key() -> None:
    """Interpolating without SWARM_API_KEY fails, as `docker compose up` would."""
    with pytest.raises(KeyError, match="SWARM_API_KEY"):
        interpolate(COMPOSE.read_text(), {})


def test_redis_persists_with_aof_on_a_volume() -> None:
    """Valkey/Redis runs with appendonly yes and keeps /data on a named volume."""
    redis = _services()["redis"]
    assert redis["image"].split(":")[0] in ("valkey/valkey", "redis")
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert any(v.endswith(":/data") for v in redis["volumes"])
    assert "healthcheck" in redis


def test_postgres_is_the_pgvector_image_with_a_healthcheck() -> None:
    """PostgreSQL comes from the pgvector image and reports healthy through pg_isready."""
    postgres = _services()["postgres"]
    assert postgres["image"].startswith("pgvector/pgvector:")
    assert "pg_isready" in postgres["healthcheck"]["test"]


def test_migration_runs_once_before_every_swarm_process() -> None:
    """Every swarm service waits for `swarm db upgrade` to complete successfully."""
    services = _services()
    migrate = services["migrate"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("coordinator", "worker", "gateway"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name


def test_workers_are_replicated() -> None:
    """The worker service runs several replicas (competing consumers)."""
    assert _services()["worker"]["deploy"]["replicas"] >= 2


def test_every_swarm_service_runs_the_deploy_image() -> None:
    """All swarm services build deploy/Dockerfile from the repository root into one image."""
    services = _services()
    images = {services[name]["image"] for name in SWARM_SERVICES}
    assert len(images) == 1
    for name in SWARM_SERVICES:
        assert services[name]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}


@pytest.mark.parametrize("name", ["coordinator", "worker", "gateway"])
def test_stop_grace_period_exceeds_the_drain_timeout(name: str) -> None:
    """Docker waits longer than the service's drain timeout before it sends SIGKILL."""
    service = _services()[name]
    env = service["environment"]
    drain_s = float(env.get("SWARM_DRAIN_TIMEOUT_S", Settings().drain_timeout_s))
    assert service.get("stop_signal", "SIGTERM") == "SIGTERM"
    assert parse_duration(service["stop_grace_period"]) > drain_s


@pytest.mark.parametrize("name", ["coordinator", "worker", "gateway"])
def test_healthcheck_hits_the_contract_health_endpoint(name: str) -> None:
    """The healthcheck fetches /health on the port the process serves it on."""
    service = _services()[name]
    probe = _PROBE_URL.search(" ".join(service["healthcheck"]["test"]))
    assert probe is not None
    assert probe["path"] == HEALTH_PATH
    command = service["command"]
    if command[0] == "serve":
        expected = int(command[command.index("--port") + 1])
    else:
        expected = int(service["environment"]["SWARM_HEALTH_PORT"])
        assert expected != 0, "SWARM_HEALTH_PORT=0 turns the health endpoint off"
    assert int(probe["port"]) == expected


def test_gateway_publishes_its_serve_port() -> None:
    """The gateway's published container port is the one `swarm serve --port` listens on."""
    gateway = _services()["gateway"]
    port = gateway["command"][gateway["command"].index("--port") + 1]
    assert any(str(p).endswith(f":{port}") for p in gateway["ports"])


def test_compose_processes_are_found() -> None:
    """The helper the CLI and env tests use sees all four swarm services."""
    assert sorted(p.role for p in compose_processes()) == ["coordinator", "db", "serve", "worker"]
