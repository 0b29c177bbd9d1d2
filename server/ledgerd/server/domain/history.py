"""Balances of the past: as of an effective time, right after a lock_version, and account
statements (the balances at both ends of a period and the entries in between)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledgerd.server.domain.balances import BalanceTotals, LedgerBalances, Status
from ledgerd.server.domain.errors import invariant
from ledgerd.server.domain.model import LedgerAccount, LedgerEntry


@dataclass(frozen=True)
class AsOf:
    """Which balances a read answers: the current ones (neither given), those counting the entries
    effective at or before `effective_at`, or those right after the account's `lock_version`."""

    effective_at: datetime | None = None
    lock_version: int | None = None

    @property
    def is_current(self) -> bool:
        return self.effective_at is None and self.lock_version is None


CURRENT = AsOf()


@dataclass(frozen=True)
class LedgerAccountStatement:
    # The account as the statement saw it: its lock_version is the one it was computed from.
    ledger_account: LedgerAccount
    effective_at_lower_bound: datetime
    effective_at_upper_bound: datetime
    starting_totals: BalanceTotals
    ending_totals: BalanceTotals
    ledger_entries: tuple[LedgerEntry, ...]

    def __post_init__(self) -> None:
        totals = self.starting_totals
        for entry in self.ledger_entries:
            invariant(
                entry.status is not Status.ARCHIVED and entry.discarded_at is None,
                f"statement entry {entry.id} does not count in any balance",
            )
            invariant(
                self.effective_at_lower_bound <= entry.effective_at < self.effective_at_upper_bound,
                f"statement entry {entry.id} is outside the period",
            )
            totals = totals.move(entry.direction, entry.amount, None, entry.status)
        invariant(
            totals == self.ending_totals,
            f"statement of {self.ledger_account.id}: starting balances plus the entries "
            f"({totals}) differ from the ending balances ({self.ending_totals})",
        )

    def _balances(self, totals: BalanceTotals) -> LedgerBalances:
        account = self.ledger_account
        return LedgerBalances.of(totals, account.normal_balance, account.currency, account.currency_exponent)

    @property
    def starting_balance(self) -> LedgerBalances:
        return self._balances(self.starting_totals)

    @property
    def ending_balance(self) -> LedgerBalances:
        return self._balances(self.ending_totals)
