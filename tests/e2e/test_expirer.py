"""The hold expirer: every due hold expires exactly once, even when expirers are killed mid-batch
and restarted, or run side by side (as in several server processes).

No clock is raced: the holds are placed to expire an hour on, far beyond the time placing them
takes on any machine, and then made due by moving their expires_at into the past, as the hour
passing would. What the test then waits for is the holds' status, with a deadline that only tells
a stuck expirer from a slow machine (tests measure no durations)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from google.protobuf.timestamp_pb2 import Timestamp

from ledgerd.client import LedgerdClient
from ledgerd.server.app import RunningServer
from ledgerd.server.core.expirer import expire_due_holds, run_expirer
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
# How long the test waits for the expirers to leave no hold pending before it calls them stuck: not
# a bound it asserts on the expirer, only a guard against waiting forever.
PATIENCE_SECONDS = 300.0


async def make_due(pool: asyncpg.Pool, ledger_id: str, hold_ids: list[str]) -> None:
    """The holds' expires_at moved a second into the past: due now, as if their hour had passed.
    Named by their ledger, so that on Citus the update runs on the ledger's shard."""
    moved = await pool.execute(
        """UPDATE holds SET expires_at = now() - interval '1 second'
           WHERE ledger_id = $1 AND id = ANY($2::uuid[]) AND status = 'pending'""",
        uuid.UUID(ledger_id),
        [uuid.UUID(h) for h in hold_ids],
    )
    assert moved == f"UPDATE {len(hold_ids)}"


async def test_killed_and_restarted_expirers_release_every_hold_exactly_once(
    client: LedgerdClient, server: RunningServer, pool: asyncpg.Pool
) -> None:
    ledger = await create_ledger(client)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    settlement = await create_account(client, ledger.id, "Settlement", normal_balance=DEBIT_NORMAL)
    await create_transaction(client, transfer(cash.id, wallet.id, 10 * HOLDS, status=POSTED))
    expires_at = Timestamp()
    expires_at.FromDatetime(datetime.now(UTC) + timedelta(hours=1))
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
    # Not due yet: an expiry round now releases none of them.
    await expire_due_holds(server.holds)
    assert amounts(await get_account(client, wallet.id)) == (0, 10 * HOLDS, 0)
    await make_due(pool, ledger.id, [p.hold.id for p in placed])

    # Killed mid-batch, again and again, while other expirers run beside it.
    for _ in range(3):
        doomed = asyncio.create_task(run_expirer(server.holds, interval_seconds=0.05))
        await asyncio.sleep(0.02)
        doomed.cancel()
    survivors = [asyncio.create_task(run_expirer(server.holds, interval_seconds=0.05)) for _ in range(2)]
    try:
        deadline = time.monotonic() + PATIENCE_SECONDS
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
