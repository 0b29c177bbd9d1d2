"""Deadlines and cancellation against `ledgerd serve` as a process. Writes are stopped by a table
lock, so that where each request stands when its deadline passes is known: the first is in the
batch being written, the second in the batch being decided behind it, the rest wait in the queue.
A request whose deadline passed before its batch ran is never applied; one cancelled in flight (in
a batch already) is applied whole or not at all, and its retry with the same key finds out which:
exactly one hold either way, never two, never half."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import grpc

from ledgerd.client import LedgerdClient
from ledgerd.v1 import hold_pb2

from .fault_helpers import APPROVED, CardProgram, card_program
from .ledger_helpers import get_account, run_ledgerd
from .test_overload import CALL_TIMEOUT_SECONDS, serve, writes_stopped

# Requests left waiting in the queue behind the two batches in flight.
QUEUED = 10
# Short enough to pass while writes are stopped; the lock is held until every deadline has passed.
DEADLINE_SECONDS = 1.0
AMOUNT = 100


def request(program: CardProgram, wallet: int) -> hold_pb2.PlaceHoldRequest:
    return hold_pb2.PlaceHoldRequest(
        ledger_account_id=program.wallet_ids[wallet],
        counter_ledger_account_id=program.settlement_id,
        amount=AMOUNT,
        idempotency_key=str(uuid.uuid4()),
    )


async def holds_per_wallet(database_url: str, program: CardProgram) -> dict[str, list[int]]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT ledger_account_id, amount FROM holds WHERE ledger_id = $1", uuid.UUID(program.ledger_id)
        )
    finally:
        await connection.close()
    found: dict[str, list[int]] = {wallet_id: [] for wallet_id in program.wallet_ids}
    for row in rows:
        found[str(row["ledger_account_id"])].append(row["amount"])
    return found


async def test_a_request_whose_deadline_passed_before_its_batch_is_not_applied_and_one_in_flight_once(
    database_url: str, api_key: str
) -> None:
    served = await serve(database_url)
    try:
        async with LedgerdClient(served.address, api_key) as client:
            program = await card_program(client, wallets=2 + QUEUED, funds=10_000)
            writing, deciding = request(program, 0), request(program, 1)
            queued = [request(program, 2 + index) for index in range(QUEUED)]
            async with writes_stopped(database_url):
                first = asyncio.ensure_future(client.holds.PlaceHold(writing, timeout=CALL_TIMEOUT_SECONDS))
                timed_out = [client.holds.PlaceHold(each, timeout=DEADLINE_SECONDS) for each in (deciding, *queued)]
                outcomes = await asyncio.gather(*timed_out, return_exceptions=True)
                assert all(
                    isinstance(outcome, grpc.aio.AioRpcError) and outcome.code() == grpc.StatusCode.DEADLINE_EXCEEDED
                    for outcome in outcomes
                ), outcomes
            assert (await first).decision == APPROVED
            # What the queued requests left: nothing. (The one in the batch behind may have been applied.)
            found = await holds_per_wallet(database_url, program)
            assert found[program.wallet_ids[0]] == [AMOUNT]
            assert all(found[program.wallet_ids[2 + index]] == [] for index in range(QUEUED)), found
            for each in queued:
                account = await get_account(client, each.ledger_account_id)
                assert account.balances.available_balance.amount == program.funds
            # Every retry with its key: the in-flight one is found or placed, the queued ones placed now.
            for each in (deciding, *queued):
                assert (await client.holds.PlaceHold(each, timeout=CALL_TIMEOUT_SECONDS)).decision == APPROVED
            found = await holds_per_wallet(database_url, program)
            assert all(amounts == [AMOUNT] for amounts in found.values()), found
            status, output = await run_ledgerd("verify", database_url=database_url)
            assert status == 0, output
    finally:
        assert await served.stop() == 0, served.output()
