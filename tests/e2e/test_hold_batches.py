"""PlaceHoldBatch: many PlaceHolds in one call, each decided in order exactly as if sent alone;
a refused item changes nothing for its neighbours."""

from __future__ import annotations

import asyncpg
import grpc

from ledgerd.client import LedgerdClient
from ledgerd.server.domain import limits
from ledgerd.v1 import errors_pb2, hold_pb2

from .ledger_helpers import amounts, get_account, refused
from .test_holds import APPROVED, DECLINED, assert_verified, card_program, place


async def place_batch(
    client: LedgerdClient, requests: list[hold_pb2.PlaceHoldRequest]
) -> list[hold_pb2.PlaceHoldBatchResult]:
    response = await client.holds.PlaceHoldBatch(hold_pb2.PlaceHoldBatchRequest(requests=requests))
    assert len(response.results) == len(requests)
    return list(response.results)


async def test_a_batch_is_decided_in_order_as_if_sent_one_by_one(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    wallet, settlement, _ = await card_program(client, funds=1_000)
    results = await place_batch(client, [place(wallet, settlement, a) for a in (600, 500, 400, 100)])
    assert [r.response.decision for r in results] == [APPROVED, DECLINED, APPROVED, DECLINED]
    assert [r.response.hold.amount for r in results if r.response.decision == APPROVED] == [600, 400]
    # Each answer shows the available balance right after its own decision.
    assert [r.response.available_balance.amount for r in results] == [400, 400, 0, 0]
    account = await get_account(client, wallet)
    assert amounts(account) == (0, 1_000, 0)
    assert account.lock_version == 3  # the funding and the two approved holds
    await assert_verified(pool)


async def test_a_refused_item_answers_alone_and_changes_nothing_for_its_neighbours(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    wallet, settlement, _ = await card_program(client, funds=1_000)
    results = await place_batch(
        client,
        [
            place(wallet, settlement, 300),
            place("not-a-uuid", settlement, 300),
            place(wallet, settlement, 0),
            place(wallet, settlement, 700),
        ],
    )
    assert [r.WhichOneof("result") for r in results] == ["response", "error", "error", "response"]
    assert results[1].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert results[1].error.field_violations[0].field == "ledger_account_id"
    assert results[2].error.field_violations[0].field == "amount"
    assert [results[0].response.decision, results[3].response.decision] == [APPROVED, APPROVED]
    assert (await get_account(client, wallet)).balances.available_balance.amount == 0
    await assert_verified(pool)


async def test_items_keep_their_idempotency_keys(client: LedgerdClient) -> None:
    wallet, settlement, _ = await card_program(client, funds=1_000)
    first = await place_batch(client, [place(wallet, settlement, 100, idempotency_key="batch-a")])
    again = await place_batch(
        client,
        [
            place(wallet, settlement, 100, idempotency_key="batch-a"),
            place(wallet, settlement, 100, idempotency_key="batch-b"),
        ],
    )
    assert again[0].response.SerializeToString() == first[0].response.SerializeToString()
    assert again[1].response.hold.id != first[0].response.hold.id
    reused = await place_batch(client, [place(wallet, settlement, 999, idempotency_key="batch-a")])
    assert reused[0].error.reason == errors_pb2.ERROR_REASON_IDEMPOTENCY_KEY_REUSED
    assert (await get_account(client, wallet)).balances.available_balance.amount == 800


async def test_a_batch_needs_one_to_holds_per_place_batch_max_requests(client: LedgerdClient) -> None:
    wallet, settlement, _ = await card_program(client, funds=0)
    for size in (0, limits.holds_per_place_batch_max + 1):
        details = await refused(
            client.holds.PlaceHoldBatch(hold_pb2.PlaceHoldBatchRequest(requests=[place(wallet, settlement, 1)] * size)),
            grpc.StatusCode.INVALID_ARGUMENT,
            "INVALID_ARGUMENT",
        )
        assert [field for field, _ in details.field_violations] == ["requests"]
    assert (await get_account(client, wallet)).lock_version == 0


async def test_a_large_batch_on_one_wallet_approves_exactly_what_fits(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    wallet, settlement, _ = await card_program(client, funds=2_500)
    results = await place_batch(client, [place(wallet, settlement, 1) for _ in range(3_000)])
    decisions = [r.response.decision for r in results]
    assert decisions == [APPROVED] * 2_500 + [DECLINED] * 500
    assert (await get_account(client, wallet)).lock_version == 2_501
    assert (await get_account(client, settlement)).balances.pending_balance.credits == 2_500
    await assert_verified(pool)
