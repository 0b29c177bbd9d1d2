"""The ledgerd servers a run drives: started here (N processes on one database) or already running."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

LEDGERD = str(Path(sys.executable).parent / "ledgerd")
start_timeout_seconds = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ledgerd(*arguments: str, env: dict[str, str]) -> str:
    """Runs a ledgerd command; its standard output."""
    result = subprocess.run([LEDGERD, *arguments], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"ledgerd {' '.join(arguments)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + start_timeout_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ledgerd serve exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"ledgerd serve did not listen on {port} within {start_timeout_seconds} s")


@dataclass(frozen=True)
class Server:
    target: str  # HOST:PORT
    pid: int | None  # None: a server this harness did not start (--target)


@contextmanager
def started_servers(count: int, env: dict[str, str], log_dir: Path) -> Iterator[list[Server]]:
    """`count` `ledgerd serve` processes on the database of `env`; yields them."""
    processes, started = [], []
    try:
        for index in range(count):
            port = free_port()
            log = (log_dir / f"server-{index}.log").open("wb")
            process = subprocess.Popen(
                [LEDGERD, "serve", "--address", f"127.0.0.1:{port}"], env=env, stdout=log, stderr=subprocess.STDOUT
            )
            processes.append(process)
            wait_for_port(port, process)
            started.append(Server(f"127.0.0.1:{port}", process.pid))
        yield started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def environment(data_dir: Path) -> dict[str, str]:
    """DATABASE_URL when set; else the embedded PostgreSQL, its data under the run's folder."""
    env = dict(os.environ)
    env.setdefault("LEDGERD_DATA_DIR", str(data_dir))
    return env
