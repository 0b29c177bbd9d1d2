"""SQL of past balances: as of an effective time (ledgerd_ledger_totals_as_of, migration 0017),
right after a lock_version (ledger_account_versions), and the parts of an account statement."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ledgerd.server.domain.balances import BalanceTotals
from ledgerd.server.domain.model import LedgerAccount, LedgerEntry
from ledgerd.server.store import rows

Executor = Any

TOTAL_COLUMNS = ("posted_credits", "posted_debits", "pending_credits", "pending_debits")


def summed_totals(row: rows.Row, prefix: str = "") -> BalanceTotals:
    """Totals from numeric sums (NULL: nothing counted). Past totals of one account are parts of
    its stored ones and fit int64; sums over many accounts are checked by the caller."""
    return BalanceTotals(*(int(row[f"{prefix}{column}"] or 0) for column in TOTAL_COLUMNS))


def _prefixed(alias: str, prefix: str) -> str:
    return ", ".join(f"{alias}.{column} AS {prefix}{column}" for column in TOTAL_COLUMNS)


async def totals_as_of(
    db: Executor, ledger_id: uuid.UUID, account_ids: list[uuid.UUID], bound: datetime, *, inclusive: bool
) -> dict[uuid.UUID, BalanceTotals]:
    """The totals of accounts of the one ledger counting the entries effective before `bound` (or
    at it, when `inclusive`), by ledgerd_ledger_totals_as_of (migration 0017): a statement on the
    ledger's shard on Citus. An account without such entries has none."""
    records = await db.fetch(
        "SELECT * FROM ledgerd_ledger_totals_as_of($1, $2::uuid[], $3, $4)", ledger_id, account_ids, bound, inclusive
    )
    return {r["ledger_account_id"]: summed_totals(r) for r in records}


async def account_at_version(
    db: Executor, organization_id: uuid.UUID, account_id: uuid.UUID, lock_version: int
) -> tuple[LedgerAccount, BalanceTotals | None] | None:
    """The account (current) and its totals right after `lock_version` (None: no such version row)."""
    row = await db.fetchrow(
        f"""SELECT a.*, v.lock_version AS version_lock_version, {_prefixed("v", "version_")}
            FROM ledger_accounts a JOIN ledgers l ON l.id = a.ledger_id
            LEFT JOIN ledger_account_versions v
                ON v.ledger_id = a.ledger_id AND v.ledger_account_id = a.id AND v.lock_version = $3
            WHERE a.id = $1 AND l.organization_id = $2""",
        account_id,
        organization_id,
        lock_version,
    )
    if row is None:
        return None
    version = summed_totals(row, "version_") if row["version_lock_version"] is not None else None
    return rows.ledger_account(row), version


async def entries_in_period(
    db: Executor, account_id: uuid.UUID, lower_bound: datetime, upper_bound: datetime, limit: int
) -> list[LedgerEntry]:
    """The entries that count (not discarded, transaction not archived) of transactions effective
    in [lower_bound, upper_bound), by effective time, then in the order written."""
    records = await db.fetch(
        f"""SELECT {rows.ENTRY_COLUMNS} FROM ledger_entries e {rows.ENTRY_JOINS}
            WHERE e.ledger_account_id = $1 AND e.discarded_at IS NULL AND t.status <> 'archived'
              AND t.effective_at >= $2 AND t.effective_at < $3
            ORDER BY t.effective_at, e.ledger_account_lock_version, e.id LIMIT $4""",
        account_id,
        lower_bound,
        upper_bound,
        limit,
    )
    return [rows.ledger_entry(r) for r in records]
