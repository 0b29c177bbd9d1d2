"""HoldService: check and hold in one step; increase, capture (under, exact, over, partial), release
(all, part), expiry, replays and races."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from ledgerd.client import LedgerdClient, error_details
from ledgerd.server.app import RunningServer
from ledgerd.server.core.expirer import expire_due_holds
from ledgerd.server.core.verify import verify
from ledgerd.v1 import common_pb2, hold_pb2, transaction_pb2

from .ledger_helpers import (
    ARCHIVED,
    DEBIT_NORMAL,
    PENDING,
    POSTED,
    amounts,
    create_account,
    create_ledger,
    create_transaction,
    get_account,
    refused,
    transfer,
)

APPROVED = hold_pb2.HOLD_DECISION_APPROVED
DECLINED = hold_pb2.HOLD_DECISION_DECLINED


async def card_program(client: LedgerdClient, funds: int = 30_000) -> tuple[str, str, str]:
    """(wallet, settlement, cash) with `funds` posted into the wallet."""
    ledger = await create_ledger(client, "Card program")
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    settlement = await create_account(client, ledger.id, "Settlement", normal_balance=DEBIT_NORMAL)
    if funds:
        await create_transaction(client, transfer(cash.id, wallet.id, funds, status=POSTED))
    return wallet.id, settlement.id, cash.id


def place(wallet: str, settlement: str, amount: int, **fields: object) -> hold_pb2.PlaceHoldRequest:
    return hold_pb2.PlaceHoldRequest(
        ledger_account_id=wallet,
        counter_ledger_account_id=settlement,
        amount=amount,
        **fields,  # type: ignore[arg-type]
    )


async def assert_verified(pool: asyncpg.Pool) -> None:
    assert {check: rows for check, rows in (await verify(pool)).items() if rows} == {}


async def test_a_hold_lowers_available_at_once_and_is_a_pending_transaction(client: LedgerdClient) -> None:
    wallet, settlement, _ = await card_program(client, 1_000)
    answer = await client.holds.PlaceHold(place(wallet, settlement, 300, external_id="auth-1"))
    assert answer.decision == APPROVED and answer.decline_reason == hold_pb2.HOLD_DECLINE_REASON_UNSPECIFIED
    assert (answer.hold.amount, answer.hold.status, answer.available_balance.amount) == (
        300,
        hold_pb2.HOLD_STATUS_PENDING,
        700,
    )
    assert amounts(await get_account(client, wallet)) == (700, 1_000, 700)
    transaction = (
        await client.transactions.GetLedgerTransaction(
            transaction_pb2.GetLedgerTransactionRequest(id=answer.hold.ledger_transaction_id)
        )
    ).ledger_transaction
    assert transaction.status == PENDING and sorted(e.amount for e in transaction.ledger_entries) == [300, 300]
    # The hold's transaction changes only through HoldService.
    await refused(
        client.transactions.UpdateLedgerTransaction(
            transaction_pb2.UpdateLedgerTransactionRequest(id=transaction.id, status=ARCHIVED)
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "LEDGER_TRANSACTION_HELD",
    )


async def test_a_decline_is_an_answer_and_writes_nothing(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    wallet, settlement, _ = await card_program(client, 100)
    answer = await client.holds.PlaceHold(place(wallet, settlement, 101))
    assert answer.decision == DECLINED
    assert answer.decline_reason == hold_pb2.HOLD_DECLINE_REASON_INSUFFICIENT_FUNDS
    assert not answer.HasField("hold") and answer.available_balance.amount == 100
    account = await get_account(client, wallet)
    assert amounts(account) == (100, 100, 100) and account.lock_version == 1
    partial = await client.holds.PlaceHold(place(wallet, settlement, 150, allow_partial=True))
    assert partial.decision == APPROVED and partial.hold.amount == 100 and partial.available_balance.amount == 0
    credit_line = await client.holds.PlaceHold(
        place(wallet, settlement, 50, available_balance_amount=common_pb2.BalanceCondition(gte=-50))
    )
    assert credit_line.decision == APPROVED and credit_line.available_balance.amount == -50
    await assert_verified(pool)


async def test_captures_below_at_and_above_the_held_amount(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    wallet, settlement, _ = await card_program(client, 1_000)
    holds = [(await client.holds.PlaceHold(place(wallet, settlement, 100))).hold for _ in range(3)]
    under = await client.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=holds[0].id, amount=60))
    assert (under.hold.status, under.hold.amount, under.hold.captured_amount) == (hold_pb2.HOLD_STATUS_CAPTURED, 0, 60)
    assert under.ledger_transaction.status == POSTED and under.ledger_transaction.id == holds[0].ledger_transaction_id
    exact = await client.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=holds[1].id, amount=100))
    assert exact.hold.captured_amount == 100
    over = await client.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=holds[2].id, amount=1_500))
    assert over.hold.captured_amount == 1_500
    # 1000 - 60 - 100 - 1500: an over-capture is recorded even below the floor.
    assert amounts(await get_account(client, wallet)) == (-660, -660, -660)
    await refused(
        client.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=holds[0].id, amount=1)),
        grpc.StatusCode.FAILED_PRECONDITION,
        "HOLD_NOT_PENDING",
    )
    await assert_verified(pool)


async def test_partial_captures_keep_the_rest_held_until_the_final_one(client: LedgerdClient) -> None:
    wallet, settlement, _ = await card_program(client, 1_000)
    hold = (await client.holds.PlaceHold(place(wallet, settlement, 500))).hold
    first = await client.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=hold.id, amount=200, final=False))
    assert (first.hold.status, first.hold.amount, first.hold.captured_amount) == (
        hold_pb2.HOLD_STATUS_PENDING,
        300,
        200,
    )
    assert amounts(await get_account(client, wallet)) == (500, 800, 500)
    second = await client.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=hold.id, amount=100))
    assert (second.hold.status, second.hold.captured_amount) == (hold_pb2.HOLD_STATUS_CAPTURED, 300)
    assert len(second.hold.capture_ledger_transaction_ids) == 2
    assert amounts(await get_account(client, wallet)) == (700, 700, 700)


async def test_increase_and_release_move_the_held_amount(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    wallet, settlement, _ = await card_program(client, 1_000)
    hold = (await client.holds.PlaceHold(place(wallet, settlement, 400))).hold
    increased = await client.holds.IncreaseHold(hold_pb2.IncreaseHoldRequest(hold_id=hold.id, amount=500))
    assert increased.decision == APPROVED and increased.hold.amount == 900
    declined = await client.holds.IncreaseHold(hold_pb2.IncreaseHoldRequest(hold_id=hold.id, amount=101))
    assert declined.decision == DECLINED and declined.hold.amount == 900
    part = await client.holds.ReleaseHold(hold_pb2.ReleaseHoldRequest(hold_id=hold.id, amount=250))
    assert part.hold.amount == 650 and amounts(await get_account(client, wallet)) == (350, 1_000, 350)
    await refused(
        client.holds.ReleaseHold(hold_pb2.ReleaseHoldRequest(hold_id=hold.id, amount=651)),
        grpc.StatusCode.FAILED_PRECONDITION,
        "RELEASE_EXCEEDS_HOLD",
    )
    released = await client.holds.ReleaseHold(hold_pb2.ReleaseHoldRequest(hold_id=hold.id))
    assert (released.hold.status, released.hold.amount) == (hold_pb2.HOLD_STATUS_RELEASED, 0)
    assert amounts(await get_account(client, wallet)) == (1_000, 1_000, 1_000)
    await assert_verified(pool)


async def test_a_repeated_external_id_returns_the_original_hold(client: LedgerdClient) -> None:
    wallet, settlement, _ = await card_program(client, 1_000)
    first = await client.holds.PlaceHold(place(wallet, settlement, 100, external_id="lithic-token-1"))
    again = await client.holds.PlaceHold(place(wallet, settlement, 100, external_id="lithic-token-1"))
    assert again.hold == first.hold and again.decision == APPROVED
    await refused(
        client.holds.PlaceHold(place(wallet, settlement, 101, external_id="lithic-token-1")),
        grpc.StatusCode.ALREADY_EXISTS,
        "HOLD_EXTERNAL_ID_ALREADY_EXISTS",
    )
    assert amounts(await get_account(client, wallet)) == (900, 1_000, 900)


async def test_a_capture_racing_a_release_lets_exactly_one_win(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    wallet, settlement, _ = await card_program(client, 10_000)
    holds = [(await client.holds.PlaceHold(place(wallet, settlement, 100))).hold for _ in range(20)]

    async def attempt(call: object) -> str:
        try:
            await call  # type: ignore[misc]
            return "won"
        except grpc.aio.AioRpcError as error:
            return error_details(error).reason

    results = await asyncio.gather(
        *(
            attempt(call)
            for hold in holds
            for call in (
                client.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=hold.id, amount=100)),
                client.holds.ReleaseHold(hold_pb2.ReleaseHoldRequest(hold_id=hold.id)),
            )
        )
    )
    assert results.count("won") == 20
    assert results.count("ERROR_REASON_HOLD_NOT_PENDING") == 20
    captured = sum(1 for pair in zip(results[::2], results[1::2], strict=True) if pair[0] == "won")
    assert amounts(await get_account(client, wallet)) == (10_000 - 100 * captured,) * 2 + (10_000 - 100 * captured,)
    await assert_verified(pool)


async def test_expired_holds_are_released_once_and_cannot_be_captured(
    client: LedgerdClient, server: RunningServer, pool: asyncpg.Pool
) -> None:
    wallet, settlement, _ = await card_program(client, 1_000)
    soon = Timestamp()
    soon.FromDatetime(datetime.now(UTC) + timedelta(milliseconds=300))
    hold = (await client.holds.PlaceHold(place(wallet, settlement, 400, expires_at=soon))).hold
    await asyncio.sleep(0.4)
    await refused(
        client.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=hold.id, amount=400)),
        grpc.StatusCode.FAILED_PRECONDITION,
        "HOLD_NOT_PENDING",
    )
    # Several expirers at once (as after a restart, or in several processes) release it exactly once.
    await asyncio.gather(*(expire_due_holds(server.holds) for _ in range(4)))
    expired = (await client.holds.GetHold(hold_pb2.GetHoldRequest(id=hold.id))).hold
    assert (expired.status, expired.amount) == (hold_pb2.HOLD_STATUS_EXPIRED, 0)
    account = await get_account(client, wallet)
    assert amounts(account) == (1_000, 1_000, 1_000) and account.lock_version == 3  # fund, hold, expiry
    await assert_verified(pool)
