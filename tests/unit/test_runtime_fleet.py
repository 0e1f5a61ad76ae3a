"""Fleet messaging from a runtime: refused clearly outside a fleet."""

from __future__ import annotations

import pytest

from swarm.characters import Character
from swarm.errors import NotInFleetError
from swarm.runtime import AgentRuntime


@pytest.mark.anyio
async def test_send_message_outside_a_fleet_says_how_to_run_one() -> None:
    """A runtime no worker hosts raises NotInFleetError naming `swarm worker`."""
    runtime = AgentRuntime(Character(name="solo", bio="A test agent."))
    await runtime.initialize()
    try:
        with pytest.raises(NotInFleetError, match="swarm worker"):
            await runtime.send_message("other", "hi")
        with pytest.raises(NotInFleetError, match="not hosted"):
            await runtime.broadcast("hi all")
    finally:
        await runtime.stop()
