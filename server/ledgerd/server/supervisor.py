"""The parent of `ledgerd serve --workers N`: starts N worker processes on one address (and one HTTP
address, with --http-address: shared the same way), forwards
SIGINT and SIGTERM to them, waits for them, and replaces a worker that dies while serving.

Why replace rather than exit: the other workers keep serving on the shared port meanwhile, so a
crash costs only the calls in flight on that one process; exiting would drop every worker's calls
and leave restarting to an outer supervisor. What cannot be fixed by retrying is not retried: a
worker that exits before it serves (the database unreachable, the port taken) stops all of them,
and the parent exits with status 1 (so there is no restart loop to bound)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import socket
import tempfile
from contextlib import ExitStack

from prometheus_client import multiprocess

from ledgerd.server.metrics import MULTIPROCESS_DIRECTORY
from ledgerd.server.serving import HTTP_SERVING, STOP_SIGNALS
from ledgerd.server.workers import Worker, WorkerFailedToStart, WorkerSettings, describe

log = logging.getLogger("ledgerd")

# Exit statuses of a worker that stopped as asked (one killed by the forwarded signal before it had
# installed its own handlers included).
STOPPED_AS_ASKED = {0, *(-number for number in STOP_SIGNALS)}


def reserve_port(address: str, stack: ExitStack) -> str:
    """With port 0, picks one free port for all the workers and keeps it bound (SO_REUSEPORT, never
    listening, so it takes no connections) for as long as the parent lives: a replaced worker finds
    it still free, and no other program takes it meanwhile. Returns the address with that port."""
    host, _, port = address.rpartition(":")
    if port != "0":
        return address
    family, kind, protocol, _, where = socket.getaddrinfo(host.strip("[]"), 0, type=socket.SOCK_STREAM)[0]
    reserved = stack.enter_context(socket.socket(family, kind, protocol))
    reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    reserved.bind(where)
    return f"{host}:{reserved.getsockname()[1]}"


async def run_workers(settings: WorkerSettings, count: int) -> int:
    with ExitStack() as stack:
        try:
            address = reserve_port(settings.address, stack)
            http_address = reserve_port(settings.http_address, stack) if settings.http_address else None
        except OSError as error:
            log.error("cannot pick a port on %s: %s", settings.address, error)
            return 1
        if http_address is not None:
            # One metrics folder for the workers of this serve (ledgerd.server.metrics), fresh so that
            # no earlier run's counts add up; the workers inherit it as they spawn.
            os.environ[MULTIPROCESS_DIRECTORY] = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="ledgerd-metrics-")
            )
        supervisor = Supervisor(
            WorkerSettings(settings.database_url, address, settings.pool_size, http_address, settings.tls)
        )
        return await supervisor.run(count)


class Supervisor:
    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self.context = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing of gRPC forked
        self.workers: list[Worker] = []
        self.stopping = asyncio.Event()

    def forward(self, signal_number: int) -> None:
        self.stopping.set()
        for worker in self.workers:
            worker.signal(signal_number)

    async def run(self, count: int) -> int:
        loop = asyncio.get_running_loop()
        for signal_number in STOP_SIGNALS:
            loop.add_signal_handler(signal_number, self.forward, signal_number)
        if not await self._start(count):
            return await self._stop(failed=not self.stopping.is_set())
        pids = ", ".join(str(worker.pid) for worker in self.workers)
        print(f"ledgerd started {count} workers (pids {pids})", flush=True)
        if self.settings.http_address is not None:
            print(f"ledgerd {HTTP_SERVING}{self.settings.http_address}", flush=True)
        print(f"ledgerd serving on {self.settings.address}", flush=True)
        while (dead := await self._next_death()) is not None:
            log.warning("worker %d exited (%s) while serving; starting another", dead.pid, describe(dead.status))
            self.workers.remove(dead)
            dead.close()
            if os.environ.get(MULTIPROCESS_DIRECTORY):
                multiprocess.mark_process_dead(dead.pid)  # type: ignore[no-untyped-call]  # its gauges stop counting; its counters stay
            if not await self._start(1):
                return await self._stop(failed=not self.stopping.is_set())
        print("ledgerd stopping", flush=True)
        return await self._stop(failed=False)

    async def _start(self, count: int) -> bool:
        """Starts `count` workers and waits until each serves; False if one exited first."""
        started = [Worker(self.context, self.settings) for _ in range(count)]
        self.workers.extend(started)
        outcomes = await asyncio.gather(*(worker.serving() for worker in started), return_exceptions=True)
        failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        for failure in failures:
            if not isinstance(failure, WorkerFailedToStart):
                raise failure
            if not self.stopping.is_set():
                log.error("%s", failure)
        return not failures

    async def _next_death(self) -> Worker | None:
        """The next worker to exit, or None once asked to stop."""
        deaths = {asyncio.ensure_future(worker.exited()): worker for worker in self.workers}
        stop = asyncio.ensure_future(self.stopping.wait())
        done, pending = await asyncio.wait((*deaths, stop), return_when=asyncio.FIRST_COMPLETED)
        for waiting in pending:
            waiting.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if stop in done:
            return None
        return deaths[next(iter(done))]

    async def _stop(self, *, failed: bool) -> int:
        """Stops every worker (the signal was forwarded already if one came) and waits for them."""
        if not self.stopping.is_set():
            self.forward(signal.SIGTERM)
        codes = [await worker.exited() for worker in self.workers]
        for worker in self.workers:
            worker.close()
        return 1 if failed or not STOPPED_AS_ASKED.issuperset(codes) else 0
