"""Open-loop load (--rate): requests are due at a fixed rate whatever the server does, and each
one's latency counts from the instant it was due, so that queueing shows (a closed loop slows
down with the server and hides it: coordinated omission).

The requesters are the bound on outstanding requests: a request due while every requester is
busy is not sent and counts as dropped (Recorder.dropped) instead of waiting silently, which
would turn the open loop back into a closed one."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ledgerd.bench.load import Requester


async def paced(workers: list[Requester], rate: float, first_due: float, deadline: float) -> None:
    """Issues requests due every 1/`rate` s from `first_due` until `deadline`, each by an idle
    requester of `workers`. When the loop wakes late (a busy event loop, a timer's granularity),
    every request already due goes out at once, still timed from when it was due."""
    idle = deque(workers)
    recorder = workers[0].recorder
    in_flight: set[asyncio.Task[None]] = set()

    async def send(worker: Requester, due: float) -> None:
        try:
            await worker.once(due)
        finally:
            idle.append(worker)

    interval = 1.0 / rate
    scheduled = 0
    while (due := first_due + scheduled * interval) < deadline:
        if (wait := due - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        scheduled += 1
        if not idle:
            recorder.dropped += 1
            continue
        task = asyncio.create_task(send(idle.popleft(), due))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    await asyncio.gather(*in_flight)
