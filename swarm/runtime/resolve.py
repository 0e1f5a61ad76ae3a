"""Finding plugins by name and putting them in load order.

A name is looked up first among the plugins handed to the runtime, then among installed
packages' entry points in the ``swarm.plugins`` group (``name = "module:attribute"``, the
attribute being a :class:`Plugin` whose ``name`` equals the entry point's name).

Load order is topological: a plugin comes after every plugin it depends on. Where that
leaves a choice, plugins load in the order they were asked for (the plugins passed in, then
the character's ``plugins`` list); a dependency nobody asked for directly is placed with the
first plugin that needs it. Among plugins placed together, higher ``priority`` loads first,
then the order in which they were found.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from swarm.characters import SwarmPlugin, resolve_plugin_names
from swarm.errors import DuplicateRegistrationError, MissingDependencyError, PluginError
from swarm.runtime.logs import AgentLogger
from swarm.runtime.plugin import Plugin
from swarm.runtime.toposort import topological_order

__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginCatalog",
    "order_plugins",
    "requested_names",
    "with_dependencies",
]

ENTRY_POINT_GROUP = "swarm.plugins"


class PluginCatalog:
    """Plugins by name: the ones given, then installed entry points (loaded on first use)."""

    def __init__(self, plugins: Iterable[Plugin] = ()) -> None:
        self._plugins: dict[str, Plugin] = {}
        for plugin in plugins:
            known = self._plugins.setdefault(plugin.name, plugin)
            if known is not plugin:
                raise DuplicateRegistrationError(
                    f"two different plugins are named {plugin.name!r}; pass only one of them"
                )
        self._entry_points: dict[str, EntryPoint] | None = None

    def find(self, name: str) -> Plugin | None:
        """The plugin called ``name``, or None when neither given nor installed."""
        plugin = self._plugins.get(name)
        if plugin is None and (entry_point := self._installed().get(name)) is not None:
            plugin = self._plugins[name] = _load(entry_point)
        return plugin

    def add_from_spec(self, spec: str) -> Plugin:
        """Import the plugin at ``spec`` and make it findable by its own name.

        ``spec`` is ``package.module:attribute`` (importable) or ``path/to/file.py:attribute``;
        the attribute must be a :class:`Plugin`.
        """
        plugin = _import_spec(spec)
        known = self._plugins.setdefault(plugin.name, plugin)
        if known is not plugin:
            raise DuplicateRegistrationError(
                f"plugin {spec!r} is named {plugin.name!r}, like another plugin; rename one"
            )
        return plugin

    def _installed(self) -> dict[str, EntryPoint]:
        # Scanning every distribution's metadata is slow, so it happens once, and only
        # when some name is not among the plugins given.
        if self._entry_points is None:
            self._entry_points = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
        return self._entry_points


def is_plugin_spec(name: str) -> bool:
    """True for ``module:attribute`` or ``file.py:attribute`` (a plugin to import, not a name)."""
    return ":" in name and not name.startswith("@")


@functools.cache
def _import_spec(spec: str) -> Plugin:
    # Cached: every agent naming one plugin file shares one module, as with entry points.
    target, _, attribute = spec.rpartition(":")
    try:
        if target.endswith(".py"):
            path = Path(target)
            module_spec = importlib.util.spec_from_file_location(f"swarm_plugin_{path.stem}", path)
            if module_spec is None or module_spec.loader is None or not path.is_file():
                raise FileNotFoundError(f"no plugin file at {path.resolve()}")
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(target)
        plugin = getattr(module, attribute)
    except Exception as exc:
        raise PluginError(
            f"plugin {spec!r} could not be imported: {type(exc).__name__}: {exc}; "
            "check the path (relative to the character file) and the attribute name"
        ) from exc
    if not isinstance(plugin, Plugin):
        raise PluginError(
            f"plugin {spec!r} is a {type(plugin).__name__}, not a swarm Plugin; "
            "point it at a Plugin instance"
        )
    return plugin


def _load(entry_point: EntryPoint) -> Plugin:
    where = f"entry point {entry_point.name!r} = {entry_point.value!r} ({ENTRY_POINT_GROUP})"
    try:
        plugin = entry_point.load()
    except Exception as exc:
        raise PluginError(
            f"{where} failed to import: {type(exc).__name__}: {exc}; "
            "reinstall the package that provides it or remove the plugin from the character"
        ) from exc
    if not isinstance(plugin, Plugin):
        raise PluginError(
            f"{where} is a {type(plugin).__name__}, not a swarm Plugin; "
            "point the entry point at a Plugin instance"
        )
    if plugin.name != entry_point.name:
        raise PluginError(
            f"{where} holds a plugin named {plugin.name!r}; name the entry point after the plugin"
        )
    return plugin


@dataclass(slots=True)
class _Found:
    plugin: Plugin
    group: int  # index of the first requested plugin that needs it
    found: int  # discovery order


def order_plugins(
    requested: Sequence[str], catalog: PluginCatalog, *, requested_by: str = "the runtime needs"
) -> list[Plugin]:
    """The requested plugins and their transitive dependencies, in load order.

    ``requested_by`` starts the message when a requested name is missing, e.g.
    ``"character 'Eliza' lists"``. Raises :class:`MissingDependencyError` naming the
    plugin that needs a missing one, and
    :class:`~swarm.errors.DependencyCycleError` naming a cycle (``a -> b -> a``).
    """
    found: dict[str, _Found] = {}
    for group, root in enumerate(requested):
        stack: list[tuple[str, str]] = [(root, requested_by)]
        while stack:
            name, needed_by = stack.pop()
            if name in found:
                continue
            plugin = catalog.find(name)
            if plugin is None:
                raise MissingDependencyError(_missing_message(name, needed_by))
            found[name] = _Found(plugin, group, len(found))
            # Reversed so the first-declared dependency is discovered first.
            stack.extend(
                (dep, f"plugin {name!r} depends on") for dep in reversed(plugin.dependencies)
            )
    names = list(found)
    order = topological_order(
        names,
        {name: entry.plugin.dependencies for name, entry in found.items()},
        rank=lambda n: (found[n].group, -found[n].plugin.priority, found[n].found),
    )
    return [found[name].plugin for name in order]


def _missing_message(name: str, needed_by: str) -> str:
    return (
        f"{needed_by} plugin {name!r}, which is not available: pass it in "
        f"plugins=... or install a package that provides it under the {ENTRY_POINT_GROUP!r} "
        "entry-point group"
    )


_BUILT_IN = frozenset({SwarmPlugin.BOOTSTRAP, SwarmPlugin.MEMORY_STORE})
"""Stand-ins whose work every runtime does itself: the message pipeline and the memory store."""


def requested_names(
    given: Sequence[str], written: Iterable[str], catalog: PluginCatalog, logger: AgentLogger
) -> list[str]:
    """The plugins to load: those ``given``, then those a character lists (``written``).

    elizaOS package names map to their swarm stand-ins (``@elizaos/plugin-sql`` ->
    ``memory-store``). ``bootstrap`` and ``memory-store`` are built into every runtime and
    need no plugin; another stand-in that is not available is skipped with a warning, since
    the character was written for elizaOS. A swarm plugin name is required as written.
    """
    names = list(given)
    for entry in written:
        if is_plugin_spec(entry.strip()):
            plugin = catalog.add_from_spec(entry.strip())
            if plugin.name not in names:
                names.append(plugin.name)
            continue
        for name in resolve_plugin_names([entry]).swarm:
            if name in names:
                continue
            if name != entry.strip() and catalog.find(name) is None:
                if name in _BUILT_IN:
                    # The runtime itself does this plugin's work: nothing to load or warn about.
                    logger.debug("character lists %r; built into swarm as %r", entry, name)
                    continue
                logger.warning(
                    "character lists %r; its swarm stand-in %r is not available, "
                    "running without it",
                    entry,
                    name,
                )
                continue
            names.append(name)
    return names


def with_dependencies(roots: Iterable[Plugin], plan: Sequence[Plugin]) -> list[Plugin]:
    """``roots`` and everything they depend on within ``plan``, in ``plan``'s order."""
    by_name = {p.name: p for p in plan}
    needed: set[str] = set()
    stack = [p.name for p in roots]
    while stack:
        name = stack.pop()
        if name in needed or name not in by_name:
            continue
        needed.add(name)
        stack.extend(by_name[name].dependencies)
    return [p for p in plan if p.name in needed]
