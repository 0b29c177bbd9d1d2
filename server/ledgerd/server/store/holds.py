"""SQL of holds. Their rows are written by the batch write of store.transactions."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ledgerd.server.domain.holds import Hold
from ledgerd.server.store import rows
from ledgerd.server.store.placement import LEDGERS, ByIds

Executor = Any

HOLD_COLUMNS = "h.*"
ORGANIZATION_JOIN = "JOIN ledgers l ON l.id = h.ledger_id"


_HOLDS = ByIds(
    f"SELECT {HOLD_COLUMNS}, h.xmin AS row_version FROM holds h {ORGANIZATION_JOIN} "
    "WHERE h.id = ANY($1::uuid[]) AND l.organization_id = $2 {ledger}",
    "h.ledger_id",
)


async def get_holds(
    db: Executor, organization_id: uuid.UUID, ids: list[uuid.UUID], row_versions: dict[uuid.UUID, int] | None = None
) -> dict[uuid.UUID, Hold]:
    """With `row_versions`, also each row's version (xmin), which the batch write asserts is
    unchanged when it changes the hold."""
    records = await _HOLDS.fetch_ids(db, ids, ids, organization_id)
    if row_versions is not None:
        row_versions.update((r["id"], r["row_version"]) for r in records)
    return {r["id"]: rows.hold(r) for r in records}


_HOLDS_OF_TRANSACTIONS = ByIds(
    "SELECT * FROM holds h WHERE h.ledger_transaction_id = ANY($1::uuid[]) {ledger}", "h.ledger_id"
)


async def holds_of_transactions(db: Executor, transaction_ids: list[uuid.UUID]) -> dict[uuid.UUID, Hold]:
    """Ledger transaction id -> the hold it belongs to."""
    records = await _HOLDS_OF_TRANSACTIONS.fetch(db, LEDGERS.ledger_of(transaction_ids), transaction_ids)
    LEDGERS.learn_rows(records)
    return {r["ledger_transaction_id"]: rows.hold(r) for r in records}


_HOLDS_WITH_EXTERNAL_IDS = ByIds(
    f"SELECT {HOLD_COLUMNS} FROM holds h {ORGANIZATION_JOIN} WHERE l.organization_id = $1 "
    "AND h.external_id = ANY($2::text[]) {ledger}",
    "h.ledger_id",
)


async def holds_with_external_ids(
    db: Executor, organization_id: uuid.UUID, external_ids: list[str], ledger_id: uuid.UUID | None = None
) -> dict[tuple[uuid.UUID, str], Hold]:
    """(ledger id, external id) -> hold; of `ledger_id`'s alone when given."""
    records = await _HOLDS_WITH_EXTERNAL_IDS.fetch(db, ledger_id, organization_id, external_ids)
    LEDGERS.learn_rows(records)
    return {(r["ledger_id"], r["external_id"]): rows.hold(r) for r in records}


async def list_holds(
    db: Executor,
    organization_id: uuid.UUID,
    after: uuid.UUID | None,
    limit: int,
    *,
    ledger_account_id: uuid.UUID | None,
    status: str | None,
    external_id: str | None,
    metadata: Mapping[str, str],
) -> list[Hold]:
    records = await db.fetch(
        f"""SELECT {HOLD_COLUMNS} FROM holds h {ORGANIZATION_JOIN}
            WHERE l.organization_id = $1 AND ($2::uuid IS NULL OR h.id > $2)
              AND ($3::uuid IS NULL OR h.ledger_account_id = $3) AND ($4::text IS NULL OR h.status = $4)
              AND ($5::text IS NULL OR h.external_id = $5) AND {rows.metadata_contains("h", "$7", metadata)}
            ORDER BY h.id LIMIT $6""",
        organization_id,
        after,
        ledger_account_id,
        status,
        external_id,
        limit,
        dict(metadata),
    )
    return [rows.hold(r) for r in records]


async def due_holds(db: Executor, now: datetime, limit: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(organization id, hold id) of pending holds expired by `now`, earliest first."""
    records = await db.fetch(
        """SELECT l.organization_id, h.id FROM holds h JOIN ledgers l ON l.id = h.ledger_id
           WHERE h.status = 'pending' AND h.expires_at <= $1 ORDER BY h.expires_at LIMIT $2""",
        now,
        limit,
    )
    return [(r["organization_id"], r["id"]) for r in records]


async def oldest_due(db: Executor, now: datetime) -> datetime | None:
    """The expires_at of the most overdue pending hold (None: none is due), by the expirer's index."""
    value: datetime | None = await db.fetchval(
        """SELECT min(expires_at) FROM holds WHERE status = 'pending' AND expires_at IS NOT NULL
           AND expires_at <= $1""",
        now,
    )
    return value
