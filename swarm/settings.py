"""One settings object, read from ``SWARM_*`` environment variables at the entry point.

Nothing deeper in the library reads ``os.environ``: the CLI builds :class:`Settings` once
and passes it (or the values it needs) down.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Every knob swarm reads from the environment, with its default."""

    model_config = SettingsConfigDict(env_prefix="SWARM_", extra="ignore", frozen=True)

    redis_url: str | None = Field(
        default=None, description="Redis URL; unset: `swarm up` runs an embedded Valkey."
    )
    database_url: str | None = Field(
        default=None,
        description="Memory store URL (postgresql+psycopg://... or sqlite+aiosqlite:///...); "
        "unset: `swarm up` runs an embedded PostgreSQL.",
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
        default=0, ge=0, le=65535, description="Worker /health and /metrics port; 0: off."
    )
