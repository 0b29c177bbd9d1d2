"""`ledgerd verify`: proves the invariants of docs/design.md ("Invariants") on a live database."""

from __future__ import annotations

from typing import Any

import asyncpg

from ledgerd.server.store import distribution
from ledgerd.server.store import verify as store


class NotOnCitus(RuntimeError):
    """The checks join rows of different ledgers, which a Citus cluster cannot run as they are
    (docs/scaling.md, "Not yet on Citus"): refused at once rather than run half."""


async def verify(pool: asyncpg.Pool) -> dict[str, list[dict[str, Any]]]:
    """Every check by name with its first offenders; all lists empty means every invariant holds."""
    async with pool.acquire() as connection:
        if await distribution.is_distributed(connection):
            raise NotOnCitus("ledgerd verify does not run on Citus yet (docs/scaling.md)")
    return await store.offenders(pool)
