"""The hold expirer: releases pending holds past their `expires_at`, in bounded batches.

Exactly once: each expiry is a write of the batched write path that row-locks the hold and leaves
it alone unless it is still pending and due, so expirers in several processes, or one restarted
mid-batch, never release a hold twice. Nothing is remembered between rounds: after a restart the
first round finds every hold that came due meanwhile."""

from __future__ import annotations

from ledgerd.server import metrics
from ledgerd.server.core.background import run_periodically
from ledgerd.server.core.clock import utcnow
from ledgerd.server.core.holds import HoldsUseCases
from ledgerd.server.domain import limits


async def expire_due_holds(holds: HoldsUseCases) -> int:
    """Expires every hold due now, batch after batch; returns how many."""
    total = 0
    if metrics.enabled():
        now = utcnow()
        due = await holds.oldest_due(now)
        metrics.hold_expiry_lag((now - due).total_seconds() if due is not None else 0.0)
    while True:
        expired = await holds.expire_due(utcnow())
        total += expired
        if expired < limits.holds_per_expiry_batch_max:
            return total


async def run_expirer(holds: HoldsUseCases, interval_seconds: float = limits.hold_expiry_interval_seconds) -> None:
    """Runs until cancelled; a failed round (database down) is logged and retried next round."""
    await run_periodically("holds expired", lambda: expire_due_holds(holds), interval_seconds)
