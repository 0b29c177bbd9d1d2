"""The idempotency key sweeper: a stored response is kept for idempotency_key_retention_seconds
(24 hours, as Modern Treasury and Stripe keep theirs), then removed in bounded batches, so the
table stays the size of a day of writes. A retry inside the retention replays; a key reused after
it is a new request. (A transaction's external_id stays unique for good: it is not a key.)"""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from ledgerd.server.core.background import run_periodically
from ledgerd.server.core.clock import utcnow
from ledgerd.server.domain import limits
from ledgerd.server.store import idempotency as store


async def sweep_idempotency_keys(pool: asyncpg.Pool) -> int:
    """Removes every key older than the retention, batch after batch; returns how many."""
    cutoff = utcnow() - timedelta(seconds=limits.idempotency_key_retention_seconds)
    total = 0
    while True:
        removed = await store.delete_created_before(pool, cutoff, limits.idempotency_keys_per_sweep_max)
        total += removed
        if removed < limits.idempotency_keys_per_sweep_max:
            return total


async def run_sweeper(pool: asyncpg.Pool, interval_seconds: float = limits.idempotency_sweep_interval_seconds) -> None:
    await run_periodically(
        "idempotency keys past their retention removed", lambda: sweep_idempotency_keys(pool), interval_seconds
    )
