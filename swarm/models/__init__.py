"""Model types, the handler contract, and the providers that serve them.

- :class:`OfflineModel`: needs nothing; replies from the character's own examples, actions by
  similarity, a hashing embedder. Registered below every real provider (``model: offline``).
- :class:`OpenAICompatibleModel`: OpenAI, Ollama, vLLM, llama.cpp's server over httpx, with
  retries and a :class:`CircuitBreaker`.
"""

from swarm.models.breaker import BreakerState, CircuitBreaker, CircuitState, guarded
from swarm.models.embedder import DEFAULT_DIMENSION, HashingEmbedder, cosine
from swarm.models.errors import (
    ModelConnectionError,
    ModelHTTPError,
    ModelResponseError,
    ModelTimeoutError,
)
from swarm.models.offline import OFFLINE_PRIORITY, OfflineModel, offline_model_handlers
from swarm.models.openai import OpenAICompatibleModel
from swarm.models.retry import RetryPolicy
from swarm.models.types import ModelHandler, ModelRegistry, ModelText, ModelType, model_info

__all__ = [
    "DEFAULT_DIMENSION",
    "OFFLINE_PRIORITY",
    "BreakerState",
    "CircuitBreaker",
    "CircuitState",
    "HashingEmbedder",
    "ModelConnectionError",
    "ModelHTTPError",
    "ModelHandler",
    "ModelRegistry",
    "ModelResponseError",
    "ModelText",
    "ModelTimeoutError",
    "ModelType",
    "OfflineModel",
    "OpenAICompatibleModel",
    "RetryPolicy",
    "cosine",
    "guarded",
    "model_info",
    "offline_model_handlers",
]
