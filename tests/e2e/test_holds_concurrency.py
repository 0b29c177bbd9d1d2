"""1,000 concurrent authorizations against one wallet, over unary calls and the PlaceHolds stream at
once: exactly as many approved as the funds allow, whatever the settlement side looks like."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from ledgerd.client import LedgerdClient
from ledgerd.v1 import hold_pb2

from .ledger_helpers import (
    DEBIT_NORMAL,
    POSTED,
    amounts,
    create_account,
    create_ledger,
    create_transaction,
    get_account,
    run_ledgerd,
    transfer,
)

APPROVED = hold_pb2.HOLD_DECISION_APPROVED


async def place_all(client: LedgerdClient, requests: list[hold_pb2.PlaceHoldRequest]) -> list[int]:
    """Half as unary calls, half over two PlaceHolds streams, all at once; the decisions."""
    unary, streamed = requests[::2], requests[1::2]

    async def stream(part: list[hold_pb2.PlaceHoldRequest]) -> list[int]:
        async def source() -> AsyncIterator[hold_pb2.PlaceHoldRequest]:
            for request in part:
                yield request

        answers = [answer async for answer in client.holds.PlaceHolds(source())]
        assert sorted(a.idempotency_key for a in answers) == sorted(r.idempotency_key for r in part)
        assert not any(a.HasField("error") for a in answers)
        return [a.decision for a in answers]

    results = await asyncio.gather(
        stream(streamed[::2]),
        stream(streamed[1::2]),
        *(client.holds.PlaceHold(r) for r in unary),
    )
    streamed_decisions = [d for part in results[:2] for d in part]  # type: ignore[union-attr]
    return streamed_decisions + [r.decision for r in results[2:]]  # type: ignore[union-attr]


@pytest.mark.parametrize("counter_accounts", [1, 10], ids=["one shared settlement account", "ten counter accounts"])
async def test_a_thousand_concurrent_holds_approve_exactly_what_the_funds_allow(
    client: LedgerdClient, database_url: str, pool: asyncpg.Pool, counter_accounts: int
) -> None:
    ledger = await create_ledger(client, "Card program")
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    counters = [
        (await create_account(client, ledger.id, f"Settlement {n}", normal_balance=DEBIT_NORMAL)).id
        for n in range(counter_accounts)
    ]
    await create_transaction(client, transfer(cash.id, wallet.id, 30_000, status=POSTED))
    requests = [
        hold_pb2.PlaceHoldRequest(
            ledger_account_id=wallet.id,
            counter_ledger_account_id=counters[n % counter_accounts],
            amount=100,
            idempotency_key=f"auth-{n}",
        )
        for n in range(1_000)
    ]

    decisions = await place_all(client, requests)

    assert len(decisions) == 1_000
    assert decisions.count(APPROVED) == 300
    after = await get_account(client, wallet.id)
    assert amounts(after) == (0, 30_000, 0)
    assert after.lock_version == 301
    settled = sum([(await get_account(client, c)).balances.pending_balance.amount for c in counters])
    assert settled == -30_000  # debit-normal settlement: the held credits
    code, output = await run_ledgerd("verify", database_url=database_url)
    assert code == 0, output


async def test_many_wallets_through_one_settlement_account_keep_exact_balances(
    client: LedgerdClient, database_url: str
) -> None:
    ledger = await create_ledger(client, "Card program")
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    settlement = await create_account(client, ledger.id, "Settlement", normal_balance=DEBIT_NORMAL)
    wallets = [(await create_account(client, ledger.id, f"Wallet {n}")).id for n in range(20)]
    for wallet in wallets:
        await create_transaction(client, transfer(cash.id, wallet, 1_000, status=POSTED))
    requests = [
        hold_pb2.PlaceHoldRequest(
            ledger_account_id=wallets[n % 20],
            counter_ledger_account_id=settlement.id,
            amount=30 + n % 7,
            idempotency_key=f"auth-{n}",
        )
        for n in range(800)
    ]
    decisions = await place_all(client, requests)
    assert decisions.count(APPROVED) > 0
    held_total = 0
    for wallet in wallets:
        account = await get_account(client, wallet)
        assert account.balances.available_balance.amount >= 0
        held_total += 1_000 - account.balances.available_balance.amount
    assert (await get_account(client, settlement.id)).balances.pending_balance.amount == -held_total
    code, output = await run_ledgerd("verify", database_url=database_url)
    assert code == 0, output
