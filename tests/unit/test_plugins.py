"""Plugins: finding them by name, load order, cycles, missing dependencies, registration."""

from __future__ import annotations

import importlib
import logging
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import swarm.runtime.resolve
from swarm.characters import Character
from swarm.errors import (
    DependencyCycleError,
    DuplicateRegistrationError,
    MissingDependencyError,
    PluginError,
)
from swarm.runtime import (
    ENTRY_POINT_GROUP,
    Action,
    AgentRuntime,
    Evaluator,
    EventHandler,
    ModelHandler,
    ModelType,
    Plugin,
    Provider,
    ProviderResult,
    Service,
)
from swarm.runtime.resolve import PluginCatalog, order_plugins


def character(name: str = "Tester", **fields: Any) -> Character:
    """A minimal valid character; ``fields`` as Character's snake_case attributes."""
    return Character(name=name, bio="An agent under test.", **fields)


def names(plugins: list[Plugin]) -> list[str]:
    return [p.name for p in plugins]


def order(*plugins: Plugin, requested: list[str] | None = None) -> list[str]:
    catalog = PluginCatalog(plugins)
    return names(order_plugins(requested or [p.name for p in plugins], catalog))


# -- order ---------------------------------------------------------------------------------


def test_dependencies_load_before_their_dependents() -> None:
    """A plugin given first still loads after the plugins it depends on."""
    a = Plugin(name="a", dependencies=["b"])
    b = Plugin(name="b", dependencies=["c"])
    c = Plugin(name="c")
    assert order(a, b, c) == ["c", "b", "a"]


def test_independent_plugins_keep_the_given_order() -> None:
    """With no dependency between them, plugins load in the order they were given."""
    assert order(Plugin(name="z"), Plugin(name="m"), Plugin(name="a")) == ["z", "m", "a"]


def test_given_order_wins_over_priority() -> None:
    """A higher priority does not move a plugin ahead of one given before it."""
    low = Plugin(name="low", priority=0)
    high = Plugin(name="high", priority=10)
    assert order(low, high) == ["low", "high"]


def test_a_dependency_loads_with_its_first_dependent() -> None:
    """A dependency nobody asked for directly loads just before the first plugin needing it."""
    a = Plugin(name="a", dependencies=["dep"])
    b = Plugin(name="b")
    dep = Plugin(name="dep")
    assert order(a, b, dep, requested=["a", "b"]) == ["dep", "a", "b"]


def test_priority_orders_sibling_dependencies() -> None:
    """Dependencies placed together load by priority (higher first), then declaration order."""
    root = Plugin(name="root", dependencies=["x", "y", "z"])
    x = Plugin(name="x", priority=0)
    y = Plugin(name="y", priority=5)
    z = Plugin(name="z", priority=0)
    assert order(root, x, y, z, requested=["root"]) == ["y", "x", "z", "root"]


def test_transitive_dependencies_are_resolved_from_the_catalog() -> None:
    """Asking for one plugin brings in its dependencies' dependencies too."""
    a = Plugin(name="a", dependencies=["b"])
    b = Plugin(name="b", dependencies=["c"])
    c = Plugin(name="c")
    assert order(a, b, c, requested=["a"]) == ["c", "b", "a"]


def test_a_cycle_is_named_in_the_error() -> None:
    """Plugins depending on each other in a ring raise DependencyCycleError naming the ring."""
    a = Plugin(name="a", dependencies=["b"])
    b = Plugin(name="b", dependencies=["a"])
    with pytest.raises(DependencyCycleError) as caught:
        order(a, b)
    assert caught.value.cycle == ["a", "b", "a"]
    assert str(caught.value) == (
        "plugin dependency cycle: a -> b -> a; remove one of these dependencies"
    )


def test_a_cycle_behind_a_plugin_names_only_the_ring() -> None:
    """A plugin that merely depends on a ring is not part of the cycle reported."""
    entry = Plugin(name="entry", dependencies=["x"])
    x = Plugin(name="x", dependencies=["y"])
    y = Plugin(name="y", dependencies=["z"])
    z = Plugin(name="z", dependencies=["x"])
    with pytest.raises(DependencyCycleError) as caught:
        order(entry, x, y, z)
    assert caught.value.cycle == ["x", "y", "z", "x"]


