"""The fleet launcher: supervise child processes (servers, coordinator, workers) as one unit.

::

    supervisor = Supervisor([ProcessSpec("worker-1", argv), ...], policy=RestartPolicy())
    async with anyio.create_task_group() as tg:
        await tg.start(supervisor.run)   # every child launched, in order
        ...
        supervisor.request_stop()        # reverse order: SIGTERM, timeout, SIGKILL

:func:`launch` is ``swarm up``: embedded servers when no URLs are given, then the coordinator
and the workers, a lock per state directory, signals, and the live status view.
"""

from swarm.fleet.launcher import FleetConfig, fleet_specs, launch
from swarm.fleet.lock import FleetLock, running_fleet_pid
from swarm.fleet.spec import ProcessSpec, RestartPolicy
from swarm.fleet.supervisor import ChildState, ChildStatus, Supervisor
from swarm.fleet.view import show_live_status, status_table

__all__ = [
    "ChildState",
    "ChildStatus",
    "FleetConfig",
    "FleetLock",
    "ProcessSpec",
    "RestartPolicy",
    "Supervisor",
    "fleet_specs",
    "launch",
    "running_fleet_pid",
    "show_live_status",
    "status_table",
]
