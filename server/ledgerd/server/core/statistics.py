"""Planner statistics kept up as the tables grow, where autovacuum does not keep them.

Each statement of the write path is prepared once per connection, and after five runs PostgreSQL
keeps one generic plan for it, chosen for the table sizes of that moment. A plan made while a table
was nearly empty — a new database — reads the whole table, and it stays as the table grows: on a
database with autovacuum off, the `hot` benchmark's PostgreSQL CPU per hold went from 430 µs over a
10 s run to 1,313 µs over 40 s, as holds, transactions and idempotency keys were scanned whole
(benchmarks/README.md, "Plans made for empty tables"). ANALYZE invalidates the cached plans that
read a table, so each is made again for its real size. autovacuum's auto-analyze does this when it
is on; it is a setting operators turn off (the benchmark machine's PostgreSQL has it off) and it
waits a naptime (a minute) in a new database. So one process per database (the holder of the
background lock) also analyzes any of ledgerd's tables that has doubled since its last ANALYZE:
the number of ANALYZE runs grows with the logarithm of a table's size, and where autovacuum is on
and keeping up (its threshold is a tenth of the table) this never fires."""

from __future__ import annotations

import asyncpg

from ledgerd.server.core.background import run_periodically
from ledgerd.server.domain import limits
from ledgerd.server.store import statistics as store


async def analyze_outgrown_tables(pool: asyncpg.Pool) -> int:
    """ANALYZE of every table that has outgrown its statistics; returns how many."""
    async with pool.acquire() as connection:
        tables = await store.outgrown(connection, limits.statistics_rows_changed_min, limits.statistics_growth_factor)
        for table in tables:
            await store.analyze(connection, table)
    return len(tables)


async def run_statistics_keeper(
    pool: asyncpg.Pool, interval_seconds: float = limits.statistics_interval_seconds
) -> None:
    await run_periodically("tables analyzed", lambda: analyze_outgrown_tables(pool), interval_seconds)
