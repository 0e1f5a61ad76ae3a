"""Show that a new fleet answers: once its agents are registered, say hello to each.

``swarm up`` runs this beside the supervisor. It only reads and logs; a fleet that is slow
or failing to come up is reported, never stopped, by it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import anyio

from swarm.client import SwarmClient
from swarm.errors import SwarmError

__all__ = ["GREETING", "greet_when_ready"]

logger = logging.getLogger("swarm.fleet")

GREETING = "hello"
_POLL_S = 0.2  # how often the registry is read while the workers start


async def greet_when_ready(
    redis_url: str, names: Sequence[str], *, timeout_s: float = 120.0
) -> dict[str, str]:
    """Wait until every agent in ``names`` is registered, greet each, log and return replies."""
    replies: dict[str, str] = {}
    try:
        async with SwarmClient(redis_url, sender="swarm-up") as client:
            with anyio.fail_after(timeout_s):
                # Registration happens in other processes: there is no event to wait on.
                while not set(names) <= {a.name for a in await client.agents()}:  # noqa: ASYNC110
                    await anyio.sleep(_POLL_S)
                logger.info("fleet ready: %d agent(s) registered", len(names))
                for name in names:
                    reply = await client.send(name, GREETING, room="swarm-up", timeout=timeout_s)
                    replies[name] = reply.text
                    logger.info("%s > %s\n%s < %s", name, GREETING, name, reply.text)
    except TimeoutError:
        missing = sorted(set(names) - set(replies))
        logger.warning(
            "no answer from %s within %.0f s; see the worker logs", ", ".join(missing), timeout_s
        )
        return replies
    except SwarmError as exc:
        logger.warning("could not greet the fleet: %s", exc)
        return replies
    first = names[0] if names else "AGENT"
    logger.info(
        "try: swarm send %s 'what can you do?'   (stop the fleet with Ctrl-C or `swarm down`)",
        first,
    )
    return replies
