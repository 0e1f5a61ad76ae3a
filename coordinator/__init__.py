"""The coordinator: what needs a global view of the fleet.

It consumes the bus stream (``swarm:bus``) in a consumer group, so several coordinators can
run: it routes agent-to-agent messages by name or id, broadcasts, and holds messages for
names nobody registered yet until they do, and tracks delegated tasks (authority, task rows,
timeouts, crashed children). :func:`serve` is the composition root of a
``swarm coordinator`` process.
"""

from coordinator.coordinator import Coordinator, RecipientFilter
from coordinator.options import CoordinatorOptions, new_coordinator_id
from coordinator.recipients import store_recipients
from coordinator.routing import inbox_fields, queue_key
from coordinator.serve import serve
from coordinator.tasks import Delegations

__all__ = [
    "Coordinator",
    "CoordinatorOptions",
    "Delegations",
    "RecipientFilter",
    "inbox_fields",
    "new_coordinator_id",
    "queue_key",
    "serve",
    "store_recipients",
]
