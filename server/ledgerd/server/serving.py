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
from ledgerd.server.garbage_collection import tune_garbage_collector
from ledgerd.server.tls import PLAINTEXT_NOTICE, TlsFiles
from ledgerd.server.tracing import tracing_from_environment

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

log = logging.getLogger("ledgerd")


def host_of(address: str) -> str:
    """The host part of "host:port" (an IPv6 host keeps its brackets)."""
    return address.rpartition(":")[0]


HTTP_SERVING = "serving HTTP on "


async def serve_until_stopped(
    pool: asyncpg.Pool,
    address: str,
    *,
    http_address: str | None = None,
    name: str = "ledgerd",
    on_serving: Callable[[int], None] = lambda port: None,
    stopping: asyncio.Event | None = None,
    tls: TlsFiles | None = None,
) -> int:
    """Prints "<name> serving on HOST:PORT" once serving (tests and scripts read the port there;
    with `http_address`, "<name> serving HTTP on HOST:PORT" comes just before it), calls
    `on_serving(port)`, and stops at a stop signal or when `stopping` is set; returns 0."""
    stopping = stopping or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in STOP_SIGNALS:
        loop.add_signal_handler(signal_number, stopping.set)
    tracing = tracing_from_environment()  # off unless OTEL_ variables ask (ledgerd.server.tracing)
    try:
        running = await start_server(pool, address, http_address=http_address, tracing=tracing, tls=tls)
        tune_garbage_collector()
        if tls is None:
            log.warning("%s: %s", name, PLAINTEXT_NOTICE)
        else:
            log.info("%s: serving %s", name, tls.describe())
        if http_address is not None:
            print(f"{name} {HTTP_SERVING}{host_of(http_address)}:{running.http_port}", flush=True)
        print(f"{name} serving on {host_of(address)}:{running.port}", flush=True)
        on_serving(running.port)
        await stopping.wait()
        print(f"{name} stopping after {running.calls} calls", flush=True)
        await running.stop()
    finally:
        if tracing is not None:
            tracing.stop()
    return 0
