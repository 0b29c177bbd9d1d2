"""What the fault tests share: a card program (funded wallets, one settlement account), a load of
concurrent PlaceHolds that retries each request with its own idempotency key until it is answered
(as a client must when an answer is lost), and the check that the database holds exactly what was
acknowledged: invariant 6 of docs/design.md."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import asyncpg
import grpc

from ledgerd.client import LedgerdClient, error_details
from ledgerd.v1 import hold_pb2

from .ledger_helpers import (
    DEBIT_NORMAL,
    POSTED,
    amounts,
    create_account,
    create_ledger,
    get_account,
    run_ledgerd,
    transfer,
)

APPROVED = hold_pb2.HOLD_DECISION_APPROVED
# Per attempt: a call that hangs (the server killed mid-call) is given up on and retried.
ATTEMPT_TIMEOUT_SECONDS = 10.0
# How long a client waits before retrying when the answer carries no RetryInfo (a transport failure).
RETRY_PAUSE_SECONDS = 0.1
# Each channel reconnects quickly after the server comes back (gRPC's default backoff grows to 120 s).
FAST_RECONNECT = [("grpc.initial_reconnect_backoff_ms", 100), ("grpc.max_reconnect_backoff_ms", 500)]
# A safety net for the retries after the load stops, not a measurement.
RESOLVE_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class CardProgram:
    ledger_id: str
    wallet_ids: list[str]
    settlement_id: str
    funds: int  # posted to each wallet before the load


async def card_program(client: LedgerdClient, *, wallets: int, funds: int) -> CardProgram:
    ledger = await create_ledger(client, "Card program")
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    settlement = await create_account(client, ledger.id, "Settlement", normal_balance=DEBIT_NORMAL)
    wallet_ids = []
    for index in range(wallets):
        wallet = await create_account(client, ledger.id, f"Wallet {index}")
        await client.transactions.CreateLedgerTransaction(transfer(cash.id, wallet.id, funds, status=POSTED))
        wallet_ids.append(wallet.id)
    return CardProgram(ledger.id, wallet_ids, settlement.id, funds)


def outcome_name(error: grpc.aio.AioRpcError) -> str:
    """CODE/REASON for an answer of ledgerd's (with its ErrorInfo), CODE alone for gRPC's own
    (the server unreachable, a deadline passed); "+retry" when it carried a RetryInfo."""
    details = error_details(error)
    name = error.code().name + (f"/{details.reason.removeprefix('ERROR_REASON_')}" if details.reason else "")
    return name + ("+retry" if details.retry_delay_seconds is not None else "")


@dataclass
class HoldLoad:
    """`concurrency` clients placing holds of 1..`amount_max` on random wallets until `stop` is set;
    each request is retried with its key until answered."""

    client: LedgerdClient
    program: CardProgram
    concurrency: int = 32
    amount_max: int = 500
    answered: dict[str, hold_pb2.PlaceHoldResponse] = field(default_factory=dict)
    # Requests answered only after a retry, with the time their last attempt was sent.
    retried: dict[str, float] = field(default_factory=dict)
    # Every attempt's outcome: "OK" or outcome_name().
    outcomes: Counter[str] = field(default_factory=Counter)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def answered_at_least(self, count: int, timeout_seconds: float = RESOLVE_TIMEOUT_SECONDS) -> None:
        async def waiting() -> None:
            async with self._arrived:
                await self._arrived.wait_for(lambda: len(self.answered) >= count)

        await asyncio.wait_for(waiting(), timeout_seconds)

    async def run(self) -> None:
        await asyncio.gather(*(self._client(index) for index in range(self.concurrency)))

    async def _client(self, index: int) -> None:
        chance = random.Random(index)
        while not self.stop.is_set():
            request = hold_pb2.PlaceHoldRequest(
                ledger_account_id=chance.choice(self.program.wallet_ids),
                counter_ledger_account_id=self.program.settlement_id,
                amount=chance.randint(1, self.amount_max),
                idempotency_key=str(uuid.uuid4()),
            )
            await self.until_answered(request)

    async def until_answered(self, request: hold_pb2.PlaceHoldRequest) -> hold_pb2.PlaceHoldResponse:
        attempts = 0
        while True:
            sent = time.time()
            try:
                response: hold_pb2.PlaceHoldResponse = await self.client.holds.PlaceHold(
                    request, timeout=ATTEMPT_TIMEOUT_SECONDS
                )
            except grpc.aio.AioRpcError as error:
                self.outcomes[outcome_name(error)] += 1
                attempts += 1
                delay = error_details(error).retry_delay_seconds
                await asyncio.sleep(min(delay, 1.0) if delay is not None else RETRY_PAUSE_SECONDS)
                continue
            self.outcomes["OK"] += 1
            self.answered[request.idempotency_key] = response
            async with self._arrived:
                self._arrived.notify_all()
            if attempts:
                self.retried[request.idempotency_key] = sent
            return response

    async def finish(self, task: asyncio.Task[None]) -> None:
        """Stops the load; every request in flight is retried until answered."""
        self.stop.set()
        await asyncio.wait_for(task, RESOLVE_TIMEOUT_SECONDS)

    def approved(self) -> dict[str, hold_pb2.Hold]:
        return {r.hold.id: r.hold for r in self.answered.values() if r.decision == APPROVED}

    def found_by_retry(self) -> int:
        """Retried requests whose hold had been placed by an earlier attempt (whose answer was lost)."""
        return sum(
            1
            for key, sent in self.retried.items()
            if self.answered[key].decision == APPROVED
            and self.answered[key].hold.created_at.ToDatetime().timestamp() < sent
        )

    def figures(self) -> str:
        return (
            f"{sum(self.outcomes.values())} attempts, {len(self.answered)} requests answered "
            f"({len(self.approved())} approved), {len(self.retried)} answered after a retry "
            f"({self.found_by_retry()} of them found already placed); outcomes {dict(self.outcomes)}"
        )


async def assert_nothing_lost(database_url: str, client: LedgerdClient, load: HoldLoad) -> None:
    """Every acknowledged hold is in the database with its amount, and nothing else is (no request
    applied twice, none half); each wallet's balances are its funds less exactly those holds and never
    below the floor (0); `ledgerd verify` passes."""
    program = load.program
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT id, ledger_account_id, amount, status FROM holds WHERE ledger_id = $1",
            uuid.UUID(program.ledger_id),
        )
    finally:
        await connection.close()
    stored = {str(row["id"]): (str(row["ledger_account_id"]), row["amount"], row["status"]) for row in rows}
    approved = load.approved()
    assert stored == {hold_id: (hold.ledger_account_id, hold.amount, "pending") for hold_id, hold in approved.items()}
    held: Counter[str] = Counter()
    for hold in approved.values():
        held[hold.ledger_account_id] += hold.amount
    for wallet_id in program.wallet_ids:
        account = await get_account(client, wallet_id)
        _, posted, available = amounts(account)
        assert (posted, available) == (program.funds, program.funds - held[wallet_id]), account
        assert available >= 0
    status, output = await run_ledgerd("verify", database_url=database_url)
    assert status == 0, output
