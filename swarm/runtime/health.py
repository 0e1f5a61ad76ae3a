"""Health and troubleshooting reports of one runtime, as plain JSON-able data."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import anyio

from swarm.models.breaker import CircuitState
from swarm.models.types import ModelType
from swarm.runtime.logs import describe
from swarm.runtime.metrics import rss_mb
from swarm.runtime.services import ServiceStatus

if TYPE_CHECKING:
    from swarm.runtime.runtime import AgentRuntime

__all__ = ["MEMORY_WARNING_MB", "PING_TIMEOUT_S", "diagnose", "health"]

PING_TIMEOUT_S = 2.0
"""A store that does not answer a ping within this is reported unreachable."""
MEMORY_WARNING_MB = 2048.0
"""Peak resident memory above which diagnose() flags the process."""


async def _ping(runtime: AgentRuntime) -> dict[str, Any]:
    adapter = runtime.adapter
    if adapter is None:
        return {"configured": False, "ok": True, "error": None}
    started = time.perf_counter()
    try:
        with anyio.fail_after(PING_TIMEOUT_S):
            await adapter.ping()
    except Exception as exc:
        return {"configured": True, "ok": False, "error": describe(exc)}
    latency_ms = round((time.perf_counter() - started) * 1000.0, 3)
    return {"configured": True, "ok": True, "error": None, "latency_ms": latency_ms}


def _service_statuses(runtime: AgentRuntime) -> dict[str, str]:
    registry = runtime.services
    return {t: str(registry.status(t)) for t in registry.known}


async def health(runtime: AgentRuntime) -> dict[str, Any]:
    """Healthy or not, with reasons; uptime, services, circuit breakers, store ping."""
    reasons: list[str] = []
    if not runtime.is_initialized:
        reasons.append(f"runtime is {runtime.status}, not active")
    services = _service_statuses(runtime)
    reasons += [f"service {t!r} is {s}" for t, s in services.items() if s == ServiceStatus.FAILED]
    store = await _ping(runtime)
    if not store["ok"]:
        reasons.append(f"memory store unreachable: {store['error']}")
    breakers = {b.name: _breaker_dict(b) for b in runtime.model_router.states()}
    text = [r.provider for r in runtime.get_model_handlers(ModelType.TEXT_LARGE)]
    if text and all(breakers.get(p, {}).get("state") == CircuitState.OPEN for p in text):
        reasons.append("every TEXT_LARGE model provider's circuit is open")
    return {
        "healthy": not reasons,
        "status": "healthy" if not reasons else "unhealthy",
        "reasons": reasons,
        "agent_id": runtime.agent_id,
        "agent_name": runtime.character.name,
        "uptime_s": round(time.monotonic() - runtime.metrics.started_at, 3),
        "services": services,
        "circuit_breakers": breakers,
        "store": store,
    }


def _breaker_dict(state: Any) -> dict[str, Any]:
    return {
        "state": str(state.state),
        "failures": state.failures,
        "retry_in_s": round(state.retry_in_s, 3),
        "last_error": state.last_error,
    }


def _check(name: str, ok: bool, detail: str, **data: Any) -> dict[str, Any]:
    return {"check": name, "ok": ok, "detail": detail, **data}


async def diagnose(runtime: AgentRuntime) -> dict[str, Any]:
    """The troubleshooting checks: initialised, services, actions, store, memory, plugins."""
    services = _service_statuses(runtime)
    failed = [t for t, s in services.items() if s == ServiceStatus.FAILED]
    store = await _ping(runtime)
    memory_mb = rss_mb()
    missing = runtime.missing_plugins()
    checks = [
        _check(
            "initialized",
            runtime.is_initialized,
            f"runtime is {runtime.status}",
        ),
        _check(
            "services",
            not failed,
            f"failed: {', '.join(failed)}"
            if failed
            else f"{len(services)} registered, none failed",
            services=services,
        ),
        _check(
            "actions",
            bool(runtime.actions),
            f"{len(runtime.actions)} registered",
            actions=list(runtime.actions),
        ),
        _check(
            "store_connection",
            store["ok"],
            store["error"] or ("reachable" if store["configured"] else "no store configured"),
        ),
        _check(
            "memory_usage",
            memory_mb < MEMORY_WARNING_MB,
            f"peak RSS {memory_mb:.1f} MiB (warning above {MEMORY_WARNING_MB:.0f} MiB)",
            rss_mb=round(memory_mb, 1),
        ),
        _check(
            "plugin_dependencies",
            not missing,
            f"missing: {', '.join(missing)}; install them or remove them from the character"
            if missing
            else "every requested plugin was found",
            missing=missing,
        ),
    ]
    return {
        "agent_id": runtime.agent_id,
        "agent_name": runtime.character.name,
        "ok": all(c["ok"] for c in checks),
        "checks": checks,
    }
