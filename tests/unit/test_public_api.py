"""The public surface: every package lists exactly what it exports."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = ["swarm", "swarm.characters", "swarm.runtime", "swarm.models", "swarm.cli"]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_name_in_all_is_importable(name: str) -> None:
    """Each name a package lists in ``__all__`` exists on it."""
    module = importlib.import_module(name)
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == []


def test_root_package_reexports_the_core_names() -> None:
    """``swarm`` re-exports the character and runtime names issue 2 names."""
    import swarm

    expected = {
        "AgentRuntime",
        "Plugin",
        "Action",
        "ActionResult",
        "Provider",
        "ProviderResult",
        "Evaluator",
        "Service",
        "ServiceStatus",
        "ModelType",
        "Memory",
        "Content",
        "State",
        "Character",
        "load_character",
        "load_characters",
        "validate_character",
        "prepare_character",
        "string_to_uuid",
        "Agent",
        "create_agent",
        "Response",
    }
    assert expected <= set(swarm.__all__)
