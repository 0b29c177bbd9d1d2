"""Modern Treasury's Ledgers resources as plain values (docs/modern-treasury.md)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from ledgerd.server.domain.balances import (
    BalanceTotals,
    Direction,
    LedgerBalances,
    NormalBalance,
    Status,
)


@dataclass(frozen=True)
class Ledger:
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    description: str
    metadata: dict[str, str]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class LedgerAccount:
    id: uuid.UUID
    ledger_id: uuid.UUID
    name: str
    description: str
    normal_balance: NormalBalance
    currency: str
    currency_exponent: int
    metadata: dict[str, str]
    lock_version: int
    totals: BalanceTotals
    created_at: datetime
    updated_at: datetime

    @property
    def balances(self) -> LedgerBalances:
        return LedgerBalances.of(self.totals, self.normal_balance, self.currency, self.currency_exponent)


@dataclass(frozen=True)
class LedgerEntry:
    id: uuid.UUID
    ledger_transaction_id: uuid.UUID
    ledger_account_id: uuid.UUID
    direction: Direction
    amount: int
    status: Status
    effective_at: datetime
    ledger_account_lock_version: int
    resulting_totals: BalanceTotals
    normal_balance: NormalBalance
    currency: str
    currency_exponent: int
    metadata: dict[str, str]
    created_at: datetime
    discarded_at: datetime | None = None

    @property
    def resulting_ledger_account_balances(self) -> LedgerBalances:
        return LedgerBalances.of(self.resulting_totals, self.normal_balance, self.currency, self.currency_exponent)


@dataclass(frozen=True)
class LedgerTransaction:
    id: uuid.UUID
    ledger_id: uuid.UUID
    description: str
    status: Status
    external_id: str | None
    effective_at: datetime
    posted_at: datetime | None
    metadata: dict[str, str]
    created_at: datetime
    updated_at: datetime
    ledger_entries: tuple[LedgerEntry, ...] = field(default=())
    reverses_ledger_transaction_id: uuid.UUID | None = None
    reversed_by_ledger_transaction_id: uuid.UUID | None = None
    partially_posts_ledger_transaction_id: uuid.UUID | None = None
    # What it was made from ("ledgerable_event" and the event's id), if anything.
    ledgerable_type: str | None = None
    ledgerable_id: uuid.UUID | None = None


@dataclass(frozen=True)
class LedgerTransactionVersion:
    """A transaction as it was at one version: 0 as created, one more per change."""

    ledger_transaction: LedgerTransaction
    version: int
    created_at: datetime

    @property
    def id(self) -> uuid.UUID:
        # The keyset position of list pages: versions are ordered by number.
        return uuid.UUID(int=self.version)
