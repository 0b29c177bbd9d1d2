"""Correctness after every run: `ledgerd verify`, no guarded wallet below its floor, and every
hold the server acknowledged present in the database, on one PostgreSQL and on Citus alike."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

from ledgerd.server.core.verify import verify


@dataclass(frozen=True)
class Verdict:
    invariants_hold: bool
    wallets_below_floor: int
    acknowledged_holds_missing: int

    @property
    def ok(self) -> bool:
        return self.invariants_hold and self.wallets_below_floor == 0 and self.acknowledged_holds_missing == 0


async def check(pool: asyncpg.Pool, wallets: list[str], acknowledged_holds: list[str]) -> Verdict:
    invariants_hold = not any((await verify(pool)).values())
    below = await pool.fetchval(
        """SELECT count(*) FROM ledger_accounts
           WHERE id = ANY($1::uuid[]) AND posted_credits - posted_debits - pending_debits < 0""",
        [uuid.UUID(w) for w in wallets],
    )
    present = await pool.fetchval(
        "SELECT count(*) FROM holds WHERE id = ANY($1::uuid[])", [uuid.UUID(h) for h in acknowledged_holds]
    )
    return Verdict(invariants_hold, below, len(set(acknowledged_holds)) - present)
