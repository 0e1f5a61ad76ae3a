"""Security: secrets at rest, passwords kept out of logs, authenticated and TLS connections.

- :class:`SecretBox`, :func:`seal_agent_data`, :func:`open_agent_data`: character secrets
  encrypted with ``SWARM_SECRETS_KEY`` in the memory store, or not stored.
- :func:`redact_url`, :data:`SECRETS`, :class:`RedactingFilter`,
  :func:`install_log_redaction`: no password in a log line.
- :func:`redis_connection_kwargs`, :func:`ping_redis`: Redis AUTH/ACL and TLS from settings;
  :func:`database_url`: PostgreSQL credentials and SSL modes from settings.
"""

from swarm.security.postgres_options import database_url
from swarm.security.redaction import (
    MASK,
    SECRETS,
    RedactingFilter,
    SecretRegistry,
    install_log_redaction,
    redact_text,
    redact_url,
)
from swarm.security.redis_options import ping_redis, redis_connection_kwargs
from swarm.security.secrets import (
    SecretBox,
    generate_secrets_key,
    open_agent_data,
    seal_agent_data,
    secret_keys,
)

__all__ = [
    "MASK",
    "SECRETS",
    "RedactingFilter",
    "SecretBox",
    "SecretRegistry",
    "database_url",
    "generate_secrets_key",
    "install_log_redaction",
    "open_agent_data",
    "ping_redis",
    "redact_text",
    "redact_url",
    "redis_connection_kwargs",
    "seal_agent_data",
    "secret_keys",
]
