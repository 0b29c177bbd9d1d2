"""SQL of `ledgerd sync`: reading a window of row versions from the ledger's database (the source)
and writing them into a warehouse (another PostgreSQL), with the window's marks (docs/change-feed.md).

A window is [copied_below, copying_below): the row versions written by the database transactions
whose ids (xid8) lie in it; ledgerd_row_xact_id (migration 0008) gives a row's id from its xmin,
which every insert and every update sets. Inside a window rows go in primary-key order, one chunk
per warehouse transaction, each committed together with how far it got.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

# Every ledger table, parents first. Not synced: API keys (secrets), idempotency keys (the server's
# own bookkeeping, swept), the category closures (derived from the memberships: the warehouse can
# compute them), the listener registry and the deleted rows themselves.
SYNCED_TABLES = (
    "organizations",
    "ledgers",
    "ledger_accounts",
    "ledger_account_categories",
    "ledger_account_category_accounts",
    "ledger_account_category_categories",
    "ledger_transactions",
    "ledger_entries",
    "ledger_account_versions",
    "ledger_transaction_versions",
    "holds",
    "ledger_account_balance_monitors",
    "ledger_account_balance_monitor_alerts",
    "ledger_event_handlers",
    "ledgerable_events",
)
# The synced tables rows are deleted from (the direct category memberships); their deletions are
# recorded in ledgerd_deleted_rows (migration 0008).
TABLES_WITH_DELETIONS = frozenset({"ledger_account_category_accounts", "ledger_account_category_categories"})
MARKS_TABLE = "ledgerd_sync_marks"
_CHUNK_TABLE = "ledgerd_sync_chunk"
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# A warehouse session lock: one sync at a time per warehouse (any fixed key, "lsyn").
SYNC_LOCK_KEY = 0x6C73796E


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # as format_type spells it


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[Column, ...]  # the primary key, in its order

    @property
    def column_list(self) -> str:
        return ", ".join(c.name for c in self.columns)

    @property
    def key_list(self) -> str:
        return ", ".join(c.name for c in self.key)

    def key_parameters(self, first: int) -> str:
        """The key as query parameters $first.., each given as text and cast to its type."""
        return ", ".join(f"${first + n}::text::{c.type}" for n, c in enumerate(self.key))


@dataclass(frozen=True)
class Mark:
    copied_below: int | None  # every row version written below this id is in the warehouse
    copying_below: int | None  # a window in progress: [copied_below, copying_below) ...
    copying_after: list[str] | None  # ... copied up to this key (in primary-key order)


async def describe(source: asyncpg.Connection, name: str) -> Table:
    """The table's columns and primary key, as the source's catalog has them."""
    columns = await source.fetch(
        """SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
                  array_position(i.indkey::int2[], a.attnum) AS key_position
           FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
           WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum""",
        name,
    )
    key = sorted((c for c in columns if c["key_position"] is not None), key=lambda c: c["key_position"])
    return Table(
        name,
        tuple(Column(c["name"], c["type"]) for c in columns),
        tuple(Column(c["name"], c["type"]) for c in key),
    )


async def horizon(source: asyncpg.Connection) -> int:
    """The oldest transaction still running on the source: every one below it has finished."""
    value: str = await source.fetchval("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
    return int(value)


# The newest transaction id the reading statement's snapshot can see, for ledgerd_row_xact_id.
_NEWEST = "CROSS JOIN (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint - 1 AS newest) s"


def _window_clause(first: int) -> str:
    """Rows of `t` written in [$first, $first+1) (a NULL lower end: from the beginning), with _NEWEST joined."""
    return (
        f"ledgerd_row_xact_id(t.xmin, s.newest) < ${first + 1}::bigint AND "
        f"(${first}::bigint IS NULL OR ledgerd_row_xact_id(t.xmin, s.newest) >= ${first}::bigint)"
    )


async def prepare_warehouse(warehouse: asyncpg.Connection, schema: str, tables: Sequence[Table]) -> None:
    """The schema, the marks and a table per synced table (columns the source added since are added)."""
    await warehouse.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    await warehouse.execute(
        f"""CREATE TABLE IF NOT EXISTS {schema}.{MARKS_TABLE} (
                table_name text PRIMARY KEY, copied_below bigint, copying_below bigint, copying_after jsonb,
                updated_at timestamptz NOT NULL DEFAULT now())"""
    )
    for table in tables:
        columns = ", ".join(f"{c.name} {c.type}" for c in table.columns)
        await warehouse.execute(
            f"CREATE TABLE IF NOT EXISTS {schema}.{table.name} ({columns}, PRIMARY KEY ({table.key_list}))"
        )
        # Only missing columns: an ALTER TABLE locks out the warehouse's readers, even as a no-op.
        present = {
            r["column_name"]
            for r in await warehouse.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
                schema,
                table.name,
            )
        }
        for column in table.columns:
            if column.name not in present:
                await warehouse.execute(f"ALTER TABLE {schema}.{table.name} ADD COLUMN {column.name} {column.type}")


async def lock_warehouse(warehouse: asyncpg.Connection) -> bool:
    """Takes the one-sync-at-a-time lock for this session; False when another sync holds it."""
    taken: bool = await warehouse.fetchval("SELECT pg_try_advisory_lock($1)", SYNC_LOCK_KEY)
    return taken


async def read_mark(warehouse: asyncpg.Connection, schema: str, table: str) -> Mark:
    row = await warehouse.fetchrow(
        f"SELECT copied_below, copying_below, copying_after::text FROM {schema}.{MARKS_TABLE} WHERE table_name = $1",
        table,
    )
    if row is None:
        return Mark(None, None, None)
    after = json.loads(row["copying_after"]) if row["copying_after"] is not None else None
    return Mark(row["copied_below"], row["copying_below"], after)


async def write_mark(warehouse: asyncpg.Connection, schema: str, table: str, mark: Mark) -> None:
    await warehouse.execute(
        f"""INSERT INTO {schema}.{MARKS_TABLE} (table_name, copied_below, copying_below, copying_after)
            VALUES ($1, $2, $3, $4::text::jsonb)
            ON CONFLICT (table_name) DO UPDATE SET copied_below = excluded.copied_below,
                copying_below = excluded.copying_below, copying_after = excluded.copying_after, updated_at = now()""",
        table,
        mark.copied_below,
        mark.copying_below,
        json.dumps(mark.copying_after) if mark.copying_after is not None else None,
    )


async def deleted_keys(source: asyncpg.Connection, table: Table, low: int | None, high: int) -> list[Any]:
    """The keys deleted from `table` in the window whose rows are not in the source now (a key
    deleted and added again is the added row's: copied by its own window)."""
    present = " AND ".join(f"p.{c.name} = (t.key->>'{c.name}')::{c.type}" for c in table.key)
    records = await source.fetch(
        f"""SELECT t.key::text AS key FROM ledgerd_deleted_rows t {_NEWEST}
            WHERE t.table_name = $3 AND {_window_clause(1)}
              AND NOT EXISTS (SELECT 1 FROM {table.name} p WHERE {present})""",
        low,
        high,
        table.name,
    )
    return [json.loads(r["key"]) for r in records]


async def delete_keys(warehouse: asyncpg.Connection, schema: str, table: Table, keys: list[Any]) -> None:
    matched = " AND ".join(f"w.{c.name} = d.{c.name}" for c in table.key)
    await warehouse.execute(
        f"""DELETE FROM {schema}.{table.name} w
            USING jsonb_populate_recordset(NULL::{schema}.{table.name}, $1::text::jsonb) d WHERE {matched}""",
        json.dumps(keys),
    )


async def copy_chunk(
    source: asyncpg.Connection,
    warehouse: asyncpg.Connection,
    schema: str,
    table: Table,
    mark: Mark,
    rows_max: int,
) -> tuple[int, list[str] | None]:
    """Copies the next rows of the mark's window (at most `rows_max`, in key order, after its key)
    into the warehouse table, replacing older copies of the same keys, inside the caller's
    warehouse transaction. Returns how many, and the last key copied."""
    after = ""
    arguments: list[Any] = [mark.copied_below, mark.copying_below]
    if mark.copying_after is not None:
        after = f"AND ({', '.join(f't.{c.name}' for c in table.key)}) > ({table.key_parameters(3)})"
        arguments += mark.copying_after
    query = f"""SELECT {", ".join(f"t.{c.name}" for c in table.columns)} FROM {table.name} t {_NEWEST}
                WHERE {_window_clause(1)} {after}
                ORDER BY {", ".join(f"t.{c.name}" for c in table.key)} LIMIT {int(rows_max)}"""
    await warehouse.execute(f"CREATE TEMPORARY TABLE {_CHUNK_TABLE} (LIKE {schema}.{table.name}) ON COMMIT DROP")
    await _pipe(source, warehouse, query, arguments, table)
    updates = ", ".join(f"{c.name} = excluded.{c.name}" for c in table.columns if c not in table.key)
    copied = await warehouse.fetchval(
        f"""WITH written AS (
                INSERT INTO {schema}.{table.name} ({table.column_list}) SELECT {table.column_list} FROM {_CHUNK_TABLE}
                ON CONFLICT ({table.key_list}) DO {"UPDATE SET " + updates if updates else "NOTHING"} RETURNING 1)
            SELECT count(*) FROM written"""
    )
    last = await warehouse.fetchval(
        f"""SELECT json_build_array({", ".join(f"{c.name}::text" for c in table.key)})::text FROM {_CHUNK_TABLE}
            ORDER BY {table.key_list} DESC LIMIT 1"""
    )
    return int(copied), (json.loads(last) if last is not None else None)


async def _pipe(
    source: asyncpg.Connection, warehouse: asyncpg.Connection, query: str, arguments: list[Any], table: Table
) -> None:
    """COPY from the source query into the chunk table, in binary, streamed through a short queue."""
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=8)

    async def produce() -> None:
        # On a failure the task group cancels the reader: the end marker is only for success.
        await source.copy_from_query(query, *arguments, output=queue.put, format="binary")
        await queue.put(None)

    async def received() -> AsyncIterator[bytes]:
        while (data := await queue.get()) is not None:
            yield data

    async with asyncio.TaskGroup() as group:
        group.create_task(produce())
        group.create_task(
            warehouse.copy_to_table(
                _CHUNK_TABLE, source=received(), columns=[c.name for c in table.columns], format="binary"
            )
        )
