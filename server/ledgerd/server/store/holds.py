"""SQL of holds. Their rows are written by the batch write of store.transactions."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ledgerd.server.domain.holds import Hold
from ledgerd.server.store import rows

Executor = Any

HOLD_COLUMNS = "h.*"
ORGANIZATION_JOIN = "JOIN ledgers l ON l.id = h.ledger_id"


async def get_holds(
    db: Executor, organization_id: uuid.UUID, ids: list[uuid.UUID], *, for_update: bool = False
) -> dict[uuid.UUID, Hold]:
    """With for_update, the rows stay locked until the database transaction ends (id order: holds
    are locked before their transactions and accounts, the write path's lock order)."""
    lock = " ORDER BY h.id FOR UPDATE OF h" if for_update else ""
    records = await db.fetch(
        f"SELECT {HOLD_COLUMNS} FROM holds h {ORGANIZATION_JOIN} WHERE h.id = ANY($1::uuid[]) "
        f"AND l.organization_id = $2{lock}",
        ids,
        organization_id,
    )
    return {r["id"]: rows.hold(r) for r in records}


async def holds_of_transactions(db: Executor, transaction_ids: list[uuid.UUID]) -> dict[uuid.UUID, Hold]:
    """Ledger transaction id -> the hold it belongs to."""
    records = await db.fetch("SELECT * FROM holds h WHERE h.ledger_transaction_id = ANY($1::uuid[])", transaction_ids)
    return {r["ledger_transaction_id"]: rows.hold(r) for r in records}


async def holds_with_external_ids(
    db: Executor, organization_id: uuid.UUID, external_ids: list[str]
) -> dict[tuple[uuid.UUID, str], Hold]:
    records = await db.fetch(
        f"SELECT {HOLD_COLUMNS} FROM holds h {ORGANIZATION_JOIN} WHERE l.organization_id = $1 "
        "AND h.external_id = ANY($2::text[])",
        organization_id,
        external_ids,
    )
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


HOLD_PARAMETERS = 17


def upsert_statement(first: int) -> str:
    """The INSERT ... ON CONFLICT of the holds a write places or changes, for a CTE of the write's
    one statement (store.transactions.WRITE_SQL), its arrays numbered from `first`."""
    p = [f"${first + i}" for i in range(HOLD_PARAMETERS)]
    return f"""
    INSERT INTO holds (id, ledger_id, ledger_account_id, counter_ledger_account_id, amount, captured_amount,
        currency, status, external_id, expires_at, ledger_transaction_id, capture_ledger_transaction_ids,
        available_balance_floor, metadata, request_fingerprint, created_at, updated_at)
    -- Capture ids come comma-separated: unnest cannot take an array of arrays of different lengths.
    SELECT u.id, u.ledger_id, u.ledger_account_id, u.counter_ledger_account_id, u.amount, u.captured_amount,
        u.currency, u.status, u.external_id, u.expires_at, u.ledger_transaction_id,
        coalesce(string_to_array(nullif(u.captures, ''), ',')::uuid[], '{{}}'), u.floor, u.metadata, u.fingerprint,
        u.created_at, u.updated_at
    FROM unnest({p[0]}::uuid[], {p[1]}::uuid[], {p[2]}::uuid[], {p[3]}::uuid[], {p[4]}::bigint[], {p[5]}::bigint[],
        {p[6]}::text[], {p[7]}::text[], {p[8]}::text[], {p[9]}::timestamptz[], {p[10]}::uuid[], {p[11]}::text[],
        {p[12]}::bigint[], {p[13]}::jsonb[], {p[14]}::bytea[], {p[15]}::timestamptz[], {p[16]}::timestamptz[])
        AS u(id, ledger_id, ledger_account_id, counter_ledger_account_id, amount, captured_amount, currency, status,
             external_id, expires_at, ledger_transaction_id, captures, floor, metadata, fingerprint, created_at,
             updated_at)
    ON CONFLICT (id) DO UPDATE SET amount = EXCLUDED.amount, captured_amount = EXCLUDED.captured_amount,
        status = EXCLUDED.status, capture_ledger_transaction_ids = EXCLUDED.capture_ledger_transaction_ids,
        updated_at = EXCLUDED.updated_at
        -- The paired assertion of the row lock: only a pending hold changes.
        WHERE holds.status = 'pending'
    RETURNING 1"""


def upsert_arguments(holds: list[Hold]) -> list[list[Any]]:
    """The arrays of upsert_statement, one item per hold."""
    rows = [
        (
            h.id,
            h.ledger_id,
            h.ledger_account_id,
            h.counter_ledger_account_id,
            h.amount,
            h.captured_amount,
            h.currency,
            h.status.value,
            h.external_id,
            h.expires_at,
            h.ledger_transaction_id,
            ",".join(str(c) for c in h.capture_ledger_transaction_ids),
            h.available_balance_floor,
            h.metadata,
            h.request_fingerprint,
            h.created_at,
            h.updated_at,
        )
        for h in holds
    ]
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(HOLD_PARAMETERS)]
