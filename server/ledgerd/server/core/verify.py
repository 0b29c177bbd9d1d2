"""`ledgerd verify`: proves the invariants of docs/design.md ("Invariants") on a live database, one
PostgreSQL or a Citus cluster alike (every check joins within a ledger, store/verify.py)."""

from __future__ import annotations

from typing import Any

import asyncpg

from ledgerd.server.store import verify as store


async def verify(pool: asyncpg.Pool) -> dict[str, list[dict[str, Any]]]:
    """Every check by name with its first offenders; all lists empty means every invariant holds."""
    return await store.offenders(pool)
