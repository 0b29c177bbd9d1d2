"""A worker of `ledgerd serve --workers N`: one whole server process with its own pool, spawned by
the parent (supervisor.py) and serving on the address all the workers share (SO_REUSEPORT).

Parent and worker share a pipe. The worker sends its pid on it once it serves; the parent never
writes, so the worker's end becomes readable only when the parent's end closes: when the parent
dies, however it dies, the worker stops instead of serving on as an orphan."""

from __future__ import annotations

import asyncio
import multiprocessing.context
import os
import signal
import sys
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection

import uvloop

from ledgerd.server.logs import configure_logging
from ledgerd.server.serving import serve_until_stopped
from ledgerd.server.store.pool import APPLICATION_NAME, close_pool, create_pool
from ledgerd.server.tls import TlsFiles


@dataclass(frozen=True)
class WorkerSettings:
    database_url: str
    address: str  # with the concrete port, the same for every worker
    pool_size: int
    http_address: str | None = None  # likewise
    tls: TlsFiles | None = None  # the same certificate files for every worker


class WorkerFailedToStart(RuntimeError):
    pass


def worker_main(settings: WorkerSettings, parent: Connection) -> None:
    """The spawned process's entry point."""
    configure_logging()
    sys.exit(uvloop.run(_serve(settings, parent)))


async def _serve(settings: WorkerSettings, parent: Connection) -> int:
    name = f"{APPLICATION_NAME} worker {os.getpid()}"
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()

    def parent_gone() -> None:
        loop.remove_reader(parent.fileno())  # readable for good from now on: once is enough
        stopping.set()

    loop.add_reader(parent.fileno(), parent_gone)
    # The pool's sessions carry the worker's pid, so pg_stat_activity and pg_locks name the process.
    pool = await create_pool(settings.database_url, max_size=settings.pool_size, application_name=name)
    try:
        return await serve_until_stopped(
            pool,
            settings.address,
            http_address=settings.http_address,
            name=name,
            on_serving=lambda _port: parent.send(os.getpid()),
            stopping=stopping,
            tls=settings.tls,
        )
    finally:
        await close_pool(pool)


async def readable(fd: int) -> None:
    """Waits until `fd` is readable (data, or the other end closed)."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, wake)
    try:
        await ready
    finally:
        loop.remove_reader(fd)


class Worker:
    """A worker process as the parent sees it."""

    def __init__(self, context: multiprocessing.context.SpawnContext, settings: WorkerSettings) -> None:
        self.pipe, child_end = context.Pipe()
        self.process = context.Process(target=worker_main, args=(settings, child_end))
        self.process.start()
        child_end.close()  # the worker's copy is the only one left: its death closes the pipe
        assert self.process.pid is not None
        self.pid: int = self.process.pid
        self.status: int | None = None  # once exited

    async def serving(self) -> None:
        """Returns once the worker serves; raises WorkerFailedToStart if it exits first."""
        await readable(self.pipe.fileno())
        try:
            self.pipe.recv()
        except EOFError:
            code = await self.exited()
            raise WorkerFailedToStart(f"worker {self.pid} exited ({describe(code)}) before serving") from None

    async def exited(self) -> int:
        """Waits for the process to end; its exit status (minus the signal that ended it)."""
        await readable(self.process.sentinel)
        self.process.join()
        assert self.process.exitcode is not None
        self.status = self.process.exitcode
        return self.status

    def signal(self, signal_number: int) -> None:
        if self.process.exitcode is None:
            with suppress(ProcessLookupError):  # it ended meanwhile
                os.kill(self.pid, signal_number)

    def close(self) -> None:
        self.pipe.close()
        self.process.close()


def describe(code: int | None) -> str:
    if code is None:
        return "still running"
    return f"killed by {signal.Signals(-code).name}" if code < 0 else f"status {code}"
