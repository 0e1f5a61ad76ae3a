"""The agent runtime: one character, its plugins, services, models and events.

Lifecycle (elizaOS's): ``initialize()`` readies the store, resolves and orders the plugins,
registers each (init, services, actions, providers, evaluators, models, events), starts the
services in dependency order, runs the plugins' ``start`` hooks, and marks the agent ACTIVE.
``stop()`` runs the plugins' ``stop`` hooks and stops the services, both in reverse order.
A stopped runtime stays stopped; build a new one to run the agent again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, TypeVar, overload

import anyio

from swarm.characters import Character, resolve_plugin_names
from swarm.errors import (
    DuplicateRegistrationError,
    MissingDependencyError,
    NotInFleetError,
    PluginError,
    RuntimeClosedError,
    StoreError,
    SwarmError,
)
from swarm.hierarchy import Permissions, TaskResult
from swarm.ids import string_to_uuid
from swarm.models.types import ModelHandler, ModelType
from swarm.runtime import health, hooks
from swarm.runtime.adapter import StoreAdapter
from swarm.runtime.builtins import add_defaults
from swarm.runtime.components import (
    Action,
    ActionResult,
    Evaluator,
    HandlerCallback,
    Provider,
    State,
)
from swarm.runtime.events import EventBus, EventHandler, EventType
from swarm.runtime.fleet import FLEET_SERVICE, FleetService
from swarm.runtime.logs import AgentLogger, describe
from swarm.runtime.metrics import RuntimeMetrics
from swarm.runtime.model_calls import ModelRouter
from swarm.runtime.model_handlers import ModelHandlers, ModelRegistration
from swarm.runtime.pipeline import MessagePipeline
from swarm.runtime.plugin import Plugin, Veto
from swarm.runtime.resolve import PluginCatalog, order_plugins, requested_names, with_dependencies
from swarm.runtime.response import Response
from swarm.runtime.services import Service, ServiceRegistry, ServiceStatus
from swarm.types import Content, Memory

__all__ = ["AgentRuntime", "RuntimeStatus"]

S = TypeVar("S", bound=Service)

_BOOLEAN_STRINGS: dict[str, bool] = {"true": True, "false": False}


class RuntimeStatus(StrEnum):
    """Where an agent runtime is in its life."""

    INACTIVE = "inactive"
    STARTING = "starting"
    ACTIVE = "active"
    STOPPING = "stopping"
    FAILED = "failed"


class AgentRuntime:
    """Runs one agent. Build it, ``await initialize()``, use it, ``await stop()``.

    ``settings`` are this runtime's own settings (see :meth:`get_setting`). With
    ``lazy=True`` only plugins marked ``core`` (and what they depend on) load at start; the
    others load when one of their actions or models is first asked for. The runtime calls
    ``adapter.init()`` but closes the adapter on stop only when ``owns_adapter`` is true,
    since one store usually serves every agent of a worker.
    """

    def __init__(
        self,
        character: Character,
        adapter: StoreAdapter | None = None,
        plugins: Iterable[Plugin] = (),
        settings: Mapping[str, Any] | None = None,
        lazy: bool = False,
        *,
        owns_adapter: bool = False,
    ) -> None:
        given = list(plugins)
        self.character = character
        self.agent_id: str = character.id or string_to_uuid(character.name)
        self.adapter = adapter
        self.owns_adapter = owns_adapter
        self.settings: dict[str, Any] = dict(settings or {})
        self.readable_agents: tuple[str, ...] = ()
        """Other agents whose private memories this one reads (a child: its parent's, when
        ``can_access_parent_memory``); the store query enforces it."""
        self.lazy = lazy
        self.logger = AgentLogger("swarm.runtime", character.name, self.agent_id)
        self.status = RuntimeStatus.INACTIVE
        self.actions: dict[str, Action] = {}
        self.providers: dict[str, Provider] = {}
        self.evaluators: dict[str, Evaluator] = {}
        self.models = ModelHandlers()
        self.model_router = ModelRouter()
        self.metrics = RuntimeMetrics()
        self.services = ServiceRegistry(self, self.logger.child("services"))
        self.events = EventBus(self, self.logger.child("events"))
        self._plugins: dict[str, Plugin] = {}
        self._catalog = PluginCatalog(given)
        self._given = [plugin.name for plugin in given]
        self._deferred: list[Plugin] = []  # lazy mode: resolved, in load order, not yet loaded
        self._lifecycle_lock = anyio.Lock()
        self._load_lock = anyio.Lock()
        self._closed = False
        self._pipeline = MessagePipeline(self)

    def __repr__(self) -> str:
        return f"<AgentRuntime {self.character.name} {self.agent_id} {self.status}>"

    @property
    def plugins(self) -> list[Plugin]:
        """The registered plugins, in load order (a copy: a hook may load one lazily)."""
        return list(self._plugins.values())

    @property
    def is_initialized(self) -> bool:
        """True once :meth:`initialize` has finished and until :meth:`stop`."""
        return self.status is RuntimeStatus.ACTIVE

    # -- settings ---------------------------------------------------------------------------

    def get_setting(self, key: str) -> Any:
        """The value of setting ``key``, or None.

        Looked up in order: the runtime's ``settings``, ``character.settings``,
        ``character.secrets``, then ``character.settings["secrets"]``; the first value that
        is not None wins. As in elizaOS the strings ``"true"``/``"false"`` become booleans.

        elizaOS itself reads ``secrets`` first and its runtime settings last, and skips
        every falsy value; here the runtime's settings come first so that whoever runs the
        agent can override its character file, and ``""``, ``0`` and ``False`` are values.
        """
        nested = self.character.settings.get("secrets")
        sources = (
            self.settings,
            self.character.settings,
            self.character.secrets,
            nested if isinstance(nested, Mapping) else {},
        )
        for source in sources:
            value = source.get(key)
            if value is not None:
                return _BOOLEAN_STRINGS.get(value, value) if isinstance(value, str) else value
        return None

    # -- lifecycle --------------------------------------------------------------------------

    async def initialize(self) -> None:
        """Start the agent (see the module docstring). Calling it again does nothing.

        Concurrent calls initialise once. On failure, whatever started is stopped again
        and the error propagates; the runtime is then closed.
        """
        async with self._lifecycle_lock:
            if self.status is RuntimeStatus.ACTIVE:
                return
            if self._closed:
                raise RuntimeClosedError(
                    f"agent {self.character.name} ({self.agent_id}) was stopped or failed to "
                    "start; create a new AgentRuntime to run it again"
                )
            self.status = RuntimeStatus.STARTING
            self.logger.debug("initializing")
            try:
                await self._start()
            except BaseException:
                self.status = RuntimeStatus.FAILED
                self._closed = True
                with anyio.CancelScope(shield=True):
                    await self._teardown()  # logs its own failures; the first error wins
                raise
            self.status = RuntimeStatus.ACTIVE
            self.logger.info("active with plugins: %s", ", ".join(self._plugins) or "none")

    async def _start(self) -> None:
        if self.adapter is not None:
            await self.adapter.init()
        requested = requested_names(self._given, self.character.plugins, self._catalog, self.logger)
        plan = order_plugins(
            requested, self._catalog, requested_by=f"character {self.character.name!r} lists"
        )
        now = with_dependencies([p for p in plan if p.core], plan) if self.lazy else plan
        self._deferred = [p for p in plan if p not in now]
        services: list[type[Service]] = []
        for plugin in now:
            await self._install(plugin, services)
        await self.services.start_all(services)
        for plugin in now:
            await self._run_start_hook(plugin)
        add_defaults(self, deferred_models={str(t) for p in self._deferred for t in p.models})
        self.logger.debug("providers ready: %s", ", ".join(self.providers) or "none")
        if self._deferred:
            names = ", ".join(p.name for p in self._deferred)
            self.logger.info("plugins deferred until first use: %s", names)

    async def stop(self) -> None:
        """Stop the agent: plugin ``stop`` hooks, then services, each in reverse order.

        Every step runs even when an earlier one fails, shielded from cancellation. Each
        failure is logged; when there were any, an :class:`ExceptionGroup` of them (each a
        :class:`~swarm.errors.SwarmError` naming its plugin or service) is raised at the
        end, after the runtime is INACTIVE. Calling ``stop`` again does nothing.
        """
        with anyio.CancelScope(shield=True):
            async with self._lifecycle_lock:
                if self._closed and self.status is not RuntimeStatus.FAILED:
                    return
                self._closed = True
                self.status = RuntimeStatus.STOPPING
                errors = await self._teardown()
                self.status = RuntimeStatus.INACTIVE
        self.logger.debug("stopped")
        if errors:
            raise ExceptionGroup(
                f"agent {self.character.name} ({self.agent_id}) stopped with "
                f"{len(errors)} error(s)",
                errors,
            )

    async def _teardown(self) -> list[SwarmError]:
        errors: list[SwarmError] = []
        for plugin in reversed(self.plugins):
            if plugin.stop is None:
                continue
            try:
                await plugin.stop(self)
            except Exception as exc:
                error = PluginError(
                    f"stop hook of plugin {plugin.name!r} failed: {describe(exc)}; "
                    "the plugin may have left resources open"
                )
                error.__cause__ = exc
                self.logger.error("%s", error, exc_info=exc)
                errors.append(error)
        errors.extend(await self.services.stop_all())
        if self.adapter is not None and self.owns_adapter:
            try:
                await self.adapter.close()
            except Exception as exc:
                store_error = StoreError(f"closing the memory store failed: {describe(exc)}")
                store_error.__cause__ = exc
                self.logger.error("%s", store_error, exc_info=exc)
                errors.append(store_error)
        # Forget the plugins so a second teardown (stop after a failed start) repeats nothing.
        self._plugins.clear()
        return errors

    # -- plugins ----------------------------------------------------------------------------

    async def register_plugin(self, plugin: Plugin) -> None:
        """Register ``plugin`` now and start it: its services run before this returns.

        Its dependencies must be registered already. :meth:`initialize` registers the
        plugins it is given itself; call this to add one to a running agent.
        """
        await self._install(plugin, None)
        await self._run_start_hook(plugin)

    async def _install(self, plugin: Plugin, services: list[type[Service]] | None) -> None:
        # The order is elizaOS's: init, services, actions, providers, evaluators, models, events.
        if plugin.name in self._plugins:
            raise DuplicateRegistrationError(f"plugin {plugin.name!r} is registered already")
        for dependency in plugin.dependencies:
            if dependency not in self._plugins:
                raise MissingDependencyError(
                    f"plugin {plugin.name!r} depends on plugin {dependency!r}, which is not "
                    f"registered; register {dependency!r} first"
                )
        if plugin.init is not None:
            try:
                await plugin.init(self._plugin_config(plugin), self)
            except Exception as exc:
                raise PluginError(
                    f"init of plugin {plugin.name!r} failed: {describe(exc)}; "
                    "check the plugin's settings"
                ) from exc
        # Registered from here on, so that stop() runs its stop hook even if a later step fails.
        self._plugins[plugin.name] = plugin
        if services is None:
            await self.services.start_all(plugin.services)
        else:
            services.extend(plugin.services)
        for action in plugin.actions:
            self.register_action(action)
        for provider in plugin.providers:
            self.register_provider(provider)
        for evaluator in plugin.evaluators:
            self.register_evaluator(evaluator)
        for model_type, handler in plugin.models.items():
            self.register_model(model_type, handler, plugin.name, plugin.priority)
        for event, handlers in plugin.events.items():
            for handler in handlers:
                self.on(event, handler)
        self.logger.debug("plugin %r registered", plugin.name)

    def _plugin_config(self, plugin: Plugin) -> dict[str, Any]:
        return {
            key: self.get_setting(key) if value is None else value
            for key, value in plugin.config.items()
        }

    async def _run_start_hook(self, plugin: Plugin) -> None:
        if plugin.start is None:
            return
        try:
            await plugin.start(self)
        except Exception as exc:
            raise PluginError(
                f"start hook of plugin {plugin.name!r} failed: {describe(exc)}"
            ) from exc

    async def load_plugin(self, name: str) -> Plugin:
        """Lazy mode: load the deferred plugin ``name`` (and its deferred dependencies) now."""
        async with self._load_lock:
            if (loaded := self._plugins.get(name)) is not None:
                return loaded
            deferred = {p.name: p for p in self._deferred}
            if name not in deferred:
                raise MissingDependencyError(
                    f"plugin {name!r} is neither registered nor waiting to load; pass it to "
                    "the runtime or list it in the character's plugins"
                )
            for plugin in with_dependencies([deferred[name]], self._deferred):
                await self.register_plugin(plugin)
                self._deferred.remove(plugin)
            return self._plugins[name]

    # -- components -------------------------------------------------------------------------

    def register_action(self, action: Action) -> None:
        """Add an action; a second action with the same name is refused."""
        _refuse_duplicate("action", action.name, self.actions)
        self.actions[action.name] = action

    def register_provider(self, provider: Provider) -> None:
        """Add a provider, kept ordered by ``position`` (stable for equal positions)."""
        _refuse_duplicate("provider", provider.name, self.providers)
        ordered = sorted([*self.providers.values(), provider], key=lambda p: p.position)
        self.providers = {p.name: p for p in ordered}

    def register_evaluator(self, evaluator: Evaluator) -> None:
        """Add an evaluator; a second evaluator with the same name is refused."""
        _refuse_duplicate("evaluator", evaluator.name, self.evaluators)
        self.evaluators[evaluator.name] = evaluator

    async def get_action(self, name: str) -> Action | None:
        """The action called ``name``, or None; in lazy mode its plugin loads on first use."""
        action = self.actions.get(name)
        if action is not None or not self._deferred:
            return action
        owner = next((p for p in self._deferred if any(a.name == name for a in p.actions)), None)
        if owner is None:
            return None
        await self.load_plugin(owner.name)
        return self.actions.get(name)

    # -- services ---------------------------------------------------------------------------

    async def register_service(self, service_class: type[Service]) -> Service:
        """Start ``service_class`` now, or return the running service of its type."""
        return await self.services.start(service_class)

    @overload
    def get_service(self, service: type[S]) -> S | None: ...
    @overload
    def get_service(self, service: str) -> Service | None: ...
    def get_service(self, service: type[Service] | str) -> Service | None:
        """The running service of this type (a ``service_type`` or a class), or None."""
        if isinstance(service, str):
            return self.services.get(service)
        instance = self.services.get(service.service_type)
        return instance if isinstance(instance, service) else None

    def get_service_status(self, service_type: str) -> ServiceStatus | None:
        """The status of a registered service type, or None when it was never registered."""
        return self.services.status(service_type)

    async def restart_service(self, service_type: str) -> Service:
        """Stop the service of ``service_type`` and start a fresh instance of its class."""
        return await self.services.restart(service_type)

    # -- the fleet --------------------------------------------------------------------------

    def _fleet(self, what: str) -> FleetService:
        service = self.get_service(FLEET_SERVICE)
        if not isinstance(service, FleetService):
            raise NotInFleetError(
                f"agent {self.character.name!r} cannot {what}: this runtime is not hosted by a "
                "swarm worker (no fleet service); run it with `swarm worker` / `swarm up`"
            )
        return service

    async def send_message(
        self,
        to: str,
        content: Content | str,
        *,
        room: str | None = None,
        ttl_s: float | None = None,
    ) -> str:
        """Send ``content`` to agent ``to`` (name or id) through the coordinator; its id."""
        return await self._fleet("send a message").send_message(to, content, room=room, ttl_s=ttl_s)

    async def broadcast(
        self,
        content: Content | str,
        *,
        room: str | None = None,
        target_room: str | None = None,
        tag: str | None = None,
    ) -> str:
        """Send ``content`` to every other agent (or a room's, or a tag's), once each."""
        return await self._fleet("broadcast").broadcast(
            content, room=room, target_room=target_room, tag=tag
        )

    async def create_child_agent(
        self, child_character: Character, *, permissions: Permissions | None = None
    ) -> str:
        """Create a child agent hosted alongside this one; return its id.

        The child inherits this agent's settings (its own win) and inheritable plugins,
        shares the memory store, and is recorded with this agent as its parent.
        """
        fleet = self._fleet("create a child agent")
        return await fleet.create_child_agent(child_character, permissions=permissions)

    async def delegate_task(self, child: str, task: str, *, timeout_s: float = 30.0) -> TaskResult:
        """Have child agent ``child`` (name or id) do ``task``; its result, or why not."""
        fleet = self._fleet("delegate a task")
        return await fleet.delegate_task(child, task, timeout_s=timeout_s)

    # -- models -----------------------------------------------------------------------------

    def register_model(
        self, model_type: ModelType | str, handler: ModelHandler, provider: str, priority: int = 0
    ) -> None:
        """Offer ``handler`` for ``model_type``; higher ``priority`` is tried first."""
        self.models.register(model_type, handler, provider, priority)

    def get_model_handlers(self, model_type: ModelType | str) -> list[ModelRegistration]:
        """The handlers for ``model_type`` in the order a call tries them."""
        return self.models.handlers(model_type)

    async def use_model(
        self,
        model_type: ModelType | str,
        params: Mapping[str, Any],
        provider: str | None = None,
    ) -> Any:
        """Call the best handler for ``model_type`` (or ``provider``'s) with ``params``.

        Raises :class:`~swarm.errors.NoModelHandlerError` when there is none.
        """
        if self._deferred and not self.models.handlers(model_type):
            owner = next((p for p in self._deferred if model_type in p.models), None)
            if owner is not None:
                await self.load_plugin(owner.name)
        return await self._call_model(self.models.candidates(model_type, provider), params)

    async def _call_model(
        self, candidates: list[ModelRegistration], params: Mapping[str, Any]
    ) -> Any:
        # The one place a model is called: each provider behind its breaker, the next
        # candidate when one fails (after its own retries).
        model_type = candidates[0].model_type
        result, _ = await self.model_router.call(self, model_type, candidates, params)
        return result

    # -- the message pipeline ---------------------------------------------------------------

    async def process_message(
        self,
        message: Memory,
        *,
        persist: bool = True,
        callback: HandlerCallback | None = None,
        check_replay: bool = True,
        known_replies: Mapping[str, Memory | None] | None = None,
    ) -> Response:
        """Answer ``message`` through the nine stages of :mod:`swarm.runtime.pipeline`.

        ``persist=False`` writes nothing: the caller writes ``Response.memories``.
        ``callback`` receives every (partial) response content as it is sent.
        ``check_replay=False`` skips the look-up of a stored response (for messages known
        to be delivered for the first time). ``known_replies`` holds stored responses the
        caller already looked up for a whole batch (response id -> the stored response, or
        None when there was none): an id found there is not read from the store again.
        Store failures raise
        :class:`~swarm.errors.StoreError` (after retries) so the caller can redeliver;
        model failures give the fallback response instead.
        """
        if self.status is not RuntimeStatus.ACTIVE:
            raise RuntimeClosedError(
                f"agent {self.character.name} ({self.agent_id}) is {self.status}; "
                "await initialize() before process_message() (and do not use it after stop())"
            )
        return await self._pipeline.process(
            message,
            persist=persist,
            callback=callback,
            check_replay=check_replay,
            known_replies=known_replies,
        )

    async def compose_state(
        self, message: Memory, include: Iterable[str] = (), only_include: bool = False
    ) -> State:
        """Recent messages of ``message``'s room plus the providers' context.

        ``include`` names dynamic or private providers to run too; ``only_include`` runs
        only those.
        """
        return await self._pipeline.compose_state(message, tuple(include), only_include)

    # -- health -----------------------------------------------------------------------------

    def get_metrics(self) -> dict[str, Any]:
        """``runtime.metrics`` as JSON-able data, with the active services."""
        return self.metrics.snapshot(self.services.running)

    async def get_health(self) -> dict[str, Any]:
        """Healthy or not with reasons, uptime, services, circuit breakers, store ping."""
        return await health.health(self)

    async def diagnose(self) -> dict[str, Any]:
        """The troubleshooting checks (see :func:`swarm.runtime.health.diagnose`)."""
        return await health.diagnose(self)

    def missing_plugins(self) -> list[str]:
        """Plugins the character asks for that are neither loaded nor waiting to load."""
        known = set(self._plugins) | {p.name for p in self._deferred}
        names = resolve_plugin_names(self.character.plugins).swarm
        return [name for name in names if name not in known]

    # -- events -----------------------------------------------------------------------------

    def on(self, event: EventType | str, handler: EventHandler) -> None:
        """Call ``handler(runtime, payload)`` whenever ``event`` is emitted."""
        self.events.on(event, handler)

    async def emit(self, event: EventType | str, payload: Mapping[str, Any]) -> None:
        """Run every listener of ``event``; a failing listener is logged, not raised."""
        await self.events.emit(event, payload)

    # -- hooks (the message pipeline's seams) -----------------------------------------------

    async def run_before_message(self, message: Memory) -> Memory | Veto:
        """The message as the plugins' ``before_message`` hooks leave it, or their veto."""
        if not self._plugins:  # the common case: nothing to run, not even a copy to make
            return message
        return await hooks.before_message(self, self.plugins, message)

    async def run_after_message(self, message: Memory, response: Memory | None) -> None:
        """Run the plugins' ``after_message`` hooks (failures are logged)."""
        if self._plugins:
            await hooks.after_message(self, self.plugins, message, response, self.logger)

    async def run_before_action(self, action: Action, message: Memory) -> Veto | None:
        """The plugins' veto of ``action``, or None when it may run."""
        if not self._plugins:
            return None
        return await hooks.before_action(self, self.plugins, action, message)

    async def run_after_action(
        self, action: Action, message: Memory, result: ActionResult | None
    ) -> None:
        """Run the plugins' ``after_action`` hooks (failures are logged)."""
        if self._plugins:
            await hooks.after_action(self, self.plugins, action, message, result, self.logger)


def _refuse_duplicate(kind: str, name: str, registered: Mapping[str, object]) -> None:
    if name in registered:
        raise DuplicateRegistrationError(
            f"{kind} {name!r} is registered already; give one of them another name"
        )
