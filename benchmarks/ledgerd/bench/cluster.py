"""A PostgreSQL cluster of one's own, from the machine's PostgreSQL binaries, to stop, crash, restart
or promote at will (the fault tests, benchmarks/chaos_soak.py): initdb and pg_ctl run as the
`postgres` OS user when run as root (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
from collections.abc import Mapping
from pathlib import Path

BIN = Path(os.environ.get("LEDGERD_PG_BIN", "/usr/lib/postgresql/15/bin"))
OS_USER = "postgres"
# A safety net against a hung pg_ctl, not a measurement.
PG_CTL_WAIT_SECONDS = 120
# What a throwaway cluster needs: few connections and little memory on a shared machine. fsync is
# off because the faults injected are process crashes, which the OS page cache survives; what
# ledgerd's durability rests on, a COMMIT acknowledged only once its WAL is written (and, with a
# standby, replicated), stays as in production.
TEST_SETTINGS = {
    "max_connections": "100",
    "shared_buffers": "32MB",
    "fsync": "off",
    "full_page_writes": "off",
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "log_min_messages": "warning",
}


def available() -> bool:
    return (BIN / "initdb").exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(*command: str) -> list[str]:
    return ["runuser", "-u", OS_USER, "--", *command] if os.geteuid() == 0 else list(command)


async def _run(*command: str) -> str:
    process = await asyncio.create_subprocess_exec(
        *_as_server_user(*command), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await process.communicate()
    text = output.decode()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}:\n{text}")
    return text


class Cluster:
    """One PostgreSQL server: its data folder, its port, and the pg_ctl commands a test needs."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.data = root / "data"
        self.port = port
        self.log = root / "server.log"

    @staticmethod
    def _new_root() -> Path:
        if not available():
            raise RuntimeError(f"no PostgreSQL binaries in {BIN} (LEDGERD_PG_BIN names another folder)")
        root = Path(tempfile.mkdtemp(prefix="ledgerd-cluster-"))
        if os.geteuid() == 0:
            shutil.chown(root, OS_USER, OS_USER)
        return root

    @classmethod
    async def create(cls, settings: Mapping[str, str] = {}) -> Cluster:
        """A new cluster (trust authentication, user postgres), started."""
        cluster = cls(cls._new_root(), free_port())
        await _run(str(BIN / "initdb"), "-D", str(cluster.data), "-U", "postgres", "-A", "trust", "--no-sync")
        cluster.configure({**TEST_SETTINGS, "port": str(cluster.port), **settings})
        with (cluster.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        await cluster.start()
        return cluster

    async def standby(self, settings: Mapping[str, str] = {}) -> Cluster:
        """A streaming standby of this cluster (pg_basebackup -R), started, named `application_name`
        in its primary_conninfo so that synchronous_standby_names can name it."""
        standby = Cluster(self._new_root(), free_port())
        await _run(
            str(BIN / "pg_basebackup"),
            "-D",
            str(standby.data),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-X",
            "stream",
            "--no-sync",
        )
        standby.configure(
            {
                **TEST_SETTINGS,
                "port": str(standby.port),
                "primary_conninfo": f"'host=127.0.0.1 port={self.port} user=postgres application_name=standby'",
                **settings,
            }
        )
        (standby.data / "standby.signal").touch()
        if os.geteuid() == 0:
            shutil.chown(standby.data / "standby.signal", OS_USER, OS_USER)
        await standby.start()
        return standby

    def configure(self, settings: Mapping[str, str]) -> None:
        """Appended to postgresql.conf: the last setting of a name wins."""
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    async def start(self) -> None:
        await self._pg_ctl("-l", str(self.log), "start")

    async def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session and shuts down cleanly; `immediate` is a crash (recovery at the
        next start)."""
        await self._pg_ctl("-m", mode, "stop")

    async def reload(self) -> None:
        """Reads the configuration again (settings that need no restart)."""
        await self._pg_ctl("reload")

    async def promote(self) -> None:
        await self._pg_ctl("promote")

    async def _pg_ctl(self, *arguments: str) -> None:
        await _run(str(BIN / "pg_ctl"), "-D", str(self.data), "-w", "-t", str(PG_CTL_WAIT_SECONDS), *arguments)

    async def destroy(self) -> None:
        """Stops it (if running) and removes its folder."""
        if (self.data / "postmaster.pid").exists():
            await self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
