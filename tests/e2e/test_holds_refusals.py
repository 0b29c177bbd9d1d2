"""Holds: bad input and replays. A refusal names the problem and writes nothing; a replay writes
nothing and answers as the first time."""

from __future__ import annotations

import grpc

from ledgerd.client import LedgerdClient
from ledgerd.v1 import common_pb2, hold_pb2

from .ledger_helpers import (
    DEBIT_NORMAL,
    POSTED,
    amounts,
    create_account,
    create_ledger,
    create_transaction,
    get_account,
    refused,
    transfer,
)

INVALID = grpc.StatusCode.INVALID_ARGUMENT
UNKNOWN_ID = "0190c6a0-0000-7000-8000-000000000000"


async def program(client: LedgerdClient) -> tuple[str, str]:
    ledger = await create_ledger(client)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    await create_transaction(client, transfer(cash.id, wallet.id, 1_000, status=POSTED))
    return wallet.id, cash.id


async def test_bad_place_requests_list_every_violation_and_write_nothing(client: LedgerdClient) -> None:
    wallet, cash = await program(client)
    before = await get_account(client, wallet)
    request = hold_pb2.PlaceHoldRequest(
        ledger_account_id=wallet,
        counter_ledger_account_id=wallet,
        amount=0,
        currency="usd",
        timeout_seconds=0,
        available_balance_amount=common_pb2.BalanceCondition(lt=5),
    )
    details = await refused(client.holds.PlaceHold(request), INVALID, "INVALID_ARGUMENT")
    assert {f for f, _ in details.field_violations} == {
        "counter_ledger_account_id",
        "amount",
        "currency",
        "timeout_seconds",
        "available_balance_amount",
    }
    await refused(
        client.holds.PlaceHold(
            hold_pb2.PlaceHoldRequest(ledger_account_id=wallet, counter_ledger_account_id=cash, amount=-1)
        ),
        INVALID,
        "INVALID_ARGUMENT",
    )
    assert await get_account(client, wallet) == before


async def test_unknown_holds_and_accounts_are_not_found(client: LedgerdClient) -> None:
    wallet, _ = await program(client)
    not_found = grpc.StatusCode.NOT_FOUND
    await refused(client.holds.GetHold(hold_pb2.GetHoldRequest(id=UNKNOWN_ID)), not_found, "HOLD_NOT_FOUND")
    for call in (
        client.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=UNKNOWN_ID, amount=1)),
        client.holds.IncreaseHold(hold_pb2.IncreaseHoldRequest(hold_id=UNKNOWN_ID, amount=1)),
        client.holds.ReleaseHold(hold_pb2.ReleaseHoldRequest(hold_id=UNKNOWN_ID)),
    ):
        await refused(call, not_found, "HOLD_NOT_FOUND")
    await refused(
        client.holds.PlaceHold(
            hold_pb2.PlaceHoldRequest(ledger_account_id=wallet, counter_ledger_account_id=UNKNOWN_ID, amount=1)
        ),
        not_found,
        "LEDGER_ACCOUNT_NOT_FOUND",
    )
    assert amounts(await get_account(client, wallet)) == (1_000, 1_000, 1_000)


async def test_a_currency_other_than_the_accounts_is_refused(client: LedgerdClient) -> None:
    wallet, cash = await program(client)
    await refused(
        client.holds.PlaceHold(
            hold_pb2.PlaceHoldRequest(
                ledger_account_id=wallet, counter_ledger_account_id=cash, amount=1, currency="EUR"
            )
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "CURRENCY_MISMATCH",
    )
    euros = await create_account(client, (await get_account(client, wallet)).ledger_id, "Euros", currency="EUR")
    await refused(
        client.holds.PlaceHold(
            hold_pb2.PlaceHoldRequest(ledger_account_id=wallet, counter_ledger_account_id=euros.id, amount=1)
        ),
        INVALID,
        "UNBALANCED_ENTRIES",
    )
    assert (await get_account(client, wallet)).lock_version == 1


async def test_every_transition_replays_by_idempotency_key(client: LedgerdClient) -> None:
    wallet, cash = await program(client)
    place = hold_pb2.PlaceHoldRequest(
        ledger_account_id=wallet, counter_ledger_account_id=cash, amount=300, idempotency_key="place"
    )
    placed = await client.holds.PlaceHold(place)
    assert await client.holds.PlaceHold(place) == placed
    hold_id = placed.hold.id
    increase = hold_pb2.IncreaseHoldRequest(hold_id=hold_id, amount=100, idempotency_key="increase")
    increased = await client.holds.IncreaseHold(increase)
    assert await client.holds.IncreaseHold(increase) == increased
    release = hold_pb2.ReleaseHoldRequest(hold_id=hold_id, amount=50, idempotency_key="release")
    released = await client.holds.ReleaseHold(release)
    assert await client.holds.ReleaseHold(release) == released
    capture = hold_pb2.CaptureHoldRequest(hold_id=hold_id, amount=350, idempotency_key="capture")
    captured = await client.holds.CaptureHold(capture)
    assert await client.holds.CaptureHold(capture) == captured
    assert captured.hold.captured_amount == 350
    assert amounts(await get_account(client, wallet)) == (650, 650, 650)
    await refused(
        client.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=hold_id, amount=351, idempotency_key="capture")),
        grpc.StatusCode.ALREADY_EXISTS,
        "IDEMPOTENCY_KEY_REUSED",
    )
    # A declined placement is an answer, and replays as one.
    decline = hold_pb2.PlaceHoldRequest(
        ledger_account_id=wallet, counter_ledger_account_id=cash, amount=10_000, idempotency_key="too-much"
    )
    first = await client.holds.PlaceHold(decline)
    assert first.decision == hold_pb2.HOLD_DECISION_DECLINED
    assert await client.holds.PlaceHold(decline) == first


async def test_lists_filter_holds_by_account_status_and_external_id(client: LedgerdClient) -> None:
    wallet, cash = await program(client)
    for n in range(5):
        await client.holds.PlaceHold(
            hold_pb2.PlaceHoldRequest(
                ledger_account_id=wallet, counter_ledger_account_id=cash, amount=10, external_id=f"auth-{n}"
            )
        )
    first = (await client.holds.ListHolds(hold_pb2.ListHoldsRequest(external_id="auth-0"))).holds[0]
    await client.holds.ReleaseHold(hold_pb2.ReleaseHoldRequest(hold_id=first.id))
    pending = await client.holds.ListHolds(
        hold_pb2.ListHoldsRequest(ledger_account_id=wallet, status=hold_pb2.HOLD_STATUS_PENDING, page_size=2)
    )
    assert [h.external_id for h in pending.holds] == ["auth-1", "auth-2"] and pending.next_page_token
    rest = await client.holds.ListHolds(
        hold_pb2.ListHoldsRequest(
            ledger_account_id=wallet, status=hold_pb2.HOLD_STATUS_PENDING, page_token=pending.next_page_token
        )
    )
    assert [h.external_id for h in rest.holds] == ["auth-3", "auth-4"] and not rest.next_page_token
