"""Talk to a swarm fleet from Python: ``SwarmClient``."""

from swarm.client.client import DEFAULT_TIMEOUT_S, SwarmClient

__all__ = ["DEFAULT_TIMEOUT_S", "SwarmClient"]
