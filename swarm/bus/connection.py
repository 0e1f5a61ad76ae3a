"""Redis connections from a URL: redis.asyncio, with hiredis parsing and command packing.

A single server is ``redis://``, ``rediss://`` (TLS) or ``unix://``. A Redis Cluster is
``redis+cluster://`` or ``rediss+cluster://`` followed by one or more seed nodes::

    redis+cluster://[user[:password]@]host:port[,host:port...][/0][?ssl_ca_certs=...]

The seeds are only where discovery starts: the client learns the whole cluster from any one of
them. For a cluster :func:`connect` returns redis-py's asyncio ``RedisCluster``, typed as
:data:`Redis`: it speaks the same commands, and every key a multi-key command touches shares
one hash tag (see :mod:`swarm.bus.keys`). :func:`is_cluster` tells the few places that must
plan around slots (the worker's reads) which one they hold.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, unquote

import redis.asyncio as aioredis
from hiredis import pack_command as _pack_command
from redis._parsers import _AsyncHiredisParser
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import (
    ClusterDownError,
    RedisClusterUnreachableError,
    SlotNotCoveredError,
    TryAgainError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from swarm.errors import ConfigError
from swarm.models.wire import redact_url
from swarm.security import redis_connection_kwargs

if TYPE_CHECKING:
    from swarm.settings import Settings

    Redis = aioredis.Redis
else:
    Redis = aioredis.Redis

__all__ = [
    "CLUSTER_SCHEMES",
    "CONNECT_TIMEOUT_S",
    "TRANSIENT_ERRORS",
    "ClusterAddress",
    "Redis",
    "connect",
    "connect_settings",
    "fast_packing",
    "is_cluster",
    "parse_cluster_url",
    "redact_url",
]

CONNECT_TIMEOUT_S = 5.0
"""A Redis that does not accept the connection within this long counts as down."""
CLUSTER_SCHEMES = ("redis+cluster://", "rediss+cluster://")
DEFAULT_PORT = 6379
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    OSError,
    # A cluster failing over or resharding: it heals, so callers retry rather than crash.
    ClusterDownError,
    TryAgainError,
    SlotNotCoveredError,
    RedisClusterUnreachableError,
)
"""Errors after which the same command can succeed later: back off and retry."""

_CLUSTER_OPTIONS = frozenset(
    {"ssl_ca_certs", "ssl_certfile", "ssl_keyfile", "ssl_cert_reqs", "ssl_check_hostname"}
)


@dataclass(frozen=True)
class ClusterAddress:
    """A parsed cluster URL: seed nodes, credentials, TLS and TLS options."""

    nodes: tuple[tuple[str, int], ...]
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False
    options: dict[str, str] = field(default_factory=dict)


def is_cluster(redis: Redis) -> bool:
    """True when ``redis`` is a Redis Cluster client (keys of one command must share a slot)."""
    return isinstance(redis, RedisCluster)


def parse_cluster_url(url: str) -> ClusterAddress:
    """Split a ``redis+cluster://`` / ``rediss+cluster://`` URL; ConfigError when malformed."""
    shown = redact_url(url)
    scheme, _, rest = url.partition("://")
    rest, _, query = rest.partition("?")
    userinfo, _, rest = rest.rpartition("@")
    hosts, _, path = rest.partition("/")
    if path not in ("", "0"):
        raise ConfigError(
            f"Redis Cluster URL {shown!r} names database {path!r}; a cluster has only "
            "database 0: drop the path or use /0"
        )
    nodes = tuple(_node(part, shown) for part in hosts.split(",") if part.strip())
    if not nodes:
        raise ConfigError(
            f"Redis Cluster URL {shown!r} names no node; list at least one, e.g. "
            "redis+cluster://10.0.0.1:7000,10.0.0.2:7000"
        )
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = sorted(set(options) - _CLUSTER_OPTIONS)
    if unknown:
        raise ConfigError(
            f"Redis Cluster URL {shown!r} has unknown option(s) {', '.join(unknown)}; "
            f"supported: {', '.join(sorted(_CLUSTER_OPTIONS))}"
        )
    username, has_password, password = userinfo.partition(":")
    return ClusterAddress(
        nodes=nodes,
        username=unquote(username) or None,
        password=unquote(password) if has_password else None,
        tls=scheme == "rediss+cluster",
        options=options,
    )


def _node(text: str, shown: str) -> tuple[str, int]:
    text = text.strip()
    if text.startswith("["):  # [v6 address]:port
        host, _, port = text[1:].partition("]")
        port = port.removeprefix(":")
    else:
        host, _, port = text.rpartition(":") if ":" in text else (text, "", "")
    if not host:
        raise ConfigError(f"Redis Cluster URL {shown!r} has a node without a host: {text!r}")
    try:
        number = int(port) if port else DEFAULT_PORT
    except ValueError:
        number = -1
    if not 0 < number < 65536:
        raise ConfigError(f"Redis Cluster URL {shown!r} has a bad port in node {text!r}")
    return host, number


def _connect_cluster(url: str, max_connections: int | None) -> Redis:
    address = parse_cluster_url(url)
    kwargs: dict[str, Any] = dict(address.options)
    if "ssl_check_hostname" in kwargs:
        kwargs["ssl_check_hostname"] = kwargs["ssl_check_hostname"].lower() in ("1", "true", "yes")
    if max_connections is not None:
        kwargs["max_connections"] = max_connections  # per node
    cluster = RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in address.nodes],
        username=address.username,
        password=address.password,
        ssl=address.tls,
        decode_responses=False,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        socket_keepalive=True,
        **kwargs,
    )
    # RedisCluster offers the commands swarm uses with Redis's signatures; callers that
    # must plan around slots ask is_cluster().
    return cast(Redis, cluster)


