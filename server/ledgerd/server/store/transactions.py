"""SQL of ledger transactions and entries: reads, the locks of a write, and the write itself in
one statement."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledgerd.server.domain.errors import invariant
from ledgerd.server.domain.events import LedgerableEvent
from ledgerd.server.domain.holds import Hold
from ledgerd.server.domain.model import LedgerAccount, LedgerEntry, LedgerTransaction, LedgerTransactionVersion
from ledgerd.server.domain.monitors import BalanceMonitor, BalanceMonitorAlert
from ledgerd.server.store import events, holds, monitors, rows

Executor = Any


async def get_transactions(
    db: Executor, organization_id: uuid.UUID, ids: list[uuid.UUID], *, for_update: bool = False
) -> dict[uuid.UUID, LedgerTransaction]:
    """The transactions with their current entries. With for_update, their rows stay locked until
    the database transaction ends (taken in id order: concurrent updates never deadlock)."""
    lock = " ORDER BY t.id FOR UPDATE OF t" if for_update else ""
    records = await db.fetch(
        f"""SELECT {rows.TRANSACTION_COLUMNS} FROM ledger_transactions t JOIN ledgers l ON l.id = t.ledger_id
            WHERE t.id = ANY($1::uuid[]) AND l.organization_id = $2{lock}""",
        ids,
        organization_id,
    )
    entries = await entries_of(db, [r["id"] for r in records])
    return {r["id"]: rows.ledger_transaction(r, entries.get(r["id"], ())) for r in records}


async def fingerprints(db: Executor, ids: list[uuid.UUID]) -> dict[uuid.UUID, bytes]:
    records = await db.fetch("SELECT id, request_fingerprint FROM ledger_transactions WHERE id = ANY($1::uuid[])", ids)
    return {r["id"]: bytes(r["request_fingerprint"]) for r in records}


async def entries_of(db: Executor, transaction_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[LedgerEntry, ...]]:
    if not transaction_ids:
        return {}
    records = await db.fetch(
        f"""SELECT {rows.ENTRY_COLUMNS} FROM ledger_entries e {rows.ENTRY_JOINS}
            WHERE e.ledger_transaction_id = ANY($1::uuid[]) AND e.discarded_at IS NULL ORDER BY e.id""",
        transaction_ids,
    )
    grouped: dict[uuid.UUID, list[LedgerEntry]] = {}
    for record in records:
        grouped.setdefault(record["ledger_transaction_id"], []).append(rows.ledger_entry(record))
    return {k: tuple(v) for k, v in grouped.items()}


async def live_external_ids(
    db: Executor, organization_id: uuid.UUID, external_ids: list[str]
) -> dict[tuple[uuid.UUID, str], uuid.UUID]:
    """(ledger id, external id) -> transaction id, among pending and posted transactions."""
    records = await db.fetch(
        """SELECT t.ledger_id, t.external_id, t.id FROM ledger_transactions t JOIN ledgers l ON l.id = t.ledger_id
           WHERE l.organization_id = $1 AND t.external_id = ANY($2::text[]) AND t.status <> 'archived'""",
        organization_id,
        external_ids,
    )
    return {(r["ledger_id"], r["external_id"]): r["id"] for r in records}


async def lock_ledger_accounts(
    db: Executor, organization_id: uuid.UUID, account_ids: list[uuid.UUID]
) -> tuple[dict[uuid.UUID, LedgerAccount], dict[uuid.UUID, tuple[BalanceMonitor, ...]]]:
    """Advisory-locks the organization's accounts among `account_ids` in the global lock order,
    then reads them and their balance monitors (DESIGN.md, "Concurrency design"). Held until the
    database transaction ends."""
    records = await db.fetch(
        f"SELECT a.*, {monitors.MONITORED} FROM ledgerd_lock_ledger_accounts($1, $2::uuid[]) a",
        organization_id,
        account_ids,
    )
    accounts = {r["id"]: rows.ledger_account(r) for r in records}
    monitored = [r["id"] for r in records if r["monitored"]]
    return accounts, await monitors.monitors_of(db, monitored) if monitored else {}


async def list_transactions(
    db: Executor,
    organization_id: uuid.UUID,
    after: uuid.UUID | None,
    limit: int,
    *,
    ledger_id: uuid.UUID | None,
    ledger_account_id: uuid.UUID | None,
    status: str | None,
    external_id: str | None,
    metadata: Mapping[str, str],
    effective_at_lower_bound: datetime | None,
    effective_at_upper_bound: datetime | None,
) -> list[LedgerTransaction]:
    records = await db.fetch(
        f"""SELECT {rows.TRANSACTION_COLUMNS} FROM ledger_transactions t JOIN ledgers l ON l.id = t.ledger_id
            WHERE l.organization_id = $1 AND ($2::uuid IS NULL OR t.id > $2)
              AND ($3::uuid IS NULL OR t.ledger_id = $3)
              AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM ledger_entries e WHERE e.ledger_transaction_id = t.id
                                               AND e.ledger_account_id = $4 AND e.discarded_at IS NULL))
              AND ($5::text IS NULL OR t.status = $5) AND ($6::text IS NULL OR t.external_id = $6)
              AND {rows.metadata_contains("t", "$7", metadata)}
              AND ($8::timestamptz IS NULL OR t.effective_at >= $8) AND ($9::timestamptz IS NULL OR t.effective_at < $9)
            ORDER BY t.id LIMIT $10""",
        organization_id,
        after,
        ledger_id,
        ledger_account_id,
        status,
        external_id,
        dict(metadata),
        effective_at_lower_bound,
        effective_at_upper_bound,
        limit,
    )
    entries = await entries_of(db, [r["id"] for r in records])
    return [rows.ledger_transaction(r, entries.get(r["id"], ())) for r in records]


async def get_entry(db: Executor, organization_id: uuid.UUID, entry_id: uuid.UUID) -> LedgerEntry | None:
    row = await db.fetchrow(
        f"""SELECT {rows.ENTRY_COLUMNS} FROM ledger_entries e {rows.ENTRY_JOINS} JOIN ledgers l ON l.id = t.ledger_id
            WHERE e.id = $1 AND l.organization_id = $2""",
        entry_id,
        organization_id,
    )
    return rows.ledger_entry(row) if row else None


async def list_entries(
    db: Executor,
    organization_id: uuid.UUID,
    after: uuid.UUID | None,
    limit: int,
    *,
    ledger_account_id: uuid.UUID | None,
    ledger_transaction_id: uuid.UUID | None,
    status: str | None,
    direction: str | None,
    effective_at_lower_bound: datetime | None,
    effective_at_upper_bound: datetime | None,
    show_discarded: bool,
    metadata: Mapping[str, str],
    ledger_account_lock_version_lower_bound: int | None,
    ledger_account_lock_version_upper_bound: int | None,
) -> list[LedgerEntry]:
    records = await db.fetch(
        f"""SELECT {rows.ENTRY_COLUMNS} FROM ledger_entries e {rows.ENTRY_JOINS} JOIN ledgers l ON l.id = t.ledger_id
            WHERE l.organization_id = $1 AND ($2::uuid IS NULL OR e.id > $2)
              AND ($3::uuid IS NULL OR e.ledger_account_id = $3) AND ($4::uuid IS NULL OR e.ledger_transaction_id = $4)
              AND ($5::text IS NULL OR t.status = $5) AND ($6::text IS NULL OR e.direction = $6)
              AND ($7::timestamptz IS NULL OR t.effective_at >= $7) AND ($8::timestamptz IS NULL OR t.effective_at < $8)
              AND ($9 OR e.discarded_at IS NULL) AND {rows.metadata_contains("e", "$11", metadata)}
              AND ($12::bigint IS NULL OR e.ledger_account_lock_version >= $12)
              AND ($13::bigint IS NULL OR e.ledger_account_lock_version < $13)
            ORDER BY e.id LIMIT $10""",
        organization_id,
        after,
        ledger_account_id,
        ledger_transaction_id,
        status,
        direction,
        effective_at_lower_bound,
        effective_at_upper_bound,
        show_discarded,
        limit,
        dict(metadata),
        ledger_account_lock_version_lower_bound,
        ledger_account_lock_version_upper_bound,
    )
    return [rows.ledger_entry(r) for r in records]


async def list_versions(
    db: Executor,
    transaction_id: uuid.UUID,
    after: int | None,
    limit: int,
    *,
    version_lower_bound: int | None,
    version_upper_bound: int | None,
) -> list[LedgerTransactionVersion]:
    """The transaction's versions in order, each with the entries it had then."""
    records = await db.fetch(
        """SELECT v.ledger_transaction_id AS id, t.ledger_id, v.description, v.status, v.external_id, v.effective_at,
                   v.posted_at, v.metadata, t.reverses_ledger_transaction_id, t.partially_posts_ledger_transaction_id,
                   t.created_at, v.created_at AS updated_at, NULL::uuid AS reversed_by_ledger_transaction_id,
                   t.ledgerable_type, t.ledgerable_id,
                   v.version
            FROM ledger_transaction_versions v JOIN ledger_transactions t ON t.id = v.ledger_transaction_id
            WHERE v.ledger_transaction_id = $1 AND ($2::bigint IS NULL OR v.version > $2)
              AND ($3::bigint IS NULL OR v.version >= $3) AND ($4::bigint IS NULL OR v.version < $4)
            ORDER BY v.version LIMIT $5""",
        transaction_id,
        after,
        version_lower_bound,
        version_upper_bound,
        limit,
    )
    entry_records = await db.fetch(
        f"""SELECT v.version, x.id, v.ledger_transaction_id, x.ledger_account_id, x.direction, x.amount,
                   x.ledger_account_lock_version, x.metadata, x.created_at, NULL::timestamptz AS discarded_at,
                   v.status, v.effective_at, a.normal_balance, a.currency, a.currency_exponent,
                   {rows.RESULTING_COLUMNS}
            FROM ledger_transaction_versions v
            CROSS JOIN LATERAL jsonb_to_recordset(v.ledger_entries) AS x(id uuid, ledger_account_id uuid,
                direction text, amount bigint, ledger_account_lock_version bigint,
                metadata jsonb, created_at timestamptz)
            JOIN ledger_accounts a ON a.id = x.ledger_account_id
            LEFT JOIN ledger_account_versions r
                ON r.ledger_account_id = x.ledger_account_id AND r.lock_version = x.ledger_account_lock_version
            WHERE v.ledger_transaction_id = $1 AND v.version = ANY($2::bigint[])
            ORDER BY x.id""",
        transaction_id,
        [r["version"] for r in records],
    )
    entries: dict[int, list[LedgerEntry]] = {}
    for record in entry_records:
        entries.setdefault(record["version"], []).append(rows.ledger_entry(record))
    return [
        LedgerTransactionVersion(
            rows.ledger_transaction(r, tuple(entries.get(r["version"], ()))), r["version"], r["updated_at"]
        )
        for r in records
    ]


