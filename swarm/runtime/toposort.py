"""Dependency order for plugins and services: dependencies first, cycles named."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from swarm.errors import DependencyCycleError

__all__ = ["topological_order"]


def topological_order(
    names: Sequence[str],
    dependencies: Mapping[str, Sequence[str]],
    *,
    rank: Callable[[str], Any] | None = None,
    kind: str = "plugin",
) -> list[str]:
    """Order ``names`` so that each comes after its ``dependencies`` among ``names``.

    Dependencies outside ``names`` are taken as already satisfied (the caller checks that
    they exist). Among names whose dependencies are all placed, the lowest ``rank(name)``
    goes first (default: position in ``names``), so the result is deterministic.
    Raises :class:`DependencyCycleError` naming one cycle, e.g. ``a -> b -> a``.
    """
    position = {name: i for i, name in enumerate(names)}
    key = rank or position.__getitem__
    waiting_on = {name: {d for d in dependencies.get(name, ()) if d in position} for name in names}
    dependents: dict[str, list[str]] = {name: [] for name in names}
    for name, deps in waiting_on.items():
        for dep in deps:
            dependents[dep].append(name)
    ready = [(key(name), position[name], name) for name, deps in waiting_on.items() if not deps]
    heapq.heapify(ready)
    ordered: list[str] = []
    while ready:
        _, _, name = heapq.heappop(ready)
        ordered.append(name)
        for dependent in dependents[name]:
            waiting_on[dependent].discard(name)
            if not waiting_on[dependent]:
                heapq.heappush(ready, (key(dependent), position[dependent], dependent))
    if len(ordered) < len(names):
        stuck = [name for name in names if waiting_on[name]]
        raise DependencyCycleError(_find_cycle(stuck, dependencies, key), kind=kind)
    return ordered


def _find_cycle(
    stuck: list[str], dependencies: Mapping[str, Sequence[str]], key: Callable[[str], Any]
) -> list[str]:
    # Every stuck name waits on another stuck name, so walking the first such dependency
    # from any stuck name must come back to a name already seen: that loop is a cycle.
    remaining = set(stuck)
    path: list[str] = []
    name = min(stuck, key=key)
    while name not in path:
        path.append(name)
        name = next(d for d in dependencies[name] if d in remaining)
    return [*path[path.index(name) :], name]
