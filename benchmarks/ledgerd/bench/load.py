"""The load: concurrent requesters issuing a scenario's operation mix over the real gRPC API for a
fixed time, each operation's latency recorded in an HDR histogram, overall and per second.
Closed loop (each requester sends its next request when its last is answered) or, with a rate,
open loop (ledgerd.bench.pacing)."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
import uvloop
from hdrh.histogram import HdrHistogram

from ledgerd.bench import cpu, pacing
from ledgerd.bench.setup import TRANSFER_EVENT, Chart
from ledgerd.client import LedgerdClient
from ledgerd.server.app import message_bytes_max
from ledgerd.server.garbage_collection import tune_garbage_collector
from ledgerd.v1 import balance_pb2, common_pb2, event_pb2, hold_pb2, transaction_pb2

# Latencies are recorded in microseconds, from 1 µs to 60 s, to 3 significant digits.
LATENCY_US_MAX = 60_000_000

MIXES = {
    # A card program: authorizations, their captures and voids, balance checks.
    "uniform": {"place": 70, "capture": 20, "release": 5, "balances": 5},
    "hot": {"place": 70, "capture": 20, "release": 5, "balances": 5},
    "transfers": {"transfer": 100},
    # The same transfers, posted as ledgerable events that a stored handler turns into transactions.
    "events": {"event": 100},
}
OPERATIONS = ("place", "increase", "capture", "release", "balances", "transfer", "event")
# --mode batch: PlaceHoldBatch calls only. Its holds are not captured or released (a batch of a
# thousand would need a thousand more calls): the mode measures placing, nothing else.
BATCH_MIX = {"place_batch": 1}


def connect(targets: list[str], api_key: str) -> list[LedgerdClient]:
    """One client (one channel) per server; messages as large as the server takes, for
    PlaceHoldBatch's requests and answers of up to holds_per_place_batch_max holds."""
    sizes = [(f"grpc.max_{way}_message_length", message_bytes_max) for way in ("receive", "send")]
    return [LedgerdClient(target, api_key, options=sizes) for target in targets]


def histogram() -> HdrHistogram:
    return HdrHistogram(1, LATENCY_US_MAX, 3)


@dataclass
class Second:
    operations: int = 0
    holds: int = 0
    latency: HdrHistogram = field(default_factory=histogram)


@dataclass
class Recorder:
    started: float
    latency: HdrHistogram = field(default_factory=histogram)
    seconds: list[Second] = field(default_factory=list)
    operations: Counter[str] = field(default_factory=Counter)
    holds: int = 0
    declined: int = 0
    # Open loop: requests due when every requester was busy, not sent (pacing.py).
    dropped: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    acknowledged_holds: list[str] = field(default_factory=list)
    # CPU seconds per process group (cpu.Meter) over the load window, summed across processes.
    cpu_seconds: Counter[str] = field(default_factory=Counter)

    def record(self, operation: str, latency_seconds: float, *, hold_ids: Sequence[str] = ()) -> None:
        microseconds = min(max(1, int(latency_seconds * 1e6)), LATENCY_US_MAX)
        self.latency.record_value(microseconds)
        second = int(time.monotonic() - self.started)
        while len(self.seconds) <= second:
            self.seconds.append(Second())
        self.seconds[second].operations += 1
        self.seconds[second].latency.record_value(microseconds)
        self.operations[operation] += 1
        self.holds += len(hold_ids)
        self.seconds[second].holds += len(hold_ids)
        self.acknowledged_holds.extend(hold_ids)

    def to_wire(self) -> dict[str, Any]:
        """What another process needs to absorb this recording (histograms in HDR's own encoding)."""
        return {
            "latency": self.latency.encode(),
            "seconds": [(s.operations, s.holds, s.latency.encode()) for s in self.seconds],
            "operations": dict(self.operations),
            "holds": self.holds,
            "declined": self.declined,
            "dropped": self.dropped,
            "errors": dict(self.errors),
            "acknowledged_holds": self.acknowledged_holds,
            "cpu_seconds": dict(self.cpu_seconds),
        }

    def absorb(self, wire: dict[str, Any]) -> None:
        """Adds another process's recording of the same run (same start, same seconds)."""
        self.latency.add(HdrHistogram.decode(wire["latency"]))
        for index, (operations, holds, latency) in enumerate(wire["seconds"]):
            while len(self.seconds) <= index:
                self.seconds.append(Second())
            self.seconds[index].operations += operations
            self.seconds[index].holds += holds
            self.seconds[index].latency.add(HdrHistogram.decode(latency))
        self.operations.update(wire["operations"])
        self.holds += wire["holds"]
        self.declined += wire["declined"]
        self.dropped += wire["dropped"]
        self.errors.update(wire["errors"])
        self.acknowledged_holds.extend(wire["acknowledged_holds"])
        self.cpu_seconds.update(wire["cpu_seconds"])