@dataclass
class WriteSet:
    """Everything one database transaction writes, gathered so it goes out in one statement."""

    now: datetime
    organization_id: uuid.UUID
    new_transactions: list[tuple[LedgerTransaction, bytes]] = field(default_factory=list)
    changed_transactions: list[LedgerTransaction] = field(default_factory=list)
    discarded_entries_of: list[uuid.UUID] = field(default_factory=list)
    new_entries: list[LedgerEntry] = field(default_factory=list)
    # (account after, transaction that moved it there), in application order.
    account_versions: list[tuple[LedgerAccount, uuid.UUID]] = field(default_factory=list)
    idempotency_keys: list[tuple[str, bytes, bytes]] = field(default_factory=list)
    # The last state of every hold placed or changed, by id.
    holds: dict[uuid.UUID, Hold] = field(default_factory=dict)
    # Balance monitors created or flipped (last state, by id), and the alerts of the flips.
    monitors: dict[uuid.UUID, BalanceMonitor] = field(default_factory=dict)
    alerts: list[BalanceMonitorAlert] = field(default_factory=list)
    # Ledgerable events whose transactions this write creates (written after them).
    ledgerable_events: list[LedgerableEvent] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (
            self.holds
            or self.new_transactions
            or self.changed_transactions
            or self.new_entries
            or self.account_versions
            or self.idempotency_keys
            or self.monitors
            or self.ledgerable_events
        )


