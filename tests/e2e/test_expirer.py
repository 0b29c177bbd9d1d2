"""The hold expirer: holds expire within a bound, exactly once, even when expirers are killed
mid-batch and restarted, or run side by side (as in several server processes)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import asyncpg
from google.protobuf.timestamp_pb2 import Timestamp

from ledgerd.client import LedgerdClient
from ledgerd.server.app import RunningServer
from ledgerd.server.core.expirer import run_expirer
from ledgerd.server.core.verify import verify
from ledgerd.server.domain import limits
from ledgerd.v1 import hold_pb2

from .ledger_helpers import (
    DEBIT_NORMAL,
    POSTED,
    amounts,
    create_account,
    create_ledger,
    create_transaction,
    get_account,
    transfer,
)

HOLDS = 2 * limits.holds_per_expiry_batch_max + 50
# How long after expires_at a hold may still be pending, with expirers running every 50 ms.
EXPIRY_BOUND_SECONDS = 10.0


async def test_killed_and_restarted_expirers_release_every_hold_exactly_once(
    client: LedgerdClient, server: RunningServer, pool: asyncpg.Pool
) -> None:
    ledger = await create_ledger(client)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    settlement = await create_account(client, ledger.id, "Settlement", normal_balance=DEBIT_NORMAL)
    await create_transaction(client, transfer(cash.id, wallet.id, 10 * HOLDS, status=POSTED))
    expires_at = Timestamp()
    expires_at.FromDatetime(datetime.now(UTC) + timedelta(seconds=2))
    placed = await asyncio.gather(
        *(
            client.holds.PlaceHold(
                hold_pb2.PlaceHoldRequest(
                    ledger_account_id=wallet.id,
                    counter_ledger_account_id=settlement.id,
                    amount=10,
                    expires_at=expires_at,
                )
            )
            for _ in range(HOLDS)
        )
    )
    assert all(p.decision == hold_pb2.HOLD_DECISION_APPROVED for p in placed)
    assert amounts(await get_account(client, wallet.id)) == (0, 10 * HOLDS, 0)
    await asyncio.sleep(max(0.0, expires_at.ToDatetime(tzinfo=UTC).timestamp() - time.time()))

    # Killed mid-batch, again and again, while other expirers run beside it.
    for _ in range(3):
        doomed = asyncio.create_task(run_expirer(server.holds, interval_seconds=0.05))
        await asyncio.sleep(0.02)
        doomed.cancel()
    survivors = [asyncio.create_task(run_expirer(server.holds, interval_seconds=0.05)) for _ in range(2)]
    try:
        deadline = time.monotonic() + EXPIRY_BOUND_SECONDS
        while True:
            pending = await client.holds.ListHolds(
                hold_pb2.ListHoldsRequest(ledger_account_id=wallet.id, status=hold_pb2.HOLD_STATUS_PENDING)
            )
            if not pending.holds:
                break
            assert time.monotonic() < deadline, f"{len(pending.holds)}+ holds still pending"
            await asyncio.sleep(0.05)
    finally:
        for task in survivors:
            task.cancel()

    expired = await client.holds.ListHolds(
        hold_pb2.ListHoldsRequest(ledger_account_id=wallet.id, status=hold_pb2.HOLD_STATUS_EXPIRED, page_size=1000)
    )
    assert len(expired.holds) == HOLDS
    after = await get_account(client, wallet.id)
    assert amounts(after) == (10 * HOLDS,) * 3
    # Funding, one version per hold placed and exactly one per hold expired: none released twice.
    assert after.lock_version == 1 + 2 * HOLDS
    assert {check: rows for check, rows in (await verify(pool)).items() if rows} == {}
