"""SQL of ledger_account_versions read in order: what balance watchers follow."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ledgerd.server.domain.watching import AccountVersion
from ledgerd.server.store import rows

Executor = Any

# The channel of the notification sent after each commit that wrote account versions, while a
# listener is registered (0006_write_path.sql).
CHANNEL = "ledgerd_balances"


async def register_listener(connection: Any) -> None:
    """Registers the connection's backend as a listener, so that writes notify; removes the rows
    of listeners whose backend is gone (a crashed server's).

    The live backends are read first, in a statement of their own: on Citus the listeners are a
    reference table, and Citus refuses a modification of one that reads a local catalog view
    ("relation pg_database is not distributed"). A row is removed only if it was made before
    that read (a row's created_at is its own registration's read time), so a listener that
    registers meanwhile, whose backend the read may have missed, keeps its row."""
    # The backend and the time are read here too and sent as values: Citus sends a reference
    # table's modification to every node, where pg_backend_pid() would name another backend.
    live, own, read_at = await connection.fetchrow(
        "SELECT array_agg(pid), pg_backend_pid(), clock_timestamp() FROM pg_stat_activity WHERE pid IS NOT NULL"
    )
    await connection.execute(
        "DELETE FROM ledgerd_balance_listeners WHERE backend_pid <> ALL($1::int[]) AND created_at < $2",
        live,
        read_at,
    )
    await connection.execute(
        """INSERT INTO ledgerd_balance_listeners (backend_pid, created_at) VALUES ($1, $2)
           ON CONFLICT (backend_pid) DO NOTHING""",
        own,
        read_at,
    )


async def unregister_listener(connection: Any) -> None:
    own = await connection.fetchval("SELECT pg_backend_pid()")
    await connection.execute("DELETE FROM ledgerd_balance_listeners WHERE backend_pid = $1", own)


async def versions_after(db: Executor, cursors: Mapping[uuid.UUID, int], limit: int) -> list[AccountVersion]:
    """Up to `limit` versions newer than each account's cursor, per account in lock_version order."""
    records = await db.fetch(
        """SELECT v.ledger_account_id, v.lock_version, v.ledger_transaction_id, v.posted_credits, v.posted_debits,
                  v.pending_credits, v.pending_debits, a.normal_balance, a.currency, a.currency_exponent
           FROM unnest($1::uuid[], $2::bigint[]) AS c(ledger_account_id, after)
           JOIN ledger_account_versions v ON v.ledger_account_id = c.ledger_account_id AND v.lock_version > c.after
           JOIN ledger_accounts a ON a.ledger_id = v.ledger_id AND a.id = v.ledger_account_id
           ORDER BY v.ledger_account_id, v.lock_version LIMIT $3""",
        list(cursors),
        list(cursors.values()),
        limit,
    )
    return [
        AccountVersion(
            ledger_account_id=r["ledger_account_id"],
            lock_version=r["lock_version"],
            ledger_transaction_id=r["ledger_transaction_id"],
            balances=rows.balances(r),
        )
        for r in records
    ]