WRITE_SQL = f"""
WITH new_transactions AS (
    INSERT INTO ledger_transactions (id, ledger_id, description, status, external_id, effective_at, posted_at,
        metadata, reverses_ledger_transaction_id, partially_posts_ledger_transaction_id, request_fingerprint,
        created_at, ledgerable_type, ledgerable_id, updated_at)
    SELECT u.*, u.created_at FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],
        $6::timestamptz[], $7::timestamptz[], $8::jsonb[], $9::uuid[], $40::uuid[], $10::bytea[], $11::timestamptz[],
        $41::text[], $42::uuid[])
        AS u(id, ledger_id, description, status, external_id, effective_at, posted_at, metadata, reverses,
             partially_posts, request_fingerprint, created_at, ledgerable_type, ledgerable_id)
    RETURNING 1
), changed_transactions AS (
    UPDATE ledger_transactions t SET status = u.status, posted_at = u.posted_at, description = u.description,
        metadata = u.metadata, effective_at = u.effective_at, updated_at = u.updated_at
    FROM unnest($12::uuid[], $13::text[], $14::timestamptz[], $15::text[], $16::jsonb[], $17::timestamptz[],
        $18::timestamptz[]) AS u(id, status, posted_at, description, metadata, effective_at, updated_at)
    WHERE t.id = u.id AND t.status = 'pending'
    RETURNING 1
), discarded_entries AS (
    UPDATE ledger_entries SET discarded_at = $19
    WHERE ledger_transaction_id = ANY($20::uuid[]) AND discarded_at IS NULL
    RETURNING 1
), new_entries AS (
    INSERT INTO ledger_entries (id, ledger_transaction_id, ledger_account_id, direction, amount,
        ledger_account_lock_version, metadata, discarded_at, created_at)
    SELECT u.*, $19 FROM unnest($21::uuid[], $22::uuid[], $23::uuid[], $24::text[], $25::bigint[], $26::bigint[],
        $27::jsonb[], $39::timestamptz[]) AS u
    RETURNING 1
), final_accounts AS (
    -- The last state of each account in this write, and the version it had before the write.
    SELECT DISTINCT ON (u.id) u.id, u.posted_credits, u.posted_debits, u.pending_credits, u.pending_debits,
        u.lock_version, u.lock_version - count(*) OVER (PARTITION BY u.id) AS previous_lock_version
    FROM unnest($28::uuid[], $29::bigint[], $30::bigint[], $31::bigint[], $32::bigint[], $33::bigint[], $34::uuid[])
        AS u(id, posted_credits, posted_debits, pending_credits, pending_debits, lock_version, ledger_transaction_id)
    ORDER BY u.id, u.lock_version DESC
), changed_accounts AS (
    UPDATE ledger_accounts a SET posted_credits = f.posted_credits, posted_debits = f.posted_debits,
        pending_credits = f.pending_credits, pending_debits = f.pending_debits, lock_version = f.lock_version,
        updated_at = $19
    FROM final_accounts f
    -- The paired assertion of the advisory locks: nobody moved the account since we read it.
    WHERE a.id = f.id AND a.lock_version = f.previous_lock_version
    RETURNING 1
), new_versions AS (
    INSERT INTO ledger_account_versions (ledger_account_id, posted_credits, posted_debits, pending_credits,
        pending_debits, lock_version, ledger_transaction_id, created_at)
    SELECT u.*, $19 FROM unnest($28::uuid[], $29::bigint[], $30::bigint[], $31::bigint[], $32::bigint[],
        $33::bigint[], $34::uuid[]) AS u
    RETURNING 1
), new_keys AS (
    INSERT INTO idempotency_keys (organization_id, idempotency_key, request_fingerprint, response, created_at)
    SELECT $35, u.*, $19 FROM unnest($36::text[], $37::bytea[], $38::bytea[]) AS u
    ON CONFLICT DO NOTHING
    RETURNING 1
), upserted_holds AS ({holds.upsert_statement(43)}
)
SELECT (SELECT count(*) FROM changed_transactions) AS changed_transactions,
       (SELECT count(*) FROM changed_accounts) AS changed_accounts,
       (SELECT count(*) FROM final_accounts) AS final_accounts,
       (SELECT count(*) FROM new_keys) AS new_keys,
       (SELECT count(*) FROM upserted_holds) AS upserted_holds
"""


