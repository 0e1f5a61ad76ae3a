"""One settings object, read from ``SWARM_*`` environment variables at the entry point.

Nothing deeper in the library reads ``os.environ``: the CLI builds :class:`Settings` once
and passes it (or the values it needs) down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from swarm.security.redaction import redact_url

__all__ = ["Settings"]

# Plain-string settings that may carry a password (in the URL): redacted in repr().
_URL_FIELDS = ("redis_url", "database_url", "model_url")


class Settings(BaseSettings):
    """Every knob swarm reads from the environment, with its default."""

    model_config = SettingsConfigDict(env_prefix="SWARM_", extra="ignore", frozen=True)

    redis_url: str | None = Field(
        default=None, description="Redis URL; unset: `swarm up` runs an embedded Valkey."
    )
    database_url: str | None = Field(
        default=None,
        description="Memory store URL (postgresql+psycopg://... or sqlite+aiosqlite:///...); "
        "unset: `swarm up` runs an embedded PostgreSQL, a lone `swarm worker` uses SQLite "
        "under the state dir.",
    )
    state_dir: Path = Field(default=Path(".swarm"), description="Where embedded servers keep data.")
    db_pool_size: int = Field(default=10, ge=1, description="PostgreSQL connections per process.")
    embedding_dimension: int = Field(default=384, ge=1, description="Vector size of embeddings.")
    model_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint; unset: the offline model."
    )
    model_api_key: SecretStr | None = Field(default=None, description="API key for model_url.")
    model_small: str = Field(default="gpt-4o-mini", description="Model name for TEXT_SMALL.")
    model_large: str = Field(default="gpt-4o", description="Model name for TEXT_LARGE.")
    model_embedding: str = Field(
        default="text-embedding-3-small", description="Model name for TEXT_EMBEDDING."
    )
    model_timeout_s: float = Field(default=60.0, gt=0, description="Per model request.")
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    health_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="Port of a worker's or coordinator's /health and /metrics HTTP endpoint; "
        "0 = off.",
    )
    drain_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="On SIGTERM, how long in-flight messages may finish before the rest are "
        "cancelled; deploy grace periods (stop_grace_period, terminationGracePeriodSeconds) "
        "must be longer.",
    )
    api_key: SecretStr | None = Field(
        default=None, description="API key the HTTP gateway requires; unset: no auth (dev only)."
    )
    worker_concurrency: int = Field(
        default=32,
        ge=1,
        description="Messages one worker process handles at once (`swarm worker --concurrency` "
        "overrides).",
    )
    embedded_redis_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="Embedded Valkey port; 0: reuse the last or pick one.",
    )
    embedded_postgres_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="Embedded PostgreSQL port; 0: reuse the last or pick one.",
    )
    secrets_key: SecretStr | None = Field(
        default=None,
        description="Fernet key that encrypts character secrets in the memory store (several, "
        "comma-separated, to rotate: the first encrypts); unset: secrets are not stored.",
    )
    redis_username: str | None = Field(
        default=None, description="Redis ACL user; overrides the user in redis_url."
    )
    redis_password: SecretStr | None = Field(
        default=None, description="Redis AUTH password; overrides the password in redis_url."
    )
    redis_tls_ca_file: Path | None = Field(
        default=None,
        description="CA bundle that verifies the Redis server's certificate (rediss:// URLs); "
        "unset: the system's CAs.",
    )
    redis_tls_cert_file: Path | None = Field(
        default=None, description="Client certificate for Redis mutual TLS (with key_file)."
    )
    redis_tls_key_file: Path | None = Field(
        default=None, description="Private key of redis_tls_cert_file."
    )
    redis_tls_check_hostname: bool = Field(
        default=True, description="Check that the Redis server's certificate names its host."
    )
    database_password: SecretStr | None = Field(
        default=None, description="PostgreSQL password; overrides the password in database_url."
    )
    database_sslmode: (
        Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] | None
    ) = Field(
        default=None,
        description="PostgreSQL sslmode (libpq's); overrides sslmode in database_url.",
    )
    database_sslrootcert: Path | None = Field(
        default=None,
        description="CA file that verifies the PostgreSQL server (verify-ca, verify-full).",
    )

    gateway_max_body_bytes: int = Field(
        default=65_536,
        ge=1,
        description="Largest request body `swarm serve` accepts; larger ones get 413.",
    )
    gateway_rate_per_s: float = Field(
        default=10.0,
        gt=0,
        description="Requests per second each gateway client (API key, else address) may make "
        "on average, per gateway process; more get 429 with Retry-After.",
    )
    gateway_burst: int = Field(
        default=20,
        ge=1,
        description="Requests a gateway client may make at once before the rate applies.",
    )
    worker_presence_ttl_s: float = Field(
        default=6.0,
        gt=0,
        description="How long a silent worker counts as alive (it beats every third of it); "
        "after it, its messages are reclaimed and its delegated tasks count as crashed.",
    )
    replica_strategy: Literal["round_robin", "least_loaded"] = Field(
        default="round_robin",
        description="How the coordinator picks a replica for a group's message: in turn, or "
        "the one with the fewest in-flight entries; a room sticks to its replica.",
    )

    def __repr_args__(self) -> Any:
        # URLs are plain strings (callers need them whole); repr() must not show passwords.
        for name, value in super().__repr_args__():
            if name in _URL_FIELDS and isinstance(value, str):
                yield name, redact_url(value)
            else:
                yield name, value
