"""Conversion of categories, past balances and statements between ledgerd.v1 messages and domain
values (the rest is in convert.py)."""

from __future__ import annotations

from typing import Any

from ledgerd.server.api.convert import (
    NORMAL_BALANCE_VALUES,
    balance_holder_fields,
    balances,
    ledger_entry,
    optional_datetime,
    timestamp,
)
from ledgerd.server.domain.categories import LedgerAccountCategory
from ledgerd.server.domain.errors import invariant
from ledgerd.server.domain.history import AsOf, LedgerAccountStatement
from ledgerd.server.domain.validation import Violations
from ledgerd.v1 import balance_pb2, ledger_pb2


def ledger_account_category(value: LedgerAccountCategory) -> ledger_pb2.LedgerAccountCategory:
    return ledger_pb2.LedgerAccountCategory(
        **balance_holder_fields(value),
        ledger_account_count=value.ledger_account_count,
        balances_effective_at=timestamp(value.balances_effective_at),
    )


def ledger_account_category_balances(value: LedgerAccountCategory) -> balance_pb2.LedgerAccountCategoryBalances:
    invariant(value.balances is not None, f"category {value.id} answered without its balances")
    return balance_pb2.LedgerAccountCategoryBalances(
        ledger_account_category_id=str(value.id),
        ledger_account_count=value.ledger_account_count,
        balances=balances(value.balances) if value.balances is not None else None,
    )


def ledger_account_statement(value: LedgerAccountStatement) -> ledger_pb2.LedgerAccountStatement:
    account = value.ledger_account
    return ledger_pb2.LedgerAccountStatement(
        ledger_account_id=str(account.id),
        ledger_id=str(account.ledger_id),
        ledger_account_normal_balance=NORMAL_BALANCE_VALUES[account.normal_balance],
        effective_at_lower_bound=timestamp(value.effective_at_lower_bound),
        effective_at_upper_bound=timestamp(value.effective_at_upper_bound),
        ledger_account_lock_version=account.lock_version,
        starting_balance=balances(value.starting_balance),
        ending_balance=balances(value.ending_balance),
        ledger_entries=[ledger_entry(e) for e in value.ledger_entries],
    )


def as_of(violations: Violations, message: Any) -> AsOf:
    """The `effective_at` and `as_of_lock_version` fields of a read: at most one of them."""
    effective_at = optional_datetime(violations, message, "effective_at")
    lock_version = None
    if message.HasField("as_of_lock_version"):
        lock_version = message.as_of_lock_version
        if lock_version < 0:
            violations.add("as_of_lock_version", "must not be negative")
        if message.HasField("effective_at"):
            violations.add("as_of_lock_version", "cannot be combined with effective_at")
    return AsOf(effective_at, lock_version)
