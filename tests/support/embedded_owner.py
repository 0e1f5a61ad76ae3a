"""A process that starts one embedded server, prints its pid and URL, and waits to be killed.

``python -m tests.support.embedded_owner valkey|postgres STATE_DIR``: the tests SIGKILL it to
leave a stale server behind, as a crashed ``swarm up`` would.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anyio

from swarm.embedded import EmbeddedPostgres, EmbeddedServer, EmbeddedValkey


async def _main(kind: str, directory: Path) -> None:
    server: EmbeddedServer = (
        EmbeddedValkey(directory) if kind == "valkey" else EmbeddedPostgres(directory)
    )
    await server.start()
    print(server.pid, server.url, flush=True)
    await anyio.sleep_forever()


if __name__ == "__main__":
    anyio.run(_main, sys.argv[1], Path(sys.argv[2]))
