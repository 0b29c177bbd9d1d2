"""The statistics keeper (core/statistics.py): a table that has outgrown its planner statistics is
analyzed, so that the plans cached on every connection are made again for its real size."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg

from ledgerd.server.core.statistics import analyze_outgrown_tables
from ledgerd.server.domain import limits
from ledgerd.server.store import statistics as store
from ledgerd.server.store.migrate import apply_migrations
from ledgerd.server.store.pool import create_pool


async def outgrown_soon(pool: asyncpg.Pool, table: str) -> list[str]:
    """The outgrown tables once `table` is among them: a backend reports its row counts to the
    statistics system only after its transaction, at most once a second."""
    for _ in range(100):
        tables = await store.outgrown(pool, limits.statistics_rows_changed_min, limits.statistics_growth_factor)
        if table in tables:
            return tables
        await asyncio.sleep(0.1)
    raise AssertionError(f"{table} never counted as outgrown")


async def analyze_count(pool: asyncpg.Pool, table: str) -> int:
    count: int = await pool.fetchval("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = $1", table)
    return count


async def test_a_table_that_doubled_is_analyzed_once(own_database_url: str) -> None:
    pool = await create_pool(own_database_url, min_size=1, max_size=2)
    try:
        async with pool.acquire() as connection:
            await apply_migrations(connection)
        await analyze_outgrown_tables(pool)  # whatever the migrations changed
        rows = limits.statistics_rows_changed_min + 1
        await pool.executemany(
            "INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)",
            [(uuid.uuid4(), f"organization {n}", datetime.now(UTC)) for n in range(rows)],
        )
        assert "organizations" in await outgrown_soon(pool, "organizations")
        before = await analyze_count(pool, "organizations")
        assert await analyze_outgrown_tables(pool) >= 1
        assert await analyze_count(pool, "organizations") == before + 1
        assert await pool.fetchval("SELECT reltuples FROM pg_class WHERE relname = 'organizations'") == rows
        # Analyzed at its size now, it is not analyzed again until it doubles.
        await pool.executemany(
            "INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)",
            [(uuid.uuid4(), f"later {n}", datetime.now(UTC)) for n in range(rows // 2)],
        )
        await asyncio.sleep(1.5)  # past the statistics system's reporting interval
        assert "organizations" not in await store.outgrown(
            pool, limits.statistics_rows_changed_min, limits.statistics_growth_factor
        )
    finally:
        await pool.close()
