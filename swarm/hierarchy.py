"""Parent/child agents: permissions, where the hierarchy is stored, and delegated task results.

A child agent's row in the memory store (``agents.data``) carries its place in the
hierarchy under :data:`HIERARCHY_KEY`::

    {"parent": "<parent agent id>", "permissions": {"can_create_children": false, ...}}

That row is the source of truth: it survives restarts, and every worker that hosts the
parent reads it at start to host the child too. The Redis registry mirrors the parent id
(``AgentRecord.parent``) so that the coordinator and ``swarm agents`` see it without a store.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import msgspec

__all__ = [
    "DELEGATION_TAG",
    "HIERARCHY_KEY",
    "NO_AUTHORITY",
    "TASK_STATES",
    "Permissions",
    "TaskResult",
    "TaskState",
    "child_data",
    "parent_of",
    "permissions_of",
]

HIERARCHY_KEY = "swarm_hierarchy"
"""Key of a child's hierarchy record inside its store row's ``data``."""
NO_AUTHORITY = "No authority over this agent"
"""The refusal of a delegation (or control message) from anyone but the agent's parent."""
DELEGATION_TAG = "delegation"
"""Tag of the task rows that delegations create."""

TaskState = Literal["pending", "running", "done", "failed", "timed_out", "refused"]
TASK_STATES: tuple[str, ...] = ("pending", "running", "done", "failed", "timed_out", "refused")


class Permissions(msgspec.Struct, frozen=True, kw_only=True):
    """What a child agent may do (defaults as in elizaOS's seed)."""

    can_create_children: bool = False
    """The child may create children of its own."""
    can_control_children: bool = False
    """The child may delegate to (control) its own children."""
    can_access_parent_memory: bool = True
    """The child's memory queries include its parent's memories."""


class TaskResult(msgspec.Struct, frozen=True, kw_only=True):
    """How a delegated task ended: ``done`` with the child's answer, or why not."""

    task_id: str
    status: TaskState
    text: str = ""
    error: str | None = None
    parent: str = ""
    child: str = ""

    @property
    def ok(self) -> bool:
        """True when the child answered (``status == "done"``)."""
        return self.status == "done"


def child_data(
    character: Mapping[str, Any], parent_id: str, permissions: Permissions
) -> dict[str, Any]:
    """A child's store ``data``: its character plus its hierarchy record."""
    data = dict(character)
    data[HIERARCHY_KEY] = {"parent": parent_id, "permissions": msgspec.to_builtins(permissions)}
    return data


def parent_of(data: Mapping[str, Any]) -> str | None:
    """The parent id recorded in a store row's ``data``, or None for a root agent."""
    record = data.get(HIERARCHY_KEY)
    if isinstance(record, Mapping) and isinstance(record.get("parent"), str):
        return str(record["parent"])
    return None


def permissions_of(data: Mapping[str, Any]) -> Permissions:
    """The permissions recorded in a store row's ``data`` (a root agent has the defaults
    except that it may create and control children)."""
    record = data.get(HIERARCHY_KEY)
    if not isinstance(record, Mapping):
        return Permissions(can_create_children=True, can_control_children=True)
    try:
        return msgspec.convert(record.get("permissions") or {}, Permissions)
    except msgspec.ValidationError:
        return Permissions()  # a damaged record grants nothing beyond the defaults
