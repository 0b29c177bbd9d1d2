"""One server process, from its pool to its exit: serve, say where, wait for SIGINT or SIGTERM (or
another reason to stop), stop gracefully. `ledgerd serve` runs it in-process with one worker and in
each worker process with several."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

import asyncpg

from ledgerd.server.app import start_server
from ledgerd.server.tls import PLAINTEXT_NOTICE, TlsFiles

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

log = logging.getLogger("ledgerd")


def host_of(address: str) -> str:
    """The host part of "host:port" (an IPv6 host keeps its brackets)."""
    return address.rpartition(":")[0]


async def serve_until_stopped(
    pool: asyncpg.Pool,
    address: str,
    *,
    name: str = "ledgerd",
    on_serving: Callable[[int], None] = lambda port: None,
    stopping: asyncio.Event | None = None,
    tls: TlsFiles | None = None,
) -> int:
    """Prints "<name> serving on HOST:PORT" once serving (tests and scripts read the port there),
    calls `on_serving(port)`, and stops at a stop signal or when `stopping` is set; returns 0."""
    stopping = stopping or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in STOP_SIGNALS:
        loop.add_signal_handler(signal_number, stopping.set)
    running = await start_server(pool, address, tls=tls)
    if tls is None:
        log.warning("%s: %s", name, PLAINTEXT_NOTICE)
    else:
        log.info("%s: serving %s", name, tls.describe())
    print(f"{name} serving on {host_of(address)}:{running.port}", flush=True)
    on_serving(running.port)
    await stopping.wait()
    print(f"{name} stopping after {running.calls} calls", flush=True)
    await running.stop()
    return 0
