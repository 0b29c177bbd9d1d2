"""The rows `ledgerd export` writes, read through a server-side cursor: each fetch brings the next
`rows_per_fetch` rows, so memory stays flat however large the ledger. Columns come in the order and
with the names of domain/exports.py; ids, metadata and id lists are cast to text by PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg

# One per table of domain/exports.py, selecting its columns in its order.
QUERIES: dict[str, str] = {
    "ledger_accounts": """
        SELECT a.id::text, a.ledger_id::text, a.name, a.description, a.normal_balance, a.currency,
               a.currency_exponent, a.posted_credits, a.posted_debits, a.pending_credits, a.pending_debits,
               a.lock_version, a.metadata::text, a.created_at, a.updated_at
        FROM ledger_accounts a WHERE a.ledger_id = $1 ORDER BY a.id""",
    "ledger_transactions": """
        SELECT t.id::text, t.ledger_id::text, t.description, t.status, t.external_id, t.effective_at, t.posted_at,
               t.reverses_ledger_transaction_id::text, t.partially_posts_ledger_transaction_id::text,
               t.ledgerable_type, t.ledgerable_id::text, t.metadata::text, t.created_at, t.updated_at
        FROM ledger_transactions t WHERE t.ledger_id = $1 ORDER BY t.id""",
    # Through the ledger's accounts (an entry has no ledger_id of its own), in id order.
    "ledger_entries": """
        SELECT e.id::text, e.ledger_transaction_id::text, e.ledger_account_id::text, e.direction, e.amount,
               a.currency, a.currency_exponent, t.status, t.effective_at, e.ledger_account_lock_version,
               e.metadata::text, e.created_at, e.discarded_at
        FROM ledger_accounts a
        JOIN ledger_entries e ON e.ledger_id = a.ledger_id AND e.ledger_account_id = a.id
        JOIN ledger_transactions t ON t.ledger_id = e.ledger_id AND t.id = e.ledger_transaction_id
        WHERE a.ledger_id = $1 ORDER BY e.id""",
    "holds": """
        SELECT h.id::text, h.ledger_id::text, h.ledger_account_id::text, h.counter_ledger_account_id::text,
               h.amount, h.captured_amount, h.currency, a.currency_exponent, h.status, h.external_id, h.expires_at,
               h.ledger_transaction_id::text, h.capture_ledger_transaction_ids::text[], h.available_balance_floor,
               h.metadata::text, h.created_at, h.updated_at
        FROM holds h JOIN ledger_accounts a ON a.ledger_id = h.ledger_id AND a.id = h.ledger_account_id
        WHERE h.ledger_id = $1 ORDER BY h.id""",
}


async def ledger_exists(connection: asyncpg.Connection, ledger_id: uuid.UUID) -> bool:
    return bool(await connection.fetchval("SELECT EXISTS (SELECT 1 FROM ledgers WHERE id = $1)", ledger_id))


async def fetch_rows(
    connection: asyncpg.Connection, table: str, ledger_id: uuid.UUID, rows_per_fetch: int
) -> AsyncIterator[list[asyncpg.Record]]:
    """The table's rows of the ledger, `rows_per_fetch` at a time. Needs an open transaction (a
    cursor lives in one)."""
    # Every row will be read: plan for the whole result, not for the first 10% of it (PostgreSQL's
    # default for a cursor, which walked every ledger's entries in id order to find this ledger's).
    await connection.execute("SET LOCAL cursor_tuple_fraction = 1.0")
    cursor = await connection.cursor(QUERIES[table], ledger_id)
    while rows := await cursor.fetch(rows_per_fetch):
        yield rows