class _TimedReads(_AsyncHiredisParser):
    """hiredis parsing whose socket reads, not replies, carry the read timeout.

    redis-py arms a timer for every reply it reads, also for the replies of a pipeline that
    are already buffered (~10 µs per message in a worker's commit). Here the timer runs
    only while bytes are awaited from the socket, so a stalled server still fails the read
    after the same ``socket_timeout``.
    """

    read_timeout: float | None = None
    """Seconds one socket read may wait; set by the connection around a reply's read."""

    async def read_from_socket(self) -> bool:
        if self.read_timeout is None:
            return cast(bool, await super().read_from_socket())  # type: ignore[no-untyped-call]
        try:
            async with asyncio.timeout(self.read_timeout):
                return cast(bool, await super().read_from_socket())  # type: ignore[no-untyped-call]
        except TimeoutError:  # asyncio's; redis-py's own TimeoutError is what callers expect
            raise RedisTimeoutError(
                f"Redis sent nothing within {self.read_timeout:g}s (socket timeout)"
            ) from None


class _FastPacking(AbstractConnection):
    """Packs a command of text, bytes and integer arguments with one call into hiredis, and
    times socket reads instead of replies (with :class:`_TimedReads` as its parser).

    redis-py's own packer encodes argument by argument in Python (~16 µs for a reply's XADD
    and EXPIRE, ~4 µs this way): the worker's batch pipelines are mostly such arguments.
    Anything else (floats, whose text redis-py writes with ``repr``; a command name with a
    space; a bool, which redis-py refuses) goes to redis-py's packer unchanged.
    """

    def pack_command(self, *args: Any) -> list[bytes]:
        head = args[0] if args else None
        if type(head) is str and " " not in head and float not in set(map(type, args)):
            try:
                return [_pack_command(args)]
            except TypeError:
                pass  # an argument hiredis refuses: redis-py's packer says what is wrong
        return super().pack_command(*args)

    async def read_response(
        self,
        disable_decoding: bool = False,
        timeout: float | None = None,  # noqa: ASYNC109  # redis-py's signature
        *,
        disconnect_on_error: bool = True,
        push_request: bool | None = False,
    ) -> Any:
        parser = self._parser
        if (
            timeout is not None
            or self.socket_timeout is None
            or not isinstance(parser, _TimedReads)
        ):
            return await super().read_response(
                disable_decoding,
                timeout,
                disconnect_on_error=disconnect_on_error,
                push_request=push_request,
            )
        parser.read_timeout = self.socket_timeout
        try:  # math.inf: redis-py arms no timer of its own; the parser's socket reads do
            return await super().read_response(
                disable_decoding,
                math.inf,
                disconnect_on_error=disconnect_on_error,
                push_request=push_request,
            )
        finally:
            parser.read_timeout = None


_fast_classes: dict[type[AbstractConnection], type[AbstractConnection]] = {}


def fast_packing(connection_class: type[AbstractConnection]) -> type[AbstractConnection]:
    """``connection_class`` with :class:`_FastPacking`'s ``pack_command`` (one class each)."""
    if issubclass(connection_class, _FastPacking):
        return connection_class
    if connection_class not in _fast_classes:
        name = f"FastPacking{connection_class.__name__}"
        _fast_classes[connection_class] = type(name, (_FastPacking, connection_class), {})
    return _fast_classes[connection_class]


def connect_settings(settings: Settings, *, max_connections: int | None = None) -> Redis:
    """A client for ``SWARM_REDIS_URL`` with ``SWARM_REDIS_USERNAME`` / ``_PASSWORD`` and the
    ``SWARM_REDIS_TLS_*`` files applied (what worker, coordinator and gateway processes use).

    A cluster URL carries its credentials and TLS options itself.
    """
    if settings.redis_url is not None and settings.redis_url.startswith(CLUSTER_SCHEMES):
        return connect(settings.redis_url, max_connections=max_connections)
    options = redis_connection_kwargs(settings)
    return connect(options.pop("url"), max_connections=max_connections, **options)


def connect(url: str, *, max_connections: int | None = None, **options: Any) -> Redis:
    """A client for ``url`` (``redis://``, ``rediss://``, ``unix://`` or a cluster URL).

    No I/O happens yet. Replies are bytes: stream fields are decoded by
    :mod:`swarm.bus.envelope`, which reports bad bytes instead of failing inside the client.
    ``options`` (credentials, TLS files) go to redis-py for a single server.
    """
    if url.startswith(CLUSTER_SCHEMES):
        return _connect_cluster(url, max_connections)
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(
            f"Redis URL {redact_url(url)!r} must start with redis://, rediss://, unix://, "
            "redis+cluster:// or rediss+cluster://; "
            "set SWARM_REDIS_URL, e.g. redis://127.0.0.1:6379/0"
        )
    try:
        client = aioredis.Redis.from_url(
            url,
            decode_responses=False,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
            socket_keepalive=True,
            max_connections=max_connections,
            parser_class=_TimedReads,
            **options,
        )
    except ValueError as exc:  # a malformed URL; never echo it (it may hold a password)
        raise ConfigError(f"Redis URL {redact_url(url)!r} is malformed: {exc}") from None
    pool = client.connection_pool  # no connection made yet: each will pack the fast way
    pool.connection_class = fast_packing(pool.connection_class)
    return client
