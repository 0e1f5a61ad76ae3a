"""The circuit breaker's state machine, driven by a fake clock (no sleeping)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio
import pytest

from swarm.errors import CircuitOpenError, ConfigError
from swarm.models import CircuitBreaker, CircuitState, guarded

pytestmark = pytest.mark.anyio


class Clock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Boom(Exception):
    pass


async def ok() -> str:
    return "ok"


async def fail() -> str:
    raise Boom("provider down")


def make(clock: Clock, **options: Any) -> CircuitBreaker:
    return CircuitBreaker("p", failure_threshold=3, cooldown_s=10.0, clock=clock, **options)


async def trip(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        with pytest.raises(Boom):
            await breaker.call(fail)


async def test_stays_closed_below_the_failure_threshold() -> None:
    """Two failures out of a threshold of three leave the circuit closed and counting."""
    breaker = make(Clock())
    await trip(breaker, 2)

    state = breaker.snapshot()
    assert (state.state, state.failures, state.opened_at) == (CircuitState.CLOSED, 2, None)


async def test_success_resets_the_consecutive_failure_count() -> None:
    """Failures must be consecutive: a success in between starts the count again."""
    breaker = make(Clock())
    await trip(breaker, 2)
    await breaker.call(ok)
    await trip(breaker, 2)

    assert breaker.snapshot().failures == 2
    assert breaker.state is CircuitState.CLOSED


async def test_opens_at_the_threshold_and_records_when() -> None:
    """The third consecutive failure opens the circuit at the clock's current time."""
    clock = Clock()
    breaker = make(clock)
    await trip(breaker, 3)

    state = breaker.snapshot()
    assert (state.state, state.failures, state.opened_at) == (CircuitState.OPEN, 3, 1000.0)
    assert state.retry_in_s == 10.0
    assert state.last_error == "Boom: provider down"


async def test_open_circuit_fails_fast_without_calling() -> None:
    """While open, calls raise CircuitOpenError and the wrapped function never runs."""
    clock = Clock()
    breaker = make(clock)
    await trip(breaker, 3)
    calls: list[str] = []

    async def counted() -> str:
        calls.append("called")
        return "ok"

    clock.now += 9.9
    with pytest.raises(CircuitOpenError, match=r"'p' is unavailable.*3 consecutive failures"):
        await breaker.call(counted)
    assert calls == []


async def test_half_opens_after_the_cooldown() -> None:
    """Once the cooldown has passed, the state reads half_open."""
    clock = Clock()
    breaker = make(clock)
    await trip(breaker, 3)

    clock.now += 10.0
    assert breaker.state is CircuitState.HALF_OPEN


async def test_successful_trial_closes_the_circuit() -> None:
    """A successful trial call after the cooldown closes the circuit and clears failures."""
    clock = Clock()
    breaker = make(clock)
    await trip(breaker, 3)
    clock.now += 10.0

    assert await breaker.call(ok) == "ok"
    state = breaker.snapshot()
    assert (state.state, state.failures, state.opened_at) == (CircuitState.CLOSED, 0, None)


async def test_failed_trial_reopens_for_a_new_cooldown() -> None:
    """A failed trial re-opens the circuit from the trial's time."""
    clock = Clock()
    breaker = make(clock)
    await trip(breaker, 3)
    clock.now += 12.0
    await trip(breaker, 1)

    state = breaker.snapshot()
    assert (state.state, state.opened_at, state.retry_in_s) == (CircuitState.OPEN, 1012.0, 10.0)


async def test_only_one_trial_call_runs_while_half_open() -> None:
    """A second call during the half-open trial fails fast instead of piling on."""
    clock = Clock()
    breaker = make(clock)
    await trip(breaker, 3)
    clock.now += 10.0
    trial_started = anyio.Event()
    release = anyio.Event()

    async def slow_trial() -> str:
        trial_started.set()
        await release.wait()
        return "ok"

    async with anyio.create_task_group() as tg:
        tg.start_soon(breaker.call, slow_trial)
        await trial_started.wait()
        with pytest.raises(CircuitOpenError, match="trial call is already probing"):
            await breaker.call(ok)
        release.set()

    assert breaker.state is CircuitState.CLOSED


async def test_cancelled_trial_frees_the_slot_for_the_next_call() -> None:
    """A trial cancelled mid-call does not count and lets the next call be the trial."""
    clock = Clock()
    breaker = make(clock)
    await trip(breaker, 3)
    clock.now += 10.0
    started = anyio.Event()

    async def hang() -> str:
        started.set()
        await anyio.sleep_forever()
        return "never"

    async with anyio.create_task_group() as tg:
        tg.start_soon(breaker.call, hang)
        await started.wait()
        tg.cancel_scope.cancel()

    assert breaker.snapshot().failures == 3
    assert await breaker.call(ok) == "ok"


async def test_errors_that_are_not_failures_count_as_answers() -> None:
    """An exception rejected by ``is_failure`` is re-raised but resets the failure count."""
    breaker = make(Clock(), is_failure=lambda error: not isinstance(error, ValueError))
    await trip(breaker, 2)

    async def bad_request() -> str:
        raise ValueError("caller's fault")

    with pytest.raises(ValueError, match="caller's fault"):
        await breaker.call(bad_request)
    assert breaker.snapshot().failures == 0


async def test_guarded_handler_goes_through_the_breaker() -> None:
    """guarded() wraps a model handler: its failures trip the breaker, then it fails fast."""
    breaker = CircuitBreaker("h", failure_threshold=1, clock=Clock())
    seen: list[Mapping[str, Any]] = []

    async def handler(runtime: Any, params: Mapping[str, Any]) -> str:
        seen.append(params)
        raise Boom("down")

    wrapped = guarded(handler, breaker)
    with pytest.raises(Boom):
        await wrapped(None, {"prompt": "a"})
    with pytest.raises(CircuitOpenError):
        await wrapped(None, {"prompt": "b"})

    assert seen == [{"prompt": "a"}]


def test_threshold_below_one_is_a_config_error() -> None:
    """A breaker that could never close is refused with the bad value in the message."""
    with pytest.raises(ConfigError, match="failure_threshold must be >= 1, not 0"):
        CircuitBreaker("p", failure_threshold=0)
