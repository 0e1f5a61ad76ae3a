"""Command packing of swarm's Redis connections: the same bytes as redis-py, made faster."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio.connection import Connection, SSLConnection, UnixDomainSocketConnection
from redis.exceptions import DataError

from swarm.bus import connect
from swarm.bus.connection import fast_packing

CASES: list[tuple[Any, ...]] = [
    ("XADD", "swarm:{a}:reply:x", "*", "text", "héllo ✓", "content", '{"text":"x"}'),
    ("XACK", b"inbox", b"workers", b"1-0", b"2-0"),
    ("EXPIRE", "k", 3600),
    ("SET", "k", 0.1),  # a float: redis-py's repr-based text
    ("SET", "k", 1e20),
    ("CLIENT SETNAME", "w1"),  # a command name with a space is split
    ("SET", "k", memoryview(b"view")),
    ("SET", "k", b"x" * 10_000),  # past redis-py's buffer cutoff
]


def _joined(chunks: list[Any]) -> bytes:
    return b"".join(bytes(chunk) for chunk in chunks)


@pytest.mark.parametrize("args", CASES, ids=lambda a: str(a[0]))
def test_packed_commands_are_byte_for_byte_redis_pys(args: tuple[Any, ...]) -> None:
    """Every kind of argument packs to exactly what redis-py's own packer sends."""
    plain = Connection()
    fast = fast_packing(Connection)()
    assert _joined(fast.pack_command(*args)) == _joined(plain.pack_command(*args))
    assert _joined(fast.pack_commands([args, args])) == _joined(plain.pack_commands([args, args]))


def test_an_argument_redis_py_refuses_is_still_refused_with_its_error() -> None:
    """A bool or None argument raises redis-py's DataError, not a hiredis TypeError."""
    fast = fast_packing(Connection)()
    for bad in (True, None):
        with pytest.raises(DataError):
            fast.pack_command("SET", "k", bad)


def test_connect_gives_each_kind_of_server_url_the_fast_packing() -> None:
    """redis://, rediss:// and unix:// pools all make fast-packing connections of their kind."""
    for url, kind in (
        ("redis://127.0.0.1:6379/0", Connection),
        ("rediss://127.0.0.1:6380/0", SSLConnection),
        ("unix:///tmp/redis.sock", UnixDomainSocketConnection),
    ):
        made = connect(url).connection_pool.connection_class
        assert issubclass(made, kind)
        assert made is fast_packing(kind)
        assert fast_packing(made) is made
