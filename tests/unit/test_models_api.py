"""The public surface of swarm.models."""

from __future__ import annotations

import swarm.models


def test_all_lists_exactly_the_public_names() -> None:
    """Every name in __all__ exists, and every public attribute that is not a submodule is in it."""
    exported = set(swarm.models.__all__)
    public = {
        name
        for name, value in vars(swarm.models).items()
        if not name.startswith("_") and type(value).__name__ != "module"
    }

    assert public == exported
    assert all(hasattr(swarm.models, name) for name in exported)
