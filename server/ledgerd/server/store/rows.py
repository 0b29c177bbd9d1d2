"""Database rows to domain values. SQL column names are the domain's field names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledgerd.server.domain.balances import BalanceTotals, Direction, LedgerBalances, NormalBalance, Status
from ledgerd.server.domain.holds import Hold, HoldStatus
from ledgerd.server.domain.model import Ledger, LedgerAccount, LedgerEntry, LedgerTransaction
from ledgerd.server.domain.monitors import (
    AlertCondition,
    BalanceMonitor,
    BalanceMonitorAlert,
    MonitorField,
    MonitorOperator,
)

Row = Mapping[str, Any]


def metadata_contains(alias: str, parameter: str, metadata: Mapping[str, str]) -> str:
    """A list's metadata filter (every pair must match) for tables written on the hot path, whose GIN
    index leaves out the empty metadata most of their rows have (0005_history.sql): the clause
    names that condition, so the planner may use the partial index. With no filter, a clause that
    holds and keeps the parameter typed."""
    if not metadata:
        return f"{parameter}::jsonb = '{{}}'::jsonb"
    return f"{alias}.metadata @> {parameter}::jsonb AND {alias}.metadata <> '{{}}'::jsonb"


def totals(row: Row, prefix: str = "") -> BalanceTotals:
    return BalanceTotals(
        row[f"{prefix}posted_credits"] or 0,
        row[f"{prefix}posted_debits"] or 0,
        row[f"{prefix}pending_credits"] or 0,
        row[f"{prefix}pending_debits"] or 0,
    )


def balances(row: Row, prefix: str = "") -> LedgerBalances:
    """The three views of the totals `{prefix}posted_credits`... in the row's account's normal balance,
    currency and exponent."""
    return LedgerBalances.of(
        totals(row, prefix), NormalBalance(row["normal_balance"]), row["currency"], row["currency_exponent"]
    )


def ledger(row: Row) -> Ledger:
    return Ledger(
        id=row["id"],
        organization_id=row["organization_id"],
        name=row["name"],
        description=row["description"],
        metadata=row["metadata"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def ledger_account(row: Row) -> LedgerAccount:
    return LedgerAccount(
        id=row["id"],
        ledger_id=row["ledger_id"],
        name=row["name"],
        description=row["description"],
        normal_balance=NormalBalance(row["normal_balance"]),
        currency=row["currency"],
        currency_exponent=row["currency_exponent"],
        metadata=row["metadata"],
        lock_version=row["lock_version"],
        totals=totals(row),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


# The balances of a version row (alias r) as an entry's resulting balances.
RESULTING_COLUMNS = """
    r.posted_credits AS resulting_posted_credits, r.posted_debits AS resulting_posted_debits,
    r.pending_credits AS resulting_pending_credits, r.pending_debits AS resulting_pending_debits
"""

ENTRY_COLUMNS = f"""
    e.id, e.ledger_transaction_id, e.ledger_account_id, e.direction, e.amount,
    e.ledger_account_lock_version, e.metadata, e.created_at, e.discarded_at,
    t.status, t.effective_at, a.normal_balance, a.currency, a.currency_exponent, {RESULTING_COLUMNS}
"""

# Joins an entry (alias e) to its transaction, account and resulting balances (version 0: none).
# Every join between ledger tables names the ledger too: on Citus, tables join on their
# distribution column only (docs/scaling.md); on one PostgreSQL it changes nothing.
ENTRY_JOINS = """
    JOIN ledger_transactions t ON t.ledger_id = e.ledger_id AND t.id = e.ledger_transaction_id
    JOIN ledger_accounts a ON a.ledger_id = e.ledger_id AND a.id = e.ledger_account_id
    LEFT JOIN ledger_account_versions r ON r.ledger_id = e.ledger_id
        AND r.ledger_account_id = e.ledger_account_id AND r.lock_version = e.ledger_account_lock_version