def test_a_self_dependency_is_a_cycle() -> None:
    """A plugin listing itself as a dependency is the shortest cycle."""
    with pytest.raises(DependencyCycleError, match=r"selfish -> selfish"):
        order(Plugin(name="selfish", dependencies=["selfish"]))


def test_missing_dependency_names_who_needs_what() -> None:
    """A dependency that is neither given nor installed names the plugin that needs it."""
    a = Plugin(name="a", dependencies=["ghost-plugin-0f3a"])
    with pytest.raises(MissingDependencyError) as caught:
        order(a)
    message = str(caught.value)
    assert message.startswith(
        "plugin 'a' depends on plugin 'ghost-plugin-0f3a', which is not available"
    )
    assert ENTRY_POINT_GROUP in message


def test_two_different_plugins_with_one_name_are_refused() -> None:
    """Passing two distinct plugins with the same name raises DuplicateRegistrationError."""
    with pytest.raises(DuplicateRegistrationError, match="'twin'"):
        PluginCatalog([Plugin(name="twin"), Plugin(name="twin")])


# -- entry points --------------------------------------------------------------------------


InstallEntryPoint = Callable[[str], str]


@pytest.fixture
def install_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InstallEntryPoint]:
    """Install (on sys.path) a distribution declaring a swarm.plugins entry point.

    The function takes the module's source (``NAME`` stands for the entry point's name) and
    returns that name; sys.path and sys.modules are restored afterwards.
    """
    modules: list[str] = []
    monkeypatch.syspath_prepend(str(tmp_path))

    def install(body: str) -> str:
        suffix = uuid.uuid4().hex[:8]
        module = f"swarm_test_plugin_{suffix}"
        name = f"ep-{suffix}"
        (tmp_path / f"{module}.py").write_text(body.replace("NAME", name))
        dist = tmp_path / f"{module}-1.0.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
        (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{name} = {module}:plugin\n")
        importlib.invalidate_caches()
        modules.append(module)
        return name

    yield install
    for module in modules:
        sys.modules.pop(module, None)


@pytest.mark.anyio
async def test_a_character_plugin_is_found_through_its_entry_point(
    install_entry_point: InstallEntryPoint,
) -> None:
    """A plugin the character names is loaded from an installed swarm.plugins entry point."""
    name = install_entry_point(
        "from swarm.runtime import Plugin\nplugin = Plugin(name='NAME', description='installed')\n",
    )
    runtime = AgentRuntime(character(plugins=[name]))
    await runtime.initialize()
    assert [(p.name, p.description) for p in runtime.plugins] == [(name, "installed")]
    await runtime.stop()


@pytest.mark.anyio
async def test_a_given_plugin_can_depend_on_an_installed_one(
    install_entry_point: InstallEntryPoint,
) -> None:
    """A dependency missing from the given plugins is resolved through entry points."""
    name = install_entry_point("from swarm.runtime import Plugin\nplugin = Plugin(name='NAME')\n")
    runtime = AgentRuntime(character(), plugins=[Plugin(name="app", dependencies=[name])])
    await runtime.initialize()
    assert names(runtime.plugins) == [name, "app"]
    await runtime.stop()


def test_an_entry_point_that_is_not_a_plugin_is_refused(
    install_entry_point: InstallEntryPoint,
) -> None:
    """An entry point resolving to something other than a Plugin raises PluginError."""
    name = install_entry_point("plugin = {'name': 'NAME'}\n")
    with pytest.raises(PluginError, match=r"is a dict, not a swarm Plugin"):
        PluginCatalog().find(name)


def test_an_entry_point_named_unlike_its_plugin_is_refused(
    install_entry_point: InstallEntryPoint,
) -> None:
    """The entry point's name must equal the plugin's name, or PluginError says so."""
    name = install_entry_point("from swarm.runtime import Plugin\nplugin = Plugin(name='other')\n")
    with pytest.raises(PluginError, match=r"holds a plugin named 'other'"):
        PluginCatalog().find(name)


def test_an_entry_point_that_fails_to_import_is_reported(
    install_entry_point: InstallEntryPoint,
) -> None:
    """An import error inside the plugin's module becomes a PluginError naming the entry point."""
    name = install_entry_point("raise RuntimeError('broken install')\n")
    with pytest.raises(PluginError, match=rf"entry point '{name}'.*broken install") as caught:
        PluginCatalog().find(name)
    assert isinstance(caught.value.__cause__, RuntimeError)


@pytest.mark.anyio
async def test_a_missing_character_plugin_names_the_character() -> None:
    """A plugin the character lists that exists nowhere fails initialize() naming both."""
    runtime = AgentRuntime(character("Eliza", plugins=["no-such-plugin-7c1e"]))
    with pytest.raises(MissingDependencyError, match=r"^character 'Eliza' lists plugin"):
        await runtime.initialize()


# -- registration --------------------------------------------------------------------------


class _Recorder(AgentRuntime):
    """A runtime that records each registration step in ``steps``."""

    steps: list[str]

    def register_action(self, action: Action) -> None:
        self.steps.append("action")
        super().register_action(action)

    def register_provider(self, provider: Provider) -> None:
        self.steps.append("provider")
        super().register_provider(provider)

    def register_evaluator(self, evaluator: Evaluator) -> None:
        self.steps.append("evaluator")
        super().register_evaluator(evaluator)

    def register_model(
        self, model_type: ModelType | str, handler: ModelHandler, provider: str, priority: int = 0
    ) -> None:
        self.steps.append("model")
        super().register_model(model_type, handler, provider, priority)

    def on(self, event: str, handler: EventHandler) -> None:
        self.steps.append("event")
        super().on(event, handler)


def _full_plugin(steps: list[str]) -> Plugin:
    class Recorded(Service):
        service_type = "recorded"

        @classmethod
        async def start(cls, runtime: AgentRuntime) -> Recorded:
            steps.append("service")
            return cls(runtime)

        async def stop(self) -> None:
            steps.append("service.stop")

    async def init(config: Mapping[str, Any], runtime: AgentRuntime) -> None:
        steps.append("init")

    async def start(runtime: AgentRuntime) -> None:
        steps.append("start")

    async def act(*args: Any) -> None:
        return None

    async def get(*args: Any) -> ProviderResult:
        return ProviderResult()

    async def handle(*args: Any) -> None:
        return None

    return Plugin(
        name="full",
        init=init,
        start=start,
        services=[Recorded],
        actions=[Action(name="ACT", description="d", handler=act)],
        providers=[Provider(name="PROV", get=get)],
        evaluators=[Evaluator(name="EVAL", description="d", handler=handle)],
        models={ModelType.TEXT_SMALL: handle},
        events={"CUSTOM": [handle]},
    )


@pytest.mark.anyio
async def test_register_plugin_follows_the_elizaos_order() -> None:
    """register_plugin runs init, services, actions, providers, evaluators, models, events."""
    runtime = _Recorder(character())
    runtime.steps = []
    await runtime.initialize()
    runtime.steps.clear()  # initialize registers the built-in actions and the offline model
    await runtime.register_plugin(_full_plugin(runtime.steps))
    assert runtime.steps == [
        "init",
        "service",
        "action",
        "provider",
        "evaluator",
        "model",
        "event",
        "start",
    ]
    await runtime.stop()


@pytest.mark.anyio
async def test_plugin_models_register_under_the_plugin_name_and_priority() -> None:
    """A plugin's model handlers are offered by the plugin, with the plugin's priority."""

    async def small(runtime: Any, params: Mapping[str, Any]) -> str:
        return "ok"

    plugin = Plugin(name="llm", priority=7, models={ModelType.TEXT_SMALL: small})
    runtime = AgentRuntime(character(), plugins=[plugin])
    await runtime.initialize()
    [entry] = runtime.get_model_handlers(ModelType.TEXT_SMALL)
    assert (entry.provider, entry.priority, entry.handler) == ("llm", 7, small)
    await runtime.stop()


@pytest.mark.anyio
async def test_plugin_config_gaps_are_filled_from_settings() -> None:
    """init receives the plugin's config with None values replaced by get_setting(key)."""
    seen: list[Mapping[str, Any]] = []

    async def init(config: Mapping[str, Any], runtime: AgentRuntime) -> None:
        seen.append(config)

    plugin = Plugin(name="cfg", config={"API_KEY": None, "MODE": "fixed"}, init=init)
    runtime = AgentRuntime(character(secrets={"API_KEY": "sk-1"}), plugins=[plugin])
    await runtime.initialize()
    assert seen == [{"API_KEY": "sk-1", "MODE": "fixed"}]
    await runtime.stop()


@pytest.mark.anyio
async def test_a_failing_plugin_init_names_the_plugin() -> None:
    """An exception in init aborts initialize() with a PluginError naming the plugin."""

    async def init(config: Mapping[str, Any], runtime: AgentRuntime) -> None:
        raise KeyError("OPENAI_API_KEY")

    runtime = AgentRuntime(character(), plugins=[Plugin(name="needy", init=init)])
    with pytest.raises(PluginError, match=r"init of plugin 'needy' failed: KeyError") as caught:
        await runtime.initialize()
    assert isinstance(caught.value.__cause__, KeyError)


@pytest.mark.anyio
async def test_registering_a_plugin_twice_is_refused() -> None:
    """register_plugin with an already registered name raises DuplicateRegistrationError."""
    runtime = AgentRuntime(character(), plugins=[Plugin(name="once")])
    await runtime.initialize()
    with pytest.raises(DuplicateRegistrationError, match=r"plugin 'once'"):
        await runtime.register_plugin(Plugin(name="once"))
    await runtime.stop()


@pytest.mark.anyio
async def test_register_plugin_requires_its_dependencies() -> None:
    """register_plugin on a running agent refuses a plugin whose dependency is absent."""
    runtime = AgentRuntime(character())
    await runtime.initialize()
    with pytest.raises(
        MissingDependencyError, match=r"plugin 'late' depends on plugin 'base', which is not"
    ):
        await runtime.register_plugin(Plugin(name="late", dependencies=["base"]))
    await runtime.stop()


@pytest.mark.anyio
async def test_elizaos_package_names_map_to_swarm_plugins() -> None:
    """A character's "@elizaos/plugin-sql" loads swarm's memory-store plugin when available."""
    runtime = AgentRuntime(
        character(plugins=["@elizaos/plugin-sql"]),
        plugins=[Plugin(name="other"), Plugin(name="memory-store")],
    )
    await runtime.initialize()
    assert names(runtime.plugins) == ["other", "memory-store"]
    await runtime.stop()


@pytest.mark.anyio
async def test_an_unavailable_stand_in_for_an_elizaos_package_is_skipped(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An elizaOS package whose non-built-in stand-in is absent is skipped with a warning."""
    # As if swarm's own plugins were not installed, whatever this environment has.
    monkeypatch.setattr(swarm.runtime.resolve, "entry_points", lambda group: [])
    runtime = AgentRuntime(character("Eliza", plugins=["@elizaos/plugin-openai", "@x/plugin-y"]))
    with caplog.at_level(logging.WARNING, logger="swarm.runtime"):
        await runtime.initialize()
    assert runtime.plugins == []
    assert [r.getMessage() for r in caplog.records] == [
        f"agent Eliza ({runtime.agent_id[:8]}): character lists '@elizaos/plugin-openai'; its "
        "swarm stand-in 'openai-compatible' is not available, running without it"
    ]
    await runtime.stop()


@pytest.mark.anyio
async def test_built_in_stand_ins_need_no_plugin_and_no_warning(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """plugin-sql and plugin-bootstrap are done by the runtime itself: no warning, no plugin."""
    monkeypatch.setattr(swarm.runtime.resolve, "entry_points", lambda group: [])
    runtime = AgentRuntime(
        character("Eliza", plugins=["@elizaos/plugin-sql", "@elizaos/plugin-bootstrap"])
    )
    with caplog.at_level(logging.WARNING, logger="swarm.runtime"):
        await runtime.initialize()
    assert runtime.plugins == []
    assert caplog.records == []
    await runtime.stop()


@pytest.mark.anyio
async def test_a_plugin_file_that_is_missing_is_a_clear_error(tmp_path: Path) -> None:
    """A character naming a plugin file that does not exist fails to start, naming the path."""
    runtime = AgentRuntime(character("Eliza", plugins=[f"{tmp_path}/nope.py:plugin"]))
    with pytest.raises(PluginError, match=r"nope\.py:plugin' could not be imported"):
        await runtime.initialize()


@pytest.mark.anyio
async def test_a_plugin_spec_that_is_not_a_plugin_is_refused(tmp_path: Path) -> None:
    """A 'file.py:attribute' whose attribute is no Plugin is refused with what it is instead."""
    (tmp_path / "notaplugin.py").write_text("plugin = 42\n")
    runtime = AgentRuntime(character("Eliza", plugins=[f"{tmp_path}/notaplugin.py:plugin"]))
    with pytest.raises(PluginError, match="is a int, not a swarm Plugin"):
        await runtime.initialize()
