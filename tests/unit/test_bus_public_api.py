"""The bus, client and workers packages export exactly what they list."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("name", ["swarm.bus", "swarm.client", "workers"])
def test_every_name_in_all_is_importable(name: str) -> None:
    """Each name in ``__all__`` exists on the package."""
    module = importlib.import_module(name)
    assert [n for n in module.__all__ if not hasattr(module, n)] == []
