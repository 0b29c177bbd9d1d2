"""Group commit: concurrent writes are applied together, in one database transaction per batch
(core.writer.execute), so a hot account is locked once per batch rather than once per request.

A write waits only while `batches_in_flight_max` batches are already running; then the next batch
takes everything that queued meanwhile (up to `writes_per_batch_max`, one organization per batch,
arrival order kept). At low load every write runs at once, alone; under load batches grow by
themselves. No timer adds latency. Each write still gets its own transaction row and its own
decision, in arrival order, and a refused write never affects its neighbours (core.writer). A
batch reads and decides while the batch before it writes, building on that one's decisions
(core.writer.Sequencing), so the batches of a process are decided in arrival order too."""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import Sequence
from typing import Any

import asyncpg

from ledgerd.server.core.writer import Outcome, Sequencing, Turn, Write, execute
from ledgerd.server.domain import limits
from ledgerd.server.domain.errors import ErrorReason, LedgerError, ResourceExhausted


class Coalescer:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        writes_per_batch_max: int = limits.writes_per_batch_max,
        batches_in_flight_max: int = limits.batches_in_flight_max,
        writes_queued_max: int = limits.writes_queued_max,
        in_order: bool = True,
    ) -> None:
        self.pool = pool
        self.writes_per_batch_max = writes_per_batch_max
        self.batches_in_flight_max = batches_in_flight_max
        self.writes_queued_max = writes_queued_max
        # Without, batches neither wait for nor build on each other: only for a baseline that
        # measures independent writes (benchmarks/write_path.py).
        self.in_order = in_order
        self._queue: deque[tuple[uuid.UUID, Write, asyncio.Future[Outcome]]] = deque()
        self._in_flight: set[asyncio.Task[None]] = set()
        # The batch dispatched last: the next one builds on its decisions (core.writer.Sequencing).
        self._last: Turn | None = None

    def enqueue(self, organization_id: uuid.UUID, write: Write) -> asyncio.Future[Outcome]:
        """Queues the write; its outcome arrives in the future (for callers that do not wait on
        each write in turn: a PlaceHolds stream, a PlaceHoldBatch)."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        if len(self._queue) >= self.writes_queued_max:
            # Refused before it queues (interceptors/admission.py says why a bound, not a queue).
            future.set_result(
                ResourceExhausted(
                    ErrorReason.OVERLOADED, f"{self.writes_queued_max} writes queued already (writes_queued_max)"
                )
            )
            return future
        self._queue.append((organization_id, write, future))
        self._dispatch()
        return future

    async def submit(self, organization_id: uuid.UUID, write: Write) -> Outcome:
        return await self.enqueue(organization_id, write)

    async def apply(self, organization_id: uuid.UUID, write: Write) -> Outcome:
        """The write's result or stored answer; its refusal raised."""
        outcome = await self.submit(organization_id, write)
        if isinstance(outcome, LedgerError):
            raise outcome
        return outcome

    async def submit_many(self, organization_id: uuid.UUID, writes: Sequence[Write]) -> list[Outcome]:
        """Writes that arrived together (a CreateLedgerTransactions batch): answered in order."""
        return list(await asyncio.gather(*(self.submit(organization_id, w) for w in writes)))

    def _dispatch(self) -> None:
        while self._queue and len(self._in_flight) < self.batches_in_flight_max:
            organization_id = self._queue[0][0]
            batch: list[tuple[uuid.UUID, Write, asyncio.Future[Outcome]]] = []
            rest: deque[tuple[uuid.UUID, Write, asyncio.Future[Outcome]]] = deque()
            while self._queue and len(batch) < self.writes_per_batch_max:
                item = self._queue.popleft()
                if item[2].done():
                    continue  # its caller went (deadline passed, cancelled) before its batch: not applied
                (batch if item[0] == organization_id else rest).append(item)
            self._queue.extendleft(reversed(rest))
            if not batch:
                continue
            sequencing = Sequencing(self._last if self.in_order else None, Turn())
            self._last = sequencing.mine
            task = asyncio.create_task(self._run(organization_id, batch, sequencing))
            self._in_flight.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._dispatch()

    async def _run(
        self,
        organization_id: uuid.UUID,
        batch: list[tuple[Any, Write, asyncio.Future[Outcome]]],
        sequencing: Sequencing,
    ) -> None:
        try:
            outcomes = await execute(self.pool, organization_id, [write for _, write, _ in batch], sequencing)
            for (_, _, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():  # the caller may have gone (deadline, cancellation)
                    future.set_result(outcome)
        except BaseException as error:
            # Every waiter learns of the failure (a waiter never hangs).
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(error)
            if isinstance(error, asyncio.CancelledError):
                raise
        finally:
            sequencing.mine.finish()
