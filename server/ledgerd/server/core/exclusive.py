"""Background rounds run by one process at a time of all those serving one database (`ledgerd serve
--workers N`, or several servers): the holder of a session-level advisory lock (store/background_lock.py,
where the key says why it only saves work). The others try again every interval; when the holder
dies, its connection closes, PostgreSQL releases the lock and one of them takes over within an
interval. The lock is held on a connection taken out of the pool for as long as it is held."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

from ledgerd.server.domain import limits
from ledgerd.server.store import background_lock

log = logging.getLogger(__name__)


async def run_exclusively(
    pool: asyncpg.Pool,
    rounds: Callable[[], Awaitable[object]],
    interval_seconds: float = limits.background_lock_interval_seconds,
) -> None:
    """Runs `rounds` (until cancelled) whenever this process holds the lock; tries to take it every
    interval until cancelled."""
    while True:
        try:
            await _run_if_held(pool, rounds)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background rounds stopped; trying the lock again in %.1f s", interval_seconds)
        await asyncio.sleep(interval_seconds)


async def _run_if_held(pool: asyncpg.Pool, rounds: Callable[[], Awaitable[object]]) -> None:
    connection = await pool.acquire()
    held = False
    try:
        held = await background_lock.try_lock(connection)
        if held:
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _connection: lost.set())
            log.info("this process runs the background rounds (it holds the background lock)")
            await _until_lost(rounds, lost)
    except BaseException:
        held = True  # cancelled or failed while the lock may have been taken
        raise
    finally:
        if held:
            # Ending the session is the one release that cannot be left half done: a session lock
            # must never go back to the pool with its connection. The pool opens another. A
            # connection that was lost is given back to the pool by asyncpg itself, already closed.
            with contextlib.suppress(asyncpg.InterfaceError):
                connection.terminate()
        else:
            await pool.release(connection)


async def _until_lost(rounds: Callable[[], Awaitable[object]], lost: asyncio.Event) -> None:
    """Runs the rounds until the lock's connection is lost; a failure of the rounds is raised."""
    working = asyncio.ensure_future(rounds())
    watching = asyncio.create_task(lost.wait())
    try:
        await asyncio.wait((working, watching), return_when=asyncio.FIRST_COMPLETED)
        if working.done():
            working.result()
        else:
            log.warning("the background lock's connection was lost; background rounds stopped")
    finally:
        working.cancel()
        watching.cancel()
        await asyncio.gather(working, watching, return_exceptions=True)