class HoldStream:
    """One PlaceHolds stream shared by several requesters; answers matched by idempotency key."""

    def __init__(self, client: LedgerdClient) -> None:
        self.requests: asyncio.Queue[hold_pb2.PlaceHoldRequest | None] = asyncio.Queue()
        self.waiting: dict[str, asyncio.Future[hold_pb2.PlaceHoldResponse]] = {}
        self.call = client.holds.PlaceHolds(self._requests())
        self.reader = asyncio.create_task(self._read())

    async def _requests(self) -> AsyncIterator[hold_pb2.PlaceHoldRequest]:
        while (request := await self.requests.get()) is not None:
            yield request

    async def _read(self) -> None:
        try:
            async for answer in self.call:
                self.waiting.pop(answer.idempotency_key).set_result(answer)
        except Exception as error:
            for future in self.waiting.values():
                if not future.done():
                    future.set_exception(error)

    async def place(self, request: hold_pb2.PlaceHoldRequest) -> hold_pb2.PlaceHoldResponse:
        future: asyncio.Future[hold_pb2.PlaceHoldResponse] = asyncio.get_running_loop().create_future()
        self.waiting[request.idempotency_key] = future
        await self.requests.put(request)
        answer = await future
        if answer.HasField("error"):
            raise StreamItemError(answer.error)
        return answer

    async def close(self) -> None:
        await self.requests.put(None)
        await asyncio.gather(self.reader, return_exceptions=True)


class StreamItemError(Exception):
    def __init__(self, error: Any) -> None:
        super().__init__(error.message)
        self.code = error.code


@dataclass
class Requester:
    """One concurrent requester: its own open holds, its own random stream."""

    client: LedgerdClient
    chart: Chart
    wallets: list[str]
    mix: dict[str, int]
    recorder: Recorder
    stream: HoldStream | None
    seed: int
    batch_size: int = 0  # PlaceHoldRequests per place_batch call
    open_holds: deque[tuple[str, int]] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self.choices = list(self.mix)
        self.weights = list(self.mix.values())

    async def run(self, deadline: float) -> None:
        """Closed loop: one operation after another until `deadline`."""
        while time.monotonic() < deadline:
            await self.once(time.monotonic())

    async def once(self, started: float) -> None:
        """One operation of the mix, its latency counted from `started` (in open loop, the
        instant it was due, so that time spent waiting to be sent shows)."""
        operation = self.random.choices(self.choices, self.weights)[0]
        if operation in ("capture", "release", "increase") and not self.open_holds:
            operation = "place"
        try:
            holds = await getattr(self, operation)()
        except (grpc.aio.AioRpcError, StreamItemError) as error:
            code = error.code() if isinstance(error, grpc.aio.AioRpcError) else error.code
            self.recorder.errors[str(code)] += 1
            return
        self.recorder.record(operation, time.monotonic() - started, hold_ids=holds or ())

    def hold_request(self) -> hold_pb2.PlaceHoldRequest:
        return hold_pb2.PlaceHoldRequest(
            ledger_account_id=self.random.choice(self.wallets),
            counter_ledger_account_id=self.chart.settlement,
            amount=self.random.randint(100, 10_000),
            idempotency_key=uuid.uuid4().hex,
        )

    def approved(self, answer: hold_pb2.PlaceHoldResponse) -> bool:
        if answer.decision != hold_pb2.HOLD_DECISION_APPROVED:
            self.recorder.declined += 1
            return False
        return True

    async def place(self) -> list[str]:
        request = self.hold_request()
        answer = await (self.stream.place(request) if self.stream else self.client.holds.PlaceHold(request))
        if not self.approved(answer):
            return []
        self.open_holds.append((answer.hold.id, answer.hold.amount))
        return [str(answer.hold.id)]

    async def place_batch(self) -> list[str]:
        """One PlaceHoldBatch call of `batch_size` holds; an item refused with an error counts
        under its code, as a refused unary call would."""
        requests = [self.hold_request() for _ in range(self.batch_size)]
        answer = await self.client.holds.PlaceHoldBatch(hold_pb2.PlaceHoldBatchRequest(requests=requests))
        held = []
        for result in answer.results:
            if result.HasField("error"):
                self.recorder.errors[str(result.error.code)] += 1
            elif self.approved(result.response):
                held.append(str(result.response.hold.id))
        return held

    async def increase(self) -> None:
        hold_id, amount = self.open_holds[0]
        answer = await self.client.holds.IncreaseHold(hold_pb2.IncreaseHoldRequest(hold_id=hold_id, amount=100))
        if answer.decision == hold_pb2.HOLD_DECISION_APPROVED:
            self.open_holds[0] = (hold_id, amount + 100)

    async def capture(self) -> None:
        hold_id, amount = self.open_holds.popleft()
        # Mostly the amount held; sometimes less (a tip-less restaurant bill) or more (a fuel pump).
        captured = max(1, int(amount * self.random.choice((1.0, 1.0, 1.0, 0.8, 1.1))))
        await self.client.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=hold_id, amount=captured))

    async def release(self) -> None:
        hold_id, _ = self.open_holds.popleft()
        await self.client.holds.ReleaseHold(hold_pb2.ReleaseHoldRequest(hold_id=hold_id))

    async def balances(self) -> None:
        await self.client.balances.GetBalances(
            balance_pb2.GetBalancesRequest(ledger_account_ids=[self.random.choice(self.wallets)])
        )

    async def event(self) -> None:
        source, target = self.random.sample(range(len(self.chart.wallets)), 2)
        request = event_pb2.CreateLedgerableEventRequest(ledger_id=self.chart.ledger_id, name=TRANSFER_EVENT)
        request.custom_data.update(
            {"from": str(source), "to": str(target), "amount": str(self.random.randint(1, 10_000))}
        )
        await self.client.events.CreateLedgerableEvent(request)

    async def transfer(self) -> None:
        source, target = (
            self.random.sample(self.chart.wallets, 2)
            if len(self.chart.wallets) > 1
            else (self.chart.wallets[0], self.chart.cash)
        )
        amount = self.random.randint(1, 10_000)
        await self.client.transactions.CreateLedgerTransaction(
            transaction_pb2.CreateLedgerTransactionRequest(
                status=common_pb2.LEDGER_TRANSACTION_STATUS_POSTED,
                ledger_entries=[
                    transaction_pb2.LedgerEntryRequest(
                        ledger_account_id=source,
                        direction=common_pb2.DIRECTION_DEBIT,
                        amount=amount,
                        available_balance_amount=common_pb2.BalanceCondition(gte=0),
                    ),
                    transaction_pb2.LedgerEntryRequest(
                        ledger_account_id=target, direction=common_pb2.DIRECTION_CREDIT, amount=amount
                    ),
                ],
            )
        )


