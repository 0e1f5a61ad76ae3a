"""A circuit breaker per model provider: stop calling a provider that keeps failing.

closed --(``failure_threshold`` consecutive failures)--> open --(``cooldown_s``)--> half_open
half_open --(the one trial call succeeds)--> closed; --(it fails)--> open again.

While open, calls fail at once with :class:`~swarm.errors.CircuitOpenError`, so a dead
endpoint costs a message microseconds instead of a timeout, and the runtime falls back to
the next provider. The breaker counts what reaches it: wrap it *around* retries, so a call
fails only once its retries are spent.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from swarm.errors import CircuitOpenError, ConfigError
from swarm.models.types import ModelHandler

__all__ = ["BreakerState", "CircuitBreaker", "CircuitState", "guarded"]

T = TypeVar("T")


class CircuitState(StrEnum):
    """Where a breaker is in its cycle."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class BreakerState:
    """A breaker's state for health reports."""

    name: str
    state: CircuitState
    failures: int
    """Consecutive failures (reset by a success)."""
    opened_at: float | None
    """When it last opened, in its clock's units (``time.monotonic`` by default)."""
    retry_in_s: float
    """Seconds until a trial call is let through; 0 unless open."""
    last_error: str | None


def _always(_: BaseException) -> bool:
    return True


class CircuitBreaker:
    """Open after ``failure_threshold`` consecutive failures; try again after ``cooldown_s``.

    ``is_failure`` decides which exceptions count against the provider (default: all); the
    others are re-raised but treated as proof that the provider answers. ``clock`` is
    injectable so tests never sleep.
    """

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        is_failure: Callable[[BaseException], bool] = _always,
    ) -> None:
        if failure_threshold < 1:
            raise ConfigError(
                f"breaker {name!r}: failure_threshold must be >= 1, not {failure_threshold}"
            )
        if cooldown_s < 0:
            raise ConfigError(f"breaker {name!r}: cooldown_s must be >= 0, not {cooldown_s}")
        self.name = name
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._is_failure = is_failure
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False
        self._last_error: str | None = None

    @property
    def state(self) -> CircuitState:
        """The current state; an open breaker whose cooldown is over reads half_open."""
        if self._state is CircuitState.OPEN and self._retry_in_s() == 0.0:
            return CircuitState.HALF_OPEN
        return self._state

    def snapshot(self) -> BreakerState:
        """State, failures, opening time and last error, for ``/health``."""
        return BreakerState(
            name=self.name,
            state=self.state,
            failures=self._failures,
            opened_at=self._opened_at,
            retry_in_s=self._retry_in_s() if self._state is CircuitState.OPEN else 0.0,
            last_error=self._last_error,
        )

    def _retry_in_s(self) -> float:
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._opened_at + self.cooldown_s - self._clock())

    def _admit(self) -> bool:
        """Let a call through or raise; True when the call is the half-open trial."""
        if self._state is CircuitState.CLOSED:
            return False
        if self._state is CircuitState.OPEN and self._retry_in_s() > 0.0:
            raise self._open_error(f"failing fast for another {self._retry_in_s():.1f} s")
        if self._trial_running:
            raise self._open_error("a trial call is already probing it")
        self._state = CircuitState.HALF_OPEN
        self._trial_running = True
        return True

    def _open_error(self, detail: str) -> CircuitOpenError:
        return CircuitOpenError(
            f"model provider {self.name!r} is unavailable: its circuit opened after "
            f"{self._failures} consecutive failures (last: {self._last_error}); {detail}. "
            "The next registered provider serves meanwhile; check the endpoint and its logs."
        )

    def record_success(self) -> None:
        """Close the circuit: the provider answered."""
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._opened_at = None
        self._trial_running = False

    def record_failure(self, error: BaseException) -> None:
        """Count a failure; open the circuit at the threshold, or again after a failed trial."""
        self._failures += 1
        self._last_error = f"{type(error).__name__}: {error}"
        reopen = self._state is CircuitState.HALF_OPEN
        if reopen or (
            self._state is CircuitState.CLOSED and self._failures >= self.failure_threshold
        ):
            self._state = CircuitState.OPEN
            self._opened_at = self._clock()
        self._trial_running = False

    async def call(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Await ``fn()`` through the breaker; raise ``CircuitOpenError`` while open."""
        trial = self._admit()
        try:
            result = await fn()
        except Exception as exc:
            if self._is_failure(exc):
                self.record_failure(exc)
            else:
                self.record_success()
            raise
        except BaseException:
            # Cancelled: says nothing about the provider; free the trial slot for the next.
            if trial:
                self._trial_running = False
            raise
        self.record_success()
        return result


def guarded(handler: ModelHandler, breaker: CircuitBreaker) -> ModelHandler:
    """``handler`` behind ``breaker``: what the runtime registers to protect any provider."""

    async def guarded_handler(runtime: Any, params: Mapping[str, Any]) -> Any:
        return await breaker.call(lambda: handler(runtime, params))

    guarded_handler.__name__ = f"guarded_{getattr(handler, '__name__', 'handler')}"
    guarded_handler.__doc__ = handler.__doc__
    return guarded_handler
