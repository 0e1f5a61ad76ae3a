"""swarm.gateway exports what it lists, and the OpenAPI schema has the contract's paths."""

from __future__ import annotations

import swarm.gateway
from swarm.client import SwarmClient
from swarm.gateway import create_app
from swarm.settings import Settings


class NoStore:
    """Never called: building the app and its schema does no I/O."""

    async def ping(self) -> None:
        raise AssertionError("no I/O expected")

    async def get_memory(self, memory_id: str) -> None:
        raise AssertionError("no I/O expected")


def test_every_name_in_all_is_importable() -> None:
    """Each name in ``swarm.gateway.__all__`` exists on the package."""
    assert [n for n in swarm.gateway.__all__ if not hasattr(swarm.gateway, n)] == []


def test_the_schema_has_the_contract_paths_and_security() -> None:
    """The app's OpenAPI lists the gateway paths of the contract and both key schemes."""
    client = SwarmClient("redis://127.0.0.1:1/0")  # never connects
    schema = create_app(client, NoStore(), Settings(api_key="k")).openapi()
    assert set(schema["paths"]) == {
        "/health",
        "/metrics",
        "/agents",
        "/agents/{name}",
        "/agents/{name}/messages",
        "/messages/{message_id}",
    }
    assert set(schema["components"]["securitySchemes"]) == {"HTTPBearer", "APIKeyHeader"}
    assert "security" not in schema["paths"]["/health"]["get"]
    assert "security" in schema["paths"]["/agents"]["get"]