@dataclass(frozen=True)
class Plan:
    """What one client process drives (picklable: it crosses to --client-processes workers)."""

    chart: Chart
    wallets: list[str]
    mix: dict[str, int]
    requesters: int
    streams: int
    seconds: float
    batch_size: int = 0
    # Open loop: requests per second offered by this process, and its first request's delay
    # after `started` (the processes' requests interleave); None: closed loop.
    rate: float | None = None
    phase: float = 0.0
    # A time.monotonic() instant (the same clock in every process of the machine) to start at,
    # so that several client processes load the server over the same seconds.
    started: float | None = None


async def drive(
    clients: list[LedgerdClient],
    plan: Plan,
    meter: cpu.Meter,
    progress: Callable[[Recorder, float], Awaitable[None]] | None = None,
) -> Recorder:
    """Runs `plan.requesters` requesters for `plan.seconds`, over the clients in turn; with
    `plan.streams` > 0, PlaceHold goes over that many PlaceHolds streams, shared by the
    requesters. `meter` measures the CPU of its groups over the load window alone."""
    if plan.started is not None:
        await asyncio.sleep(max(0.0, plan.started - time.monotonic()))
    recorder = Recorder(started=time.monotonic() if plan.started is None else plan.started)
    client_cycle = itertools.cycle(clients)
    hold_streams = [HoldStream(next(client_cycle)) for _ in range(plan.streams)]
    stream_cycle = itertools.cycle(hold_streams) if hold_streams else itertools.repeat(None)
    deadline = recorder.started + plan.seconds
    workers = [
        Requester(
            next(client_cycle), plan.chart, plan.wallets, plan.mix, recorder, next(stream_cycle), index, plan.batch_size
        )
        for index in range(plan.requesters)
    ]
    meter.start()
    if plan.rate is None:
        tasks = [asyncio.create_task(w.run(deadline)) for w in workers]
    else:
        tasks = [asyncio.create_task(pacing.paced(workers, plan.rate, recorder.started + plan.phase, deadline))]
    if progress is not None:
        tasks.append(asyncio.create_task(progress(recorder, deadline)))
    await asyncio.gather(*tasks)
    recorder.cpu_seconds.update(meter.stop())
    for stream in hold_streams:
        await stream.close()
    return recorder


def drive_process(targets: list[str], api_key: str, plan: Plan) -> dict[str, Any]:
    """`drive` in a process of its own (--client-processes): one more Python interpreter, so the
    client side is not the bottleneck; answers its recording (and its own CPU) in the wire form."""

    async def run() -> dict[str, Any]:
        clients = connect(targets, api_key)
        try:
            recorder = await drive(clients, plan, cpu.Meter({"client": cpu.this_process()}))
        finally:
            for client in clients:
                await client.close()
        return recorder.to_wire()

    tune_garbage_collector()  # a fresh interpreter (spawned): the harness's settings (bench/cli.py)
    return uvloop.run(run())
