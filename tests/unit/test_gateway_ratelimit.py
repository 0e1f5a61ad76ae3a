"""The gateway's token-bucket rate limiter, on a fake clock."""

from __future__ import annotations

import pytest

from swarm.gateway import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_client_gets_its_burst_then_a_wait() -> None:
    """After ``burst`` requests at once, the next one is refused with the time to a token."""
    clock = Clock()
    limiter = RateLimiter(2.0, 3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(0.5)


def test_tokens_come_back_at_the_rate() -> None:
    """Half a second at 2/s gives back one token, and no more than the burst ever."""
    clock = Clock()
    limiter = RateLimiter(2.0, 2, clock=clock)
    limiter.take("a")
    limiter.take("a")
    clock.now += 0.5
    assert limiter.take("a") == 0.0
    assert limiter.take("a") > 0
    clock.now += 3600
    assert [limiter.take("a") for _ in range(3)][:2] == [0.0, 0.0]
    assert limiter.take("a") > 0


def test_a_refused_request_spends_nothing() -> None:
    """Refusals do not push the next allowed time further out."""
    clock = Clock()
    limiter = RateLimiter(1.0, 1, clock=clock)
    limiter.take("a")
    for _ in range(10):
        assert limiter.take("a") == pytest.approx(1.0)
    clock.now += 1.0
    assert limiter.take("a") == 0.0


def test_clients_have_separate_buckets() -> None:
    """One client's exhausted bucket does not limit another."""
    limiter = RateLimiter(1.0, 1, clock=Clock())
    assert limiter.take("a") == 0.0
    assert limiter.take("a") > 0
    assert limiter.take("b") == 0.0


def test_the_number_of_buckets_is_bounded() -> None:
    """Past max_clients, the least recently seen client's bucket is dropped."""
    limiter = RateLimiter(1.0, 1, clock=Clock(), max_clients=3)
    for name in "abcd":
        limiter.take(name)
    assert len(limiter) == 3


def test_bad_limits_are_refused() -> None:
    """A rate of zero or a burst below one is a ValueError."""
    with pytest.raises(ValueError, match="rate_per_s"):
        RateLimiter(0, 1)
    with pytest.raises(ValueError, match="burst"):
        RateLimiter(1, 0)
