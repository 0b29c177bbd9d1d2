"""Metadata queries are served by an index: every metadata column has a GIN index that answers
containment (`@>`, what every list's metadata filter uses) without a scan of the table."""

from __future__ import annotations

from typing import Any

import asyncpg

from ledgerd.server.store.rows import metadata_contains

# Tables with a metadata column that no list RPC filters (versions are snapshots of listed rows).
UNLISTED = {"ledgerable_events"}


async def test_every_metadata_column_has_a_containment_index(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection:
        tables = [
            r["table_name"]
            for r in await connection.fetch(
                """SELECT table_name FROM information_schema.columns
                   WHERE table_schema = 'public' AND column_name = 'metadata' AND data_type = 'jsonb'
                     AND table_name NOT LIKE '%versions'"""
            )
            # Read by id only: no list answers a metadata query on them.
            if r["table_name"] not in UNLISTED
        ]
        assert "ledger_entries" in tables and "holds" in tables
        for table in tables:
            # The clause the hot tables' lists write (a partial index); any full index answers it too.
            clause = metadata_contains(table, "$1", {"k": "v"})
            plan = await _plan(connection, f"SELECT 1 FROM {table} WHERE {clause}", {"k": "v"})
            assert "Index" in plan and f"{table}_metadata" in plan, f"{table}: {plan}"


async def _plan(connection: Any, query: str, metadata: dict[str, str]) -> str:
    async with connection.transaction():
        # On the small tables of a test the planner rightly prefers a scan; forbidding scans
        # shows whether an index can answer the query at all.
        await connection.execute("SET LOCAL enable_seqscan = off")
        rows = await connection.fetch(f"EXPLAIN {query}", metadata)
    return "\n".join(r[0] for r in rows)
