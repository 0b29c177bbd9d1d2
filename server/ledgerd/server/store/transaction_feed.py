"""SQL of the change feed of ledger transactions: versions by the database transaction that wrote
them (ledger_transaction_versions.xact_id, migration 0008), below the oldest one still running."""

from __future__ import annotations

import uuid
from typing import Any

from ledgerd.server.domain.model import LedgerTransactionVersion
from ledgerd.server.domain.transaction_feed import FeedPosition
from ledgerd.server.store.transactions import VERSION_COLUMNS, versions_with_entries

Executor = Any


async def horizon(db: Executor, ledger_id: uuid.UUID) -> int:
    """The oldest database transaction still running (or the next to start) where the ledger's
    versions are written: every one before it has committed or aborted, so no version with a
    smaller xact_id can still appear. Asked through ledgerd_feed_horizon (migration 0015), which
    Citus runs on the ledger's worker, whose transaction ids the versions carry there."""
    # The call alone, uncast: Citus delegates a statement that is exactly one function call.
    value: int = await db.fetchval("SELECT ledgerd_feed_horizon($1)", ledger_id)
    return int(value)


async def versions_after(
    db: Executor, ledger_id: uuid.UUID, after: FeedPosition, below_xact_id: int, limit: int
) -> list[tuple[FeedPosition, LedgerTransactionVersion]]:
    """The ledger's versions after `after` whose xact_id is below `below_xact_id` (a horizon read
    earlier: all of them have committed, so this read sees every one), in feed order."""
    records = await db.fetch(
        f"""SELECT v.xact_id::text AS xact_id, {VERSION_COLUMNS}
            FROM ledger_transaction_versions v
            JOIN ledger_transactions t ON t.ledger_id = v.ledger_id AND t.id = v.ledger_transaction_id
            WHERE (v.xact_id, v.ledger_transaction_id, v.version) > ($2::text::xid8, $3::uuid, $4::bigint)
              AND v.xact_id < $5::text::xid8 AND v.ledger_id = $1
            ORDER BY v.xact_id, v.ledger_transaction_id, v.version LIMIT $6""",
        ledger_id,
        str(after.xact_id),
        after.ledger_transaction_id,
        after.version,
        str(below_xact_id),
        limit,
    )
    versions = await versions_with_entries(db, records)
    return [
        (FeedPosition(int(r["xact_id"]), r["id"], r["version"]), version)
        for r, version in zip(records, versions, strict=True)
    ]