"""


def ledger_entry(row: Row) -> LedgerEntry:
    return LedgerEntry(
        id=row["id"],
        ledger_transaction_id=row["ledger_transaction_id"],
        ledger_account_id=row["ledger_account_id"],
        direction=Direction(row["direction"]),
        amount=row["amount"],
        status=Status(row["status"]),
        effective_at=row["effective_at"],
        ledger_account_lock_version=row["ledger_account_lock_version"],
        resulting_totals=totals(row, "resulting_"),
        normal_balance=NormalBalance(row["normal_balance"]),
        currency=row["currency"],
        currency_exponent=row["currency_exponent"],
        metadata=row["metadata"],
        created_at=row["created_at"],
        discarded_at=row["discarded_at"],
    )


def transaction_columns(ledger_id: str = "t.ledger_id") -> str:
    """A transaction's columns, `t`'s, and its reversal's id. `ledger_id`: what the reversal's ledger
    is compared with; Citus routes the subquery to one shard only when that is the ledger itself (a
    store.placement.ByIds `{ledger_id}`), not when it is the outer row's column."""
    return f"""
    t.id, t.ledger_id, t.description, t.status, t.external_id, t.effective_at, t.posted_at,
    t.metadata, t.reverses_ledger_transaction_id, t.partially_posts_ledger_transaction_id, t.request_fingerprint,
    t.created_at, t.updated_at, t.ledgerable_type, t.ledgerable_id,
    (SELECT r.id FROM ledger_transactions r
      WHERE r.ledger_id = {ledger_id} AND r.reverses_ledger_transaction_id = t.id AND r.status <> 'archived')
      AS reversed_by_ledger_transaction_id
"""


TRANSACTION_COLUMNS = transaction_columns()


def ledger_transaction(row: Row, entries: tuple[LedgerEntry, ...]) -> LedgerTransaction:
    return LedgerTransaction(
        id=row["id"],
        ledger_id=row["ledger_id"],
        description=row["description"],
        status=Status(row["status"]),
        external_id=row["external_id"],
        effective_at=row["effective_at"],
        posted_at=row["posted_at"],
        metadata=row["metadata"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        ledger_entries=entries,
        reverses_ledger_transaction_id=row["reverses_ledger_transaction_id"],
        reversed_by_ledger_transaction_id=row["reversed_by_ledger_transaction_id"],
        partially_posts_ledger_transaction_id=row["partially_posts_ledger_transaction_id"],
        ledgerable_type=row["ledgerable_type"],
        ledgerable_id=row["ledgerable_id"],
    )


def hold(row: Row) -> Hold:
    return Hold(
        id=row["id"],
        ledger_id=row["ledger_id"],
        ledger_account_id=row["ledger_account_id"],
        counter_ledger_account_id=row["counter_ledger_account_id"],
        amount=row["amount"],
        captured_amount=row["captured_amount"],
        currency=row["currency"],
        status=HoldStatus(row["status"]),
        external_id=row["external_id"],
        expires_at=row["expires_at"],
        ledger_transaction_id=row["ledger_transaction_id"],
        available_balance_floor=row["available_balance_floor"],
        metadata=row["metadata"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        request_fingerprint=bytes(row["request_fingerprint"]),
        capture_ledger_transaction_ids=tuple(row["capture_ledger_transaction_ids"]),
    )


def balance_monitor(row: Row) -> BalanceMonitor:
    return BalanceMonitor(
        id=row["id"],
        ledger_account_id=row["ledger_account_id"],
        alert_condition=AlertCondition(MonitorField(row["field"]), MonitorOperator(row["operator"]), row["value"]),
        description=row["description"],
        metadata=row["metadata"],
        triggered=row["triggered"],
        ledger_account_lock_version=row["ledger_account_lock_version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def balance_monitor_alert(row: Row) -> BalanceMonitorAlert:
    return BalanceMonitorAlert(
        id=row["id"],
        ledger_account_balance_monitor_id=row["ledger_account_balance_monitor_id"],
        ledger_account_id=row["ledger_account_id"],
        triggered=row["triggered"],
        ledger_account_lock_version=row["ledger_account_lock_version"],
        balances=balances(row, "resulting_"),
        created_at=row["created_at"],
    )
