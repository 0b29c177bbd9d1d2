"""What tracing-off costs a call: the one thing every call runs now, the request numbering
(interceptors/request_ids.py), measured where it is largest relative to the call — on the
cheapest call there is, a health check on an in-process grpc.aio server with nothing else
intercepting. Rounds alternate a server without and one with the interceptor; each round is N
sequential calls; the figure is the process's CPU (client and server both, one process) per call.

    .venv/bin/python benchmarks/request_ids_cost.py --calls 5000 --rounds 5

(The coalescer's hooks, a `None` per queued write and a `nullcontext` per batch, are well under a
microsecond and are not measured here.)"""

from __future__ import annotations

import argparse
import statistics
import time

import grpc
import uvloop
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from ledgerd.server.interceptors.request_ids import RequestIds


async def cpu_us_per_call(interceptors: list[grpc.aio.ServerInterceptor], calls: int) -> float:
    server = grpc.aio.server(interceptors=interceptors)
    health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            request = health_pb2.HealthCheckRequest()
            for _ in range(200):  # warm-up
                await stub.Check(request)
            started = time.process_time()
            for _ in range(calls):
                await stub.Check(request)
            return (time.process_time() - started) / calls * 1e6
    finally:
        await server.stop(0)


async def main(calls: int, rounds: int) -> None:
    without, with_ids = [], []
    for _ in range(rounds):
        without.append(await cpu_us_per_call([], calls))
        with_ids.append(await cpu_us_per_call([RequestIds()], calls))
    low, high = statistics.median(without), statistics.median(with_ids)
    print(f"{calls} sequential health checks per round, {rounds} rounds, CPU µs per call (client + server)")
    print(f"without request ids: median {low:.1f} ({', '.join(f'{v:.1f}' for v in without)})")
    print(f"with request ids:    median {high:.1f} ({', '.join(f'{v:.1f}' for v in with_ids)})")
    print(f"difference:          {high - low:+.1f} µs per call")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    uvloop.run(main(arguments.calls, arguments.rounds))
