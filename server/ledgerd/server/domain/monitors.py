"""Balance monitors: a stored condition on one account's balances, and the alerts recorded when it
flips. Pure: evaluated by the write path on every new version of a monitored account."""

from __future__ import annotations

import enum
import operator
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from ledgerd.server.domain.balances import LedgerBalances
from ledgerd.server.domain.ids import new_id
from ledgerd.server.domain.model import LedgerAccount


class MonitorField(enum.Enum):
    AVAILABLE_BALANCE_AMOUNT = "available_balance_amount"
    PENDING_BALANCE_AMOUNT = "pending_balance_amount"
    POSTED_BALANCE_AMOUNT = "posted_balance_amount"
    LEDGER_ACCOUNT_LOCK_VERSION = "ledger_account_lock_version"

    def of(self, account: LedgerAccount) -> int:
        if self is MonitorField.LEDGER_ACCOUNT_LOCK_VERSION:
            return account.lock_version
        balances = account.balances
        view = {
            MonitorField.AVAILABLE_BALANCE_AMOUNT: balances.available_balance,
            MonitorField.PENDING_BALANCE_AMOUNT: balances.pending_balance,
            MonitorField.POSTED_BALANCE_AMOUNT: balances.posted_balance,
        }[self]
        return view.amount


class MonitorOperator(enum.Enum):
    LESS_THAN = "less_than"
    LESS_THAN_OR_EQUALS = "less_than_or_equals"
    EQUALS = "equals"
    GREATER_THAN_OR_EQUALS = "greater_than_or_equals"
    GREATER_THAN = "greater_than"

    @property
    def compare(self) -> Callable[[int, int], bool]:
        return {
            MonitorOperator.LESS_THAN: operator.lt,
            MonitorOperator.LESS_THAN_OR_EQUALS: operator.le,
            MonitorOperator.EQUALS: operator.eq,
            MonitorOperator.GREATER_THAN_OR_EQUALS: operator.ge,
            MonitorOperator.GREATER_THAN: operator.gt,
        }[self]


@dataclass(frozen=True)
class AlertCondition:
    field: MonitorField
    operator: MonitorOperator
    value: int

    def holds(self, account: LedgerAccount) -> bool:
        return self.operator.compare(self.field.of(account), self.value)


@dataclass(frozen=True)
class BalanceMonitor:
    id: uuid.UUID
    ledger_account_id: uuid.UUID
    alert_condition: AlertCondition
    description: str
    metadata: dict[str, str]
    # Whether the condition held at ledger_account_lock_version, the version at which it last
    # flipped (or the account's version when the monitor was created).
    triggered: bool
    ledger_account_lock_version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class BalanceMonitorAlert:
    id: uuid.UUID
    ledger_account_balance_monitor_id: uuid.UUID
    ledger_account_id: uuid.UUID
    # True: the condition started to hold; False: it stopped holding (resolved).
    triggered: bool
    ledger_account_lock_version: int
    balances: LedgerBalances
    created_at: datetime


def new_monitor(
    account: LedgerAccount, condition: AlertCondition, description: str, metadata: dict[str, str], now: datetime
) -> BalanceMonitor:
    """A monitor evaluated on the account as it is now."""
    return BalanceMonitor(
        id=new_id(),
        ledger_account_id=account.id,
        alert_condition=condition,
        description=description,
        metadata=metadata,
        triggered=condition.holds(account),
        ledger_account_lock_version=account.lock_version,
        created_at=now,
        updated_at=now,
    )


def evaluate(
    monitor: BalanceMonitor, account: LedgerAccount, now: datetime
) -> tuple[BalanceMonitor, BalanceMonitorAlert | None]:
    """The monitor after the account reached a new version, and the alert when the condition flipped."""
    triggered = monitor.alert_condition.holds(account)
    if triggered is monitor.triggered:
        return monitor, None
    flipped = replace(monitor, triggered=triggered, ledger_account_lock_version=account.lock_version, updated_at=now)
    alert = BalanceMonitorAlert(
        id=new_id(),
        ledger_account_balance_monitor_id=monitor.id,
        ledger_account_id=account.id,
        triggered=triggered,
        ledger_account_lock_version=account.lock_version,
        balances=account.balances,
        created_at=now,
    )
    return flipped, alert