class IdempotencyKeyRace(Exception):
    """Another request stored one of the keys first: the caller rolls back and replays."""


async def write(db: Executor, ws: WriteSet) -> None:
    new_t = [t for t, _ in ws.new_transactions]
    versions = ws.account_versions
    result = await db.fetchrow(
        WRITE_SQL,
        [t.id for t in new_t],
        [t.ledger_id for t in new_t],
        [t.description for t in new_t],
        [t.status.value for t in new_t],
        [t.external_id for t in new_t],
        [t.effective_at for t in new_t],
        [t.posted_at for t in new_t],
        [t.metadata for t in new_t],
        [t.reverses_ledger_transaction_id for t in new_t],
        [f for _, f in ws.new_transactions],
        [t.created_at for t in new_t],
        [t.id for t in ws.changed_transactions],
        [t.status.value for t in ws.changed_transactions],
        [t.posted_at for t in ws.changed_transactions],
        [t.description for t in ws.changed_transactions],
        [t.metadata for t in ws.changed_transactions],
        [t.effective_at for t in ws.changed_transactions],
        [t.updated_at for t in ws.changed_transactions],
        ws.now,
        ws.discarded_entries_of,
        [e.id for e in ws.new_entries],
        [e.ledger_transaction_id for e in ws.new_entries],
        [e.ledger_account_id for e in ws.new_entries],
        [e.direction.value for e in ws.new_entries],
        [e.amount for e in ws.new_entries],
        [e.ledger_account_lock_version for e in ws.new_entries],
        [e.metadata for e in ws.new_entries],
        [a.id for a, _ in versions],
        [a.totals.posted_credits for a, _ in versions],
        [a.totals.posted_debits for a, _ in versions],
        [a.totals.pending_credits for a, _ in versions],
        [a.totals.pending_debits for a, _ in versions],
        [a.lock_version for a, _ in versions],
        [t for _, t in versions],
        ws.organization_id,
        [k for k, _, _ in ws.idempotency_keys],
        [f for _, f, _ in ws.idempotency_keys],
        [r for _, _, r in ws.idempotency_keys],
        [e.discarded_at for e in ws.new_entries],
        [t.partially_posts_ledger_transaction_id for t in new_t],
        [t.ledgerable_type for t in new_t],
        [t.ledgerable_id for t in new_t],
        *holds.upsert_arguments(list(ws.holds.values())),
    )
    invariant(
        result["changed_transactions"] == len(ws.changed_transactions),
        "a transaction changed by this write was no longer pending",
    )
    invariant(
        result["changed_accounts"] == result["final_accounts"],
        "an account moved while this write held its lock",
    )
    if result["new_keys"] != len(ws.idempotency_keys):
        raise IdempotencyKeyRace()
    invariant(
        result["upserted_holds"] == len(ws.holds),
        f"{len(ws.holds) - result['upserted_holds']} of {len(ws.holds)} holds changed under their row lock",
    )
    if ws.monitors or ws.alerts:
        await monitors.save(db, list(ws.monitors.values()), ws.alerts)
    if ws.ledgerable_events:
        await events.insert_ledgerable_events(db, ws.ledgerable_events)
