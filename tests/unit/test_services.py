"""Services: one per type, dependency order, reverse stop, optional failures, restart."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import anyio
import pytest

from swarm.characters import Character
from swarm.errors import (
    DependencyCycleError,
    MissingDependencyError,
    RuntimeClosedError,
    ServiceError,
)
from swarm.runtime import AgentRuntime, Plugin, RuntimeStatus, Service, ServiceStatus


def character(name: str = "Tester", **fields: Any) -> Character:
    """A minimal valid character; ``fields`` as Character's snake_case attributes."""
    return Character(name=name, bio="An agent under test.", **fields)


def recording_service(
    service_type: str,
    log: list[str],
    *,
    dependencies: tuple[str, ...] = (),
    optional: bool = False,
    fail_start: bool = False,
    fail_stop: bool = False,
) -> type[Service]:
    """A service class that appends ``start:<type>`` / ``stop:<type>`` to ``log``."""

    class Recording(Service):
        @classmethod
        async def start(cls, runtime: AgentRuntime) -> Recording:
            if fail_start:
                raise ConnectionRefusedError(f"{service_type} backend down")
            log.append(f"start:{service_type}")
            return cls(runtime)

        async def stop(self) -> None:
            log.append(f"stop:{service_type}")
            if fail_stop:
                raise OSError(f"{service_type} would not close")

    Recording.service_type = service_type
    Recording.dependencies = dependencies
    Recording.optional = optional
    Recording.__qualname__ = f"Recording[{service_type}]"
    return Recording


@pytest.mark.anyio
async def test_register_service_starts_it_once_per_type() -> None:
    """A second registration of a service type returns the running instance, not a new one."""
    log: list[str] = []
    cls = recording_service("cache", log)
    runtime = AgentRuntime(character())
    first = await runtime.register_service(cls)
    second = await runtime.register_service(cls)
    assert second is first
    assert log == ["start:cache"]
    assert runtime.get_service_status("cache") is ServiceStatus.RUNNING


@pytest.mark.anyio
async def test_concurrent_registrations_share_one_start() -> None:
    """Two registrations racing for one type start a single instance."""
    starts: list[str] = []
    gate = anyio.Event()

    class Slow(Service):
        service_type = "slow"

        @classmethod
        async def start(cls, runtime: AgentRuntime) -> Slow:
            starts.append("start")
            await gate.wait()
            return cls(runtime)

        async def stop(self) -> None:
            pass

    runtime = AgentRuntime(character())
    got: list[Service] = []

    async def register() -> None:
        got.append(await runtime.register_service(Slow))

    async with anyio.create_task_group() as tg:
        tg.start_soon(register)
        tg.start_soon(register)
        await anyio.wait_all_tasks_blocked()
        gate.set()
    assert starts == ["start"]
    assert got[0] is got[1]


@pytest.mark.anyio
async def test_get_service_by_type_name_or_class() -> None:
    """get_service finds a running service by service_type or class, and gives None otherwise."""
    cls = recording_service("search", [])
    runtime = AgentRuntime(character())
    instance = await runtime.register_service(cls)
    assert runtime.get_service("search") is instance
    assert runtime.get_service(cls) is instance
    assert runtime.get_service("nothing-here") is None
    assert runtime.get_service_status("nothing-here") is None


@pytest.mark.anyio
async def test_services_start_in_dependency_order_and_stop_in_reverse() -> None:
    """Services start after those they depend on, across plugins, and stop in reverse."""
    log: list[str] = []
    api = recording_service("api", log, dependencies=("db", "cache"))
    db = recording_service("db", log)
    cache = recording_service("cache", log, dependencies=("db",))
    runtime = AgentRuntime(
        character(),
        plugins=[Plugin(name="web", services=[api]), Plugin(name="infra", services=[cache, db])],
    )
    await runtime.initialize()
    assert log == ["start:db", "start:cache", "start:api"]
    log.clear()
    await runtime.stop()
    assert log == ["stop:api", "stop:cache", "stop:db"]


@pytest.mark.anyio
async def test_a_service_cycle_is_named() -> None:
    """Services depending on each other in a ring fail initialize() naming the ring."""
    a = recording_service("a", [], dependencies=("b",))
    b = recording_service("b", [], dependencies=("a",))
    runtime = AgentRuntime(character(), plugins=[Plugin(name="p", services=[a, b])])
    with pytest.raises(DependencyCycleError, match=r"^service dependency cycle: a -> b -> a;"):
        await runtime.initialize()


@pytest.mark.anyio
async def test_a_missing_service_dependency_names_both() -> None:
    """A service needing a type no plugin provides fails initialize() naming both types."""
    api = recording_service("api", [], dependencies=("db",))
    runtime = AgentRuntime(character(), plugins=[Plugin(name="p", services=[api])])
    with pytest.raises(
        MissingDependencyError, match=r"service 'api' depends on service type 'db', which no"
    ):
        await runtime.initialize()


@pytest.mark.anyio
async def test_a_failing_required_service_aborts_initialize() -> None:
    """A required service that cannot start fails initialize() with a chained ServiceError."""
    log: list[str] = []
    db = recording_service("db", log)
    broken = recording_service("mail", log, dependencies=("db",), fail_start=True)
    runtime = AgentRuntime(character(), plugins=[Plugin(name="p", services=[db, broken])])
    with pytest.raises(
        ServiceError, match=r"^service 'mail' \(Recording\[mail\]\) failed"
    ) as caught:
        await runtime.initialize()
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)
    assert log == ["start:db", "stop:db"]  # what had started is stopped again
    assert runtime.status is RuntimeStatus.FAILED
    assert runtime.get_service_status("mail") is ServiceStatus.FAILED


