"""SQL of ledger transactions and entries: the reads of the write path's snapshot and of the API.
The write itself is store.batch_write."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ledgerd.server.domain.model import LedgerAccount, LedgerEntry, LedgerTransaction, LedgerTransactionVersion
from ledgerd.server.domain.monitors import BalanceMonitor
from ledgerd.server.store import monitors, rows
from ledgerd.server.store.placement import LEDGERS, ByIds

Executor = Any


_TRANSACTIONS = ByIds(
    f"""SELECT {rows.transaction_columns("{ledger_id}")}, t.xmin AS row_version FROM ledger_transactions t
        JOIN ledgers l ON l.id = t.ledger_id WHERE t.id = ANY($1::uuid[]) AND l.organization_id = $2 {{ledger}}""",
    "t.ledger_id",
)


async def get_transactions(
    db: Executor, organization_id: uuid.UUID, ids: list[uuid.UUID], row_versions: dict[uuid.UUID, int] | None = None
) -> dict[uuid.UUID, LedgerTransaction]:
    """The transactions with their current entries; with `row_versions`, also each row's version
    (xmin), which the batch write asserts is unchanged when it changes the transaction."""
    records = await _TRANSACTIONS.fetch_ids(db, ids, ids, organization_id)
    if row_versions is not None:
        row_versions.update((r["id"], r["row_version"]) for r in records)
    entries = await entries_of(db, [r["id"] for r in records])
    return {r["id"]: rows.ledger_transaction(r, entries.get(r["id"], ())) for r in records}


_FINGERPRINTS = ByIds(
    "SELECT id, request_fingerprint FROM ledger_transactions WHERE id = ANY($1::uuid[]) {ledger}", "ledger_id"
)


async def fingerprints(db: Executor, ids: list[uuid.UUID]) -> dict[uuid.UUID, bytes]:
    if not ids:
        return {}
    records = await _FINGERPRINTS.fetch(db, LEDGERS.ledger_of(ids), ids)
    return {r["id"]: bytes(r["request_fingerprint"]) for r in records}


_ENTRIES_OF = ByIds(
    f"""SELECT {rows.ENTRY_COLUMNS} FROM ledger_entries e {rows.ENTRY_JOINS}
        WHERE e.ledger_transaction_id = ANY($1::uuid[]) AND e.discarded_at IS NULL {{ledger}}""",
    "e.ledger_id",
)


async def entries_of(db: Executor, transaction_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[LedgerEntry, ...]]:
    if not transaction_ids:
        return {}
    # Sorted here, not by ORDER BY e.id: a generic plan, not knowing how few transactions $1 names,
    # chose to walk the whole primary key in id order instead (measured 25 ms at 40,000 entries).
    records = await _ENTRIES_OF.fetch(db, LEDGERS.ledger_of(transaction_ids), transaction_ids)
    grouped: dict[uuid.UUID, list[LedgerEntry]] = {}
    for record in sorted(records, key=lambda r: r["id"]):
        grouped.setdefault(record["ledger_transaction_id"], []).append(rows.ledger_entry(record))
    return {k: tuple(v) for k, v in grouped.items()}


_LIVE_EXTERNAL_IDS = ByIds(
    """SELECT t.ledger_id, t.external_id, t.id FROM ledger_transactions t JOIN ledgers l ON l.id = t.ledger_id
       WHERE l.organization_id = $1 AND t.external_id = ANY($2::text[]) AND t.status <> 'archived' {ledger}""",
    "t.ledger_id",
)


async def live_external_ids(
    db: Executor, organization_id: uuid.UUID, external_ids: list[str], ledger_id: uuid.UUID | None = None
) -> dict[tuple[uuid.UUID, str], uuid.UUID]:
    """(ledger id, external id) -> transaction id, among pending and posted transactions; of
    `ledger_id`'s alone when given."""
    records = await _LIVE_EXTERNAL_IDS.fetch(db, ledger_id, organization_id, external_ids)
    LEDGERS.learn_rows(records)
    return {(r["ledger_id"], r["external_id"]): r["id"] for r in records}


async def lock_ledger_accounts(db: Executor, organization_id: uuid.UUID, account_ids: list[uuid.UUID]) -> None:
    """Advisory-locks the organization's accounts among `account_ids` in the global lock order
    (docs/design.md, "Concurrency design"), until the database transaction ends: the write path's
    last attempt, which reads and decides under the locks."""
    await db.execute("SELECT count(*) FROM ledgerd_lock_ledger_accounts($1, $2::uuid[])", organization_id, account_ids)


