"""What a server process runs beside its RPCs: rounds of work repeated on an interval."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def run_periodically(name: str, round_of_work: Callable[[], Awaitable[int]], interval_seconds: float) -> None:
    """Runs `round_of_work` every interval until cancelled. A failed round (the database down) is
    logged and tried again at the next one: nothing is remembered between rounds, so the next one
    finds whatever this one missed."""
    while True:
        try:
            done = await round_of_work()
            if done:
                log.info("%s: %d", name, done)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; trying again in %.1f s", name, interval_seconds)
        await asyncio.sleep(interval_seconds)
