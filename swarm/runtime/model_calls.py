"""Calling a model: the best handler first, the next one when it fails, a breaker per provider.

Each provider's handlers sit behind one :class:`~swarm.models.CircuitBreaker`, so a provider
that keeps failing (after its own retries) costs a turn microseconds instead of a timeout
while its circuit is open, and the next registered provider answers meanwhile.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from swarm.errors import AllModelsFailedError
from swarm.models.breaker import BreakerState, CircuitBreaker
from swarm.models.types import ModelType
from swarm.runtime.logs import describe
from swarm.runtime.model_handlers import ModelRegistration

if TYPE_CHECKING:
    from swarm.runtime.runtime import AgentRuntime

__all__ = ["BREAKER_COOLDOWN_S", "BREAKER_THRESHOLD", "ModelRouter"]

BREAKER_THRESHOLD = 5
"""Consecutive failures (each after the provider's own retries) that open a provider's circuit."""
BREAKER_COOLDOWN_S = 30.0
"""How long an open circuit fails fast before one trial call is let through."""


class ModelRouter:
    """Tries a call's candidates in order, through one breaker per provider."""

    def __init__(
        self,
        *,
        failure_threshold: int = BREAKER_THRESHOLD,
        cooldown_s: float = BREAKER_COOLDOWN_S,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self.breakers: dict[str, CircuitBreaker] = {}

    def breaker(self, provider: str) -> CircuitBreaker:
        """The breaker of ``provider`` (created on first use)."""
        breaker = self.breakers.get(provider)
        if breaker is None:
            breaker = self.breakers[provider] = CircuitBreaker(
                provider, failure_threshold=self.failure_threshold, cooldown_s=self.cooldown_s
            )
        return breaker

    def states(self) -> list[BreakerState]:
        """Every provider's breaker state, for health reports."""
        return [b.snapshot() for b in self.breakers.values()]

    async def call(
        self,
        runtime: AgentRuntime,
        model_type: ModelType | str,
        candidates: list[ModelRegistration],
        params: Mapping[str, Any],
    ) -> tuple[Any, ModelRegistration]:
        """The first successful answer and the handler that gave it.

        Raises :class:`AllModelsFailedError` when every candidate failed.
        """
        errors: list[str] = []
        for registration in candidates:
            breaker = self.breaker(registration.provider)
            started = time.perf_counter()
            try:
                result = await breaker.call(
                    functools.partial(registration.handler, runtime, params)
                )
            except Exception as exc:
                elapsed_ms = (time.perf_counter() - started) * 1000.0
                runtime.metrics.record("model", registration.provider, elapsed_ms, ok=False)
                errors.append(f"{registration.provider}: {describe(exc)}")
                runtime.logger.warning(
                    "model provider %r failed for %s (%s)%s",
                    registration.provider,
                    model_type,
                    describe(exc),
                    "; trying the next provider" if registration is not candidates[-1] else "",
                )
                continue
            elapsed_ms = (time.perf_counter() - started) * 1000.0
            runtime.metrics.record("model", registration.provider, elapsed_ms)
            return result, registration
        raise AllModelsFailedError(
            f"every model provider for {model_type} failed: {'; '.join(errors)}; check the "
            "providers' endpoints and keys (the agent answered with its fallback response)",
            errors,
        )
