"""The gRPC floor of the machine: a bare grpc.aio unary echo (bytes in, the same bytes out, no
protobuf, no database) in a process of its own, driven by as many concurrent callers as the
load for a few seconds. Its calls per second and its server's CPU per call are what gRPC in
Python costs here before ledgerd does anything.

    python -m ledgerd.bench.echo --port PORT   # the server (the harness starts it)
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import grpc
import uvloop

from ledgerd.bench import cpu, servers
from ledgerd.server.garbage_collection import tune_garbage_collector

ECHO_METHOD = "/ledgerd.bench.Echo/Echo"
# About a PlaceHoldRequest's size on the wire (two UUIDs, an amount, an idempotency key).
echo_payload_bytes = 120
echo_seconds = 3.0


async def serve(port: int) -> None:
    async def echo(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        return request

    server = grpc.aio.server()
    # No serializers: the handler sees and returns the raw bytes.
    handler = grpc.method_handlers_generic_handler(
        "ledgerd.bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(echo)}
    )
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    tune_garbage_collector()  # as a ledgerd server process does: the baseline is like for like
    await server.wait_for_termination()


@dataclass(frozen=True)
class EchoResult:
    calls_per_second: float
    server_cpu_us_per_call: float | None


@contextmanager
def echo_server() -> Iterator[tuple[int, int]]:
    """The echo server in its own process, listening; yields its port and pid."""
    port = servers.free_port()
    process = subprocess.Popen([sys.executable, "-m", "ledgerd.bench.echo", "--port", str(port)])
    try:
        servers.wait_for_port(port, process)
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=servers.start_timeout_seconds)


async def measure(callers: int, seconds: float = echo_seconds) -> EchoResult:
    """Drives the echo server from `callers` concurrent callers over one channel (as the load
    drives ledgerd, one channel per server) for `seconds`."""
    with echo_server() as (port, pid):
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            call: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(ECHO_METHOD)
            payload = b"x" * echo_payload_bytes
            await call(payload)  # connected before the clock starts
            meter = cpu.Meter({"server": [cpu.Root(pid)]})
            done = 0
            meter.start()
            started = time.monotonic()
            deadline = started + seconds

            async def caller() -> None:
                nonlocal done
                while time.monotonic() < deadline:
                    await call(payload)
                    done += 1

            await asyncio.gather(*(caller() for _ in range(callers)))
            elapsed = time.monotonic() - started
            spent = meter.stop()
    return EchoResult(done / elapsed, cpu.per_unit_us(spent, done)["server"])


def main() -> None:
    arguments = argparse.ArgumentParser(prog="python -m ledgerd.bench.echo")
    arguments.add_argument("--port", type=int, required=True)
    uvloop.run(serve(arguments.parse_args().port))


if __name__ == "__main__":
    main()