@pytest.mark.anyio
async def test_a_runtime_that_failed_to_start_cannot_be_initialized_again() -> None:
    """After a failed initialize(), another initialize() raises RuntimeClosedError."""
    broken = recording_service("mail", [], fail_start=True)
    runtime = AgentRuntime(character(), plugins=[Plugin(name="p", services=[broken])])
    with pytest.raises(ServiceError):
        await runtime.initialize()
    with pytest.raises(RuntimeClosedError, match="create a new AgentRuntime"):
        await runtime.initialize()


@pytest.mark.anyio
async def test_a_failing_optional_service_is_logged_and_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An optional service that fails leaves the agent ACTIVE, the failure logged."""
    log: list[str] = []
    flaky = recording_service("metrics", log, optional=True, fail_start=True)
    db = recording_service("db", log)
    runtime = AgentRuntime(character("Opt"), plugins=[Plugin(name="p", services=[flaky, db])])
    with caplog.at_level(logging.WARNING, logger="swarm.runtime"):
        await runtime.initialize()
    assert runtime.status is RuntimeStatus.ACTIVE
    assert log == ["start:db"]
    assert runtime.get_service("metrics") is None
    assert runtime.get_service_status("metrics") is ServiceStatus.FAILED
    [record] = [r for r in caplog.records if "metrics" in r.getMessage()]
    assert record.name == "swarm.runtime.services"
    assert record.getMessage().startswith("agent Opt (")
    assert "optional service 'metrics' skipped" in record.getMessage()
    await runtime.stop()


@pytest.mark.anyio
async def test_optional_dependents_of_a_failed_optional_service_are_skipped() -> None:
    """An optional service whose (optional) dependency failed is skipped, not started."""
    log: list[str] = []
    base = recording_service("base", log, optional=True, fail_start=True)
    addon = recording_service("addon", log, dependencies=("base",), optional=True)
    runtime = AgentRuntime(character(), plugins=[Plugin(name="p", services=[base, addon])])
    await runtime.initialize()
    assert log == []
    assert runtime.get_service_status("addon") is ServiceStatus.FAILED
    await runtime.stop()


@pytest.mark.anyio
async def test_a_required_dependent_of_a_failed_optional_service_fails() -> None:
    """A required service whose optional dependency failed aborts initialize() naming both."""
    base = recording_service("base", [], optional=True, fail_start=True)
    core = recording_service("core", [], dependencies=("base",))
    runtime = AgentRuntime(character(), plugins=[Plugin(name="p", services=[base, core])])
    with pytest.raises(ServiceError, match=r"service 'core' needs service 'base', which is failed"):
        await runtime.initialize()


@pytest.mark.anyio
async def test_restart_service_replaces_the_instance() -> None:
    """restart_service stops the running instance and starts a new one of the same class."""
    log: list[str] = []
    runtime = AgentRuntime(character())
    old = await runtime.register_service(recording_service("cache", log))
    new = await runtime.restart_service("cache")
    assert new is not old
    assert runtime.get_service("cache") is new
    assert log == ["start:cache", "stop:cache", "start:cache"]
    assert runtime.get_service_status("cache") is ServiceStatus.RUNNING


@pytest.mark.anyio
async def test_restart_goes_on_when_the_old_instance_fails_to_stop() -> None:
    """A service whose stop raises is still replaced by restart_service."""
    log: list[str] = []
    runtime = AgentRuntime(character())
    await runtime.register_service(recording_service("cache", log, fail_stop=True))
    await runtime.restart_service("cache")
    assert log == ["start:cache", "stop:cache", "start:cache"]
    assert runtime.get_service_status("cache") is ServiceStatus.RUNNING


@pytest.mark.anyio
async def test_restarting_an_unknown_service_says_so() -> None:
    """restart_service of a type never registered raises ServiceError naming it."""
    runtime = AgentRuntime(character())
    with pytest.raises(ServiceError, match=r"cannot restart service 'ghost': it was never"):
        await runtime.restart_service("ghost")


@pytest.mark.anyio
async def test_a_failing_stop_does_not_prevent_the_others() -> None:
    """stop() stops every service even when one fails, then raises a group of the failures."""
    log: list[str] = []
    a = recording_service("a", log)
    b = recording_service("b", log, fail_stop=True)
    c = recording_service("c", log)
    runtime = AgentRuntime(character(), plugins=[Plugin(name="p", services=[a, b, c])])
    await runtime.initialize()
    log.clear()
    with pytest.raises(ExceptionGroup) as caught:
        await runtime.stop()
    assert log == ["stop:c", "stop:b", "stop:a"]
    [error] = caught.value.exceptions
    assert isinstance(error, ServiceError)
    assert str(error).startswith("service 'b' failed to stop cleanly: OSError: b would not close")
    assert runtime.status is RuntimeStatus.INACTIVE


@pytest.mark.anyio
async def test_a_service_without_a_type_is_refused() -> None:
    """Registering a Service subclass lacking service_type raises ServiceError saying so."""

    class Nameless(Service):
        async def stop(self) -> None:
            pass

    runtime = AgentRuntime(character())
    with pytest.raises(ServiceError, match=r"Nameless has no service_type"):
        await runtime.register_service(Nameless)


class _Later(Service):
    service_type: ClassVar[str] = "later"

    async def stop(self) -> None:
        pass


@pytest.mark.anyio
async def test_the_default_start_builds_the_service_for_the_runtime() -> None:
    """Service.start's default returns an instance bound to the runtime that started it."""
    runtime = AgentRuntime(character())
    instance = await runtime.register_service(_Later)
    assert isinstance(instance, _Later)
    assert instance.runtime is runtime
