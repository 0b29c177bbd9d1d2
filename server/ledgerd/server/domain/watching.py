"""What a balance watcher receives: one account version at a time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ledgerd.server.domain.balances import LedgerBalances
from ledgerd.server.domain.monitors import BalanceMonitorAlert


@dataclass(frozen=True)
class AccountVersion:
    ledger_account_id: uuid.UUID
    lock_version: int
    # None on a watcher's starting answer: the account as it is, not a change.
    ledger_transaction_id: uuid.UUID | None
    balances: LedgerBalances
    alerts: tuple[BalanceMonitorAlert, ...] = ()