_ACCOUNTS = ByIds(
    f"""SELECT a.*, {monitors.MONITORED} FROM ledger_accounts a JOIN ledgers l ON l.id = a.ledger_id
        WHERE a.id = ANY($2::uuid[]) AND l.organization_id = $1 {{ledger}}""",
    "a.ledger_id",
)


async def read_ledger_accounts(
    db: Executor, organization_id: uuid.UUID, account_ids: list[uuid.UUID]
) -> tuple[dict[uuid.UUID, LedgerAccount], dict[uuid.UUID, tuple[BalanceMonitor, ...]]]:
    """The organization's accounts among `account_ids` and their balance monitors, as committed."""
    records = await _ACCOUNTS.fetch_ids(db, account_ids, organization_id, account_ids)
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
              AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM ledger_entries e
                                               WHERE e.ledger_id = t.ledger_id AND e.ledger_transaction_id = t.id
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


# A transaction version as a transaction row (rows.ledger_transaction) plus its version number;
# from ledger_transaction_versions v joined with ledger_transactions t.
VERSION_COLUMNS = """v.ledger_transaction_id AS id, t.ledger_id, v.description, v.status, v.external_id,
    v.effective_at, v.posted_at, v.metadata, t.reverses_ledger_transaction_id,
    t.partially_posts_ledger_transaction_id, t.created_at, v.created_at AS updated_at,
    NULL::uuid AS reversed_by_ledger_transaction_id, t.ledgerable_type, t.ledgerable_id, v.version"""


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
        f"""SELECT {VERSION_COLUMNS}
            FROM ledger_transaction_versions v
            JOIN ledger_transactions t ON t.ledger_id = v.ledger_id AND t.id = v.ledger_transaction_id
            WHERE v.ledger_transaction_id = $1 AND ($2::bigint IS NULL OR v.version > $2)
              AND ($3::bigint IS NULL OR v.version >= $3) AND ($4::bigint IS NULL OR v.version < $4)
            ORDER BY v.version LIMIT $5""",
        transaction_id,
        after,
        version_lower_bound,
        version_upper_bound,
        limit,
    )
    return await versions_with_entries(db, records)


async def versions_with_entries(db: Executor, records: list[rows.Row]) -> list[LedgerTransactionVersion]:
    """The versions of `records` (VERSION_COLUMNS rows), in their order, each with the entries its
    version recorded, every entry with its account's balances right after it."""
    entry_records = await db.fetch(
        f"""SELECT v.version, x.id, v.ledger_transaction_id, x.ledger_account_id, x.direction, x.amount,
                   x.ledger_account_lock_version, x.metadata, x.created_at, NULL::timestamptz AS discarded_at,
                   v.status, v.effective_at, a.normal_balance, a.currency, a.currency_exponent,
                   {rows.RESULTING_COLUMNS}
            FROM unnest($1::uuid[], $2::bigint[]) AS wanted (ledger_transaction_id, version)
            JOIN ledger_transaction_versions v
                ON v.ledger_transaction_id = wanted.ledger_transaction_id AND v.version = wanted.version
            CROSS JOIN LATERAL jsonb_to_recordset(v.ledger_entries) AS x(id uuid, ledger_account_id uuid,
                direction text, amount bigint, ledger_account_lock_version bigint,
                metadata jsonb, created_at timestamptz)
            JOIN ledger_accounts a ON a.ledger_id = v.ledger_id AND a.id = x.ledger_account_id
            LEFT JOIN ledger_account_versions r ON r.ledger_id = v.ledger_id
                AND r.ledger_account_id = x.ledger_account_id AND r.lock_version = x.ledger_account_lock_version
            ORDER BY x.id""",
        [r["id"] for r in records],
        [r["version"] for r in records],
    )
    entries: dict[tuple[uuid.UUID, int], list[LedgerEntry]] = {}
    for record in entry_records:
        entries.setdefault((record["ledger_transaction_id"], record["version"]), []).append(rows.ledger_entry(record))
    return [
        LedgerTransactionVersion(
            rows.ledger_transaction(r, tuple(entries.get((r["id"], r["version"]), ()))), r["version"], r["updated_at"]
        )
        for r in records
    ]
