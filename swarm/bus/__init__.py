"""The Redis Streams wire protocol: keys, envelopes, groups, connections and the registry.

``docs/protocol.md`` is the specification; this package is its implementation.
"""

from swarm.bus import keys
from swarm.bus.commands import (
    MAX_HOPS,
    BusCommand,
    CommandKind,
    decode_command,
    encode_command,
    publish,
)
from swarm.bus.connection import (
    TRANSIENT_ERRORS,
    ClusterAddress,
    Redis,
    connect,
    connect_settings,
    is_cluster,
    parse_cluster_url,
)
from swarm.bus.directory import AgentStatus, agent_statuses, live_workers
from swarm.bus.envelope import (
    DEFAULT_ROOM,
    DeadLetter,
    Message,
    Reply,
    ReplyKind,
    decode_dead_letter,
    decode_message,
    decode_reply,
    encode_dead_letter,
    encode_message,
    encode_reply,
    room_id,
    text_fields,
)
from swarm.bus.groups import ensure_group, ensure_groups, is_nogroup
from swarm.bus.registry import AgentRecord, list_agents, register_agent, resolve_agent
from swarm.bus.replicas import (
    REPLICA_SEPARATOR,
    add_replicas,
    group_id,
    group_members,
    replica_index,
    replica_name,
    retire_replicas,
    routable_replicas,
)
from swarm.bus.tasks import (
    RESULT_GRACE_S,
    TASK_STATUS_FIELD,
    delegate,
    result_stream,
    task_result,
)

__all__ = [
    "DEFAULT_ROOM",
    "MAX_HOPS",
    "REPLICA_SEPARATOR",
    "RESULT_GRACE_S",
    "TASK_STATUS_FIELD",
    "TRANSIENT_ERRORS",
    "AgentRecord",
    "AgentStatus",
    "BusCommand",
    "ClusterAddress",
    "CommandKind",
    "DeadLetter",
    "Message",
    "Redis",
    "Reply",
    "ReplyKind",
    "add_replicas",
    "agent_statuses",
    "connect",
    "connect_settings",
    "decode_command",
    "decode_dead_letter",
    "decode_message",
    "decode_reply",
    "delegate",
    "encode_command",
    "encode_dead_letter",
    "encode_message",
    "encode_reply",
    "ensure_group",
    "ensure_groups",
    "group_id",
    "group_members",
    "is_cluster",
    "is_nogroup",
    "keys",
    "list_agents",
    "live_workers",
    "parse_cluster_url",
    "publish",
    "register_agent",
    "replica_index",
    "replica_name",
    "resolve_agent",
    "result_stream",
    "retire_replicas",
    "room_id",
    "routable_replicas",
    "task_result",
    "text_fields",
]
