"""Long-lived services: one instance per type, started in dependency order, stopped in reverse.

A service is a class with a ``service_type``; ``await ServiceClass.start(runtime)`` builds the
running instance (elizaOS's contract) and ``await service.stop()`` releases it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar, Self

import anyio

from swarm.errors import MissingDependencyError, ServiceError
from swarm.runtime.logs import AgentLogger, describe
from swarm.runtime.toposort import topological_order

if TYPE_CHECKING:
    from swarm.runtime.runtime import AgentRuntime

__all__ = ["Service", "ServiceRegistry", "ServiceStatus"]


class ServiceStatus(StrEnum):
    """Where a registered service is in its life."""

    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    FAILED = "failed"


class Service(ABC):
    """Base of every service. Subclasses set ``service_type`` and implement :meth:`stop`.

    ``dependencies`` lists the service types that must run first; an ``optional`` service
    that fails to start is logged and skipped instead of failing the agent.
    """

    service_type: ClassVar[str]
    capability_description: ClassVar[str] = ""
    dependencies: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[bool] = False

    def __init__(self, runtime: AgentRuntime) -> None:
        self.runtime = runtime

    @classmethod
    async def start(cls, runtime: AgentRuntime) -> Self:
        """Build and start the service for ``runtime``; override to connect, spawn, warm up."""
        return cls(runtime)

    @abstractmethod
    async def stop(self) -> None:
        """Release what :meth:`start` acquired."""


def _service_type(cls: type[Service]) -> str:
    service_type = getattr(cls, "service_type", None)
    if not isinstance(service_type, str) or not service_type:
        raise ServiceError(
            f"service class {cls.__qualname__} has no service_type; "
            f'set a class attribute such as service_type = "{cls.__name__.lower()}"'
        )
    return service_type


class ServiceRegistry:
    """The services of one agent: which classes are known, which instances run, in what order."""

    def __init__(self, runtime: AgentRuntime, logger: AgentLogger) -> None:
        self._runtime = runtime
        self._log = logger
        self._classes: dict[str, type[Service]] = {}
        self._instances: dict[str, Service] = {}
        self._status: dict[str, ServiceStatus] = {}
        self._starting: dict[str, anyio.Event] = {}
        # Start order, kept across restarts so stop_all() always runs in reverse dependency order.
        self._order: list[str] = []

    def get(self, service_type: str) -> Service | None:
        """The running instance of ``service_type``, or None."""
        return self._instances.get(service_type)

    def status(self, service_type: str) -> ServiceStatus | None:
        """The status of ``service_type``, or None when no such service was registered."""
        return self._status.get(service_type)

    @property
    def known(self) -> list[str]:
        """Every service type that was ever started or tried, in first-attempt order."""
        return list(self._status)

    @property
    def running(self) -> list[str]:
        """The running service types, in start order."""
        return [t for t in self._order if t in self._instances]

    async def start(self, cls: type[Service]) -> Service:
        """Start ``cls`` unless its type already runs (then return that instance).

        Its dependencies must already run; a failure raises :class:`ServiceError`, even for
        an optional service (the caller asked for this one explicitly).
        """
        service_type = _service_type(cls)
        self._classes.setdefault(service_type, cls)
        await self._start_one(service_type, required=True)
        return self._instances[service_type]

    async def start_all(self, classes: Iterable[type[Service]]) -> None:
        """Start every class in dependency order; the first registration of a type wins.

        A required service that fails raises :class:`ServiceError` (after which the caller
        should :meth:`stop_all`); an optional one is logged, marked FAILED and skipped, and
        so is every optional service that depends on it.
        """
        pending: list[str] = []
        for cls in classes:
            service_type = _service_type(cls)
            known = self._classes.setdefault(service_type, cls)
            if known is not cls:
                self._log.warning(
                    "service type %r is provided by %s already; ignoring %s",
                    service_type,
                    known.__qualname__,
                    cls.__qualname__,
                )
            if service_type not in self._instances and service_type not in pending:
                pending.append(service_type)
        deps = {t: self._classes[t].dependencies for t in pending}
        for service_type, needs in deps.items():
            for need in needs:
                if need not in deps and need not in self._classes:
                    raise MissingDependencyError(
                        f"service {service_type!r} depends on service type {need!r}, which no "
                        f"plugin provides; add the plugin that registers {need!r}"
                    )
        for service_type in topological_order(pending, deps, kind="service"):
            await self._start_one(service_type, required=not self._classes[service_type].optional)

    async def _start_one(self, service_type: str, *, required: bool) -> None:
        if service_type in self._instances:
            return
        if (starting := self._starting.get(service_type)) is not None:
            await starting.wait()
            if service_type not in self._instances:
                raise ServiceError(f"service {service_type!r} failed to start; see the log")
            return
        cls = self._classes[service_type]
        for need in cls.dependencies:
            if need not in self._instances:
                error = ServiceError(
                    f"service {service_type!r} needs service {need!r}, which is "
                    f"{self._status.get(need, ServiceStatus.STOPPED)}; start {need!r} first"
                )
                self._fail(service_type, error, required=required)
                return
        self._starting[service_type] = event = anyio.Event()
        self._status[service_type] = ServiceStatus.STARTING
        try:
            instance = await cls.start(self._runtime)
            if not isinstance(instance, Service):
                raise TypeError(f"{cls.__qualname__}.start() returned {type(instance).__name__}")
        except Exception as exc:
            error = ServiceError(
                f"service {service_type!r} ({cls.__qualname__}) failed to start: {describe(exc)}; "
                "fix its configuration, or set optional = True to run the agent without it"
            )
            error.__cause__ = exc
            self._fail(service_type, error, required=required)
        else:
            self._instances[service_type] = instance
            self._status[service_type] = ServiceStatus.RUNNING
            if service_type not in self._order:
                self._order.append(service_type)
            self._log.debug("service %r started", service_type)
        finally:
            del self._starting[service_type]
            event.set()

    def _fail(self, service_type: str, error: ServiceError, *, required: bool) -> None:
        self._status[service_type] = ServiceStatus.FAILED
        if required:
            raise error
        self._log.warning("optional service %r skipped: %s", service_type, error, exc_info=error)

    async def stop(self, service_type: str) -> None:
        """Stop one running service; a failure raises :class:`ServiceError` naming it."""
        instance = self._instances.pop(service_type, None)
        if instance is None:
            return
        self._status[service_type] = ServiceStatus.STOPPING
        try:
            await instance.stop()
        except Exception as exc:
            self._status[service_type] = ServiceStatus.FAILED
            raise ServiceError(
                f"service {service_type!r} failed to stop cleanly: {describe(exc)}; "
                "resources it held may leak until the process exits"
            ) from exc
        self._status[service_type] = ServiceStatus.STOPPED
        self._log.debug("service %r stopped", service_type)

    async def stop_all(self) -> list[ServiceError]:
        """Stop every running service in reverse start order; return the failures (logged)."""
        errors: list[ServiceError] = []
        for service_type in reversed(self.running):
            try:
                await self.stop(service_type)
            except ServiceError as error:
                self._log.error("%s", error, exc_info=error)
                errors.append(error)
        return errors

    async def restart(self, service_type: str) -> Service:
        """Stop ``service_type`` (a failing stop is logged) and start a fresh instance."""
        cls = self._classes.get(service_type)
        if cls is None:
            known = ", ".join(sorted(self._classes)) or "none"
            raise ServiceError(
                f"cannot restart service {service_type!r}: it was never registered "
                f"(registered: {known}); register it with register_service() first"
            )
        try:
            await self.stop(service_type)
        except ServiceError as error:
            self._log.warning("restarting despite: %s", error, exc_info=error)
        await self._start_one(service_type, required=True)
        self._log.info("service %r restarted", service_type)
        return self._instances[service_type]
