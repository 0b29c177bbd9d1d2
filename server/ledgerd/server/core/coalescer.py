"""Group commit: concurrent writes are applied together, in one database transaction per batch
(core.writer.execute), so a hot account is locked once per batch rather than once per request.

A write waits only while `batches_in_flight_max` batches are already running; then the next batch
takes everything that queued meanwhile (up to `writes_per_batch_max`, one organization per batch,
arrival order kept). At low load every write runs at once, alone; under load batches grow by
themselves. No timer adds latency. Each write still gets its own transaction row and its own
decision, in arrival order, and a refused write never affects its neighbours (core.writer). A
batch reads and decides while the batch before it writes, building on that one's decisions
(core.writer.Sequencing), so the batches of a process are decided in arrival order too.

Traced (ledgerd.server.tracing), a batch is a span of its own, `ledgerd.write_batch`, the root of a
trace that links the span of every call it carried (each write keeps its caller's span context
from enqueue): a batch serves many calls, so it is no one call's child. Untraced, a write carries
None and a batch opens no span."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import deque
from collections.abc import Sequence
from typing import Any, NamedTuple

import asyncpg
from opentelemetry import context, trace

from ledgerd.server import metrics
from ledgerd.server.core.callers import Caller, current_caller
from ledgerd.server.core.writer import Outcome, Sequencing, Turn, Write, execute
from ledgerd.server.domain import limits
from ledgerd.server.domain.errors import ErrorReason, LedgerError, ResourceExhausted


class _Queued(NamedTuple):
    organization_id: uuid.UUID
    write: Write
    future: asyncio.Future[Outcome]  # where its outcome goes
    caller: Caller | None  # who sent it, for its audit event (core.audit)
    span: trace.SpanContext | None  # its call's span context, when traced


class Coalescer:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        writes_per_batch_max: int = limits.writes_per_batch_max,
        batches_in_flight_max: int = limits.batches_in_flight_max,
        writes_queued_max: int = limits.writes_queued_max,
        in_order: bool = True,
        tracer: trace.Tracer | None = None,
    ) -> None:
        self.pool = pool
        self.writes_per_batch_max = writes_per_batch_max
        self.batches_in_flight_max = batches_in_flight_max
        self.writes_queued_max = writes_queued_max
        # Without, batches neither wait for nor build on each other: only for a baseline that
        # measures independent writes (benchmarks/write_path.py).
        self.in_order = in_order
        self._tracer = tracer
        self._queue: deque[_Queued] = deque()
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
        span = None if self._tracer is None else trace.get_current_span().get_span_context()
        self._queue.append(_Queued(organization_id, write, future, current_caller(), span))
        metrics.write_queued(future)
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
            organization_id = self._queue[0].organization_id
            batch: list[_Queued] = []
            rest: deque[_Queued] = deque()
            while self._queue and len(batch) < self.writes_per_batch_max:
                item = self._queue.popleft()
                if item.future.done():
                    continue  # its caller went (deadline passed, cancelled) before its batch: not applied
                (batch if item.organization_id == organization_id else rest).append(item)
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
        batch: list[_Queued],
        sequencing: Sequencing,
    ) -> None:
        try:
            metrics.batch_started(q.future for q in batch)
            with self._span(batch):
                outcomes = await execute(
                    self.pool, organization_id, [q.write for q in batch], sequencing, [q.caller for q in batch]
                )
            metrics.batch_decided(outcomes)
            for queued, outcome in zip(batch, outcomes, strict=True):
                if not queued.future.done():  # the caller may have gone (deadline, cancellation)
                    queued.future.set_result(outcome)
        except BaseException as error:
            # Every waiter learns of the failure (a waiter never hangs).
            for queued in batch:
                if not queued.future.done():
                    queued.future.set_exception(error)
            if isinstance(error, asyncio.CancelledError):
                raise
        finally:
            sequencing.mine.finish()

    def _span(self, batch: list[_Queued]) -> contextlib.AbstractContextManager[Any]:
        if self._tracer is None:
            return contextlib.nullcontext()
        # One link per call, however many of its writes the batch carried (a PlaceHoldBatch).
        callers = {(c.trace_id, c.span_id): c for c in (q.span for q in batch) if c is not None and c.is_valid}
        return self._tracer.start_as_current_span(
            "ledgerd.write_batch",
            context=context.Context(),  # a root: the batch is no one call's child
            links=[trace.Link(caller) for caller in callers.values()],
            attributes={"ledgerd.batch.writes": len(batch)},
        )
