"""The memory store all agents of a fleet share: PostgreSQL (pgvector when present) or SQLite.

::

    store = create_store("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    await store.init()                       # connects, migrates under a lock
    await store.create_memories(batch)       # the hot path: one transaction
    recent = await store.get_memories(room_id=room, agent_id=agent, count=20)
"""

from swarm.memory.factory import create_store, store_from_settings
from swarm.memory.migrations import MIGRATIONS, SchemaInfo
from swarm.memory.records import AgentRecord, Entity, LogEntry, Relationship, Room, Task, World
from swarm.memory.retry import RetryPolicy
from swarm.memory.store import MemoryStore

__all__ = [
    "MIGRATIONS",
    "AgentRecord",
    "Entity",
    "LogEntry",
    "MemoryStore",
    "Relationship",
    "RetryPolicy",
    "Room",
    "SchemaInfo",
    "Task",
    "World",
    "create_store",
    "store_from_settings",
]
