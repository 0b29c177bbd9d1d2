"""The planner statistics of ledgerd's tables: which have outgrown them, and ANALYZE."""

from __future__ import annotations

from typing import Any

Executor = Any


async def outgrown(db: Executor, rows_changed_min: int, growth_factor: float) -> list[str]:
    """ledgerd's tables (those of the current schema) whose rows changed since their last ANALYZE,
    by anyone, pass `rows_changed_min + growth_factor * rows at that ANALYZE`."""
    rows = await db.fetch(
        """SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
           WHERE s.schemaname = current_schema()
             AND s.n_mod_since_analyze > $1 + $2 * greatest(c.reltuples, 0)
           ORDER BY s.relname""",
        rows_changed_min,
        growth_factor,
    )
    return [row["relname"] for row in rows]


async def analyze(db: Executor, table: str) -> None:
    # The name comes from the catalog (outgrown), never from a request; quoted all the same.
    await db.execute(f'ANALYZE "{table}"')
