"""Balance arithmetic (docs/design.md, "Balance formulas"). Pure integers in minor units."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ledgerd.server.domain.errors import ErrorReason, FailedPrecondition
from ledgerd.server.domain.limits import INT64_MAX


class NormalBalance(enum.Enum):
    CREDIT = "credit"
    DEBIT = "debit"


class Direction(enum.Enum):
    CREDIT = "credit"
    DEBIT = "debit"

    @property
    def opposite(self) -> Direction:
        return Direction.DEBIT if self is Direction.CREDIT else Direction.CREDIT


class Status(enum.Enum):
    PENDING = "pending"
    POSTED = "posted"
    ARCHIVED = "archived"


class BalanceView(enum.Enum):
    PENDING = "pending_balance"
    POSTED = "posted_balance"
    AVAILABLE = "available_balance"


@dataclass(frozen=True)
class BalanceTotals:
    """What an account stores: posted credits/debits and the credits/debits of pending entries
    (pending transactions only; archived never count)."""

    posted_credits: int = 0
    posted_debits: int = 0
    pending_credits: int = 0
    pending_debits: int = 0

    def move(self, direction: Direction, amount: int, source: Status | None, target: Status | None) -> BalanceTotals:
        """The totals after an entry of `amount` moves from status `source` to `target`
        (None: the entry did not exist / no longer counts). Archived counts like None."""
        posted_credits, posted_debits = self.posted_credits, self.posted_debits
        pending_credits, pending_debits = self.pending_credits, self.pending_debits
        for status, sign in ((source, -1), (target, +1)):
            if status is Status.POSTED:
                if direction is Direction.CREDIT:
                    posted_credits += sign * amount
                else:
                    posted_debits += sign * amount
            elif status is Status.PENDING:
                if direction is Direction.CREDIT:
                    pending_credits += sign * amount
                else:
                    pending_debits += sign * amount
        return BalanceTotals(posted_credits, posted_debits, pending_credits, pending_debits)

    def overflows(self) -> bool:
        """True when a total, or a view's credits or debits, leaves 0 ..= 2^63-1."""
        return (
            min(self.posted_credits, self.posted_debits, self.pending_credits, self.pending_debits) < 0
            or self.posted_credits + self.pending_credits > INT64_MAX
            or self.posted_debits + self.pending_debits > INT64_MAX
        )

    def view(self, view: BalanceView, normal_balance: NormalBalance) -> tuple[int, int, int]:
        """(credits, debits, amount) of one view."""
        pc, pd, qc, qd = self.posted_credits, self.posted_debits, self.pending_credits, self.pending_debits
        if view is BalanceView.POSTED:
            credits, debits = pc, pd
        elif view is BalanceView.PENDING:
            credits, debits = pc + qc, pd + qd
        elif normal_balance is NormalBalance.CREDIT:  # available: outgoing pending is gone already
            credits, debits = pc, pd + qd
        else:
            credits, debits = pc + qc, pd
        amount = credits - debits if normal_balance is NormalBalance.CREDIT else debits - credits
        return credits, debits, amount


@dataclass(frozen=True)
class LedgerBalance:
    credits: int
    debits: int
    amount: int
    currency: str
    currency_exponent: int


@dataclass(frozen=True)
class LedgerBalances:
    pending_balance: LedgerBalance
    posted_balance: LedgerBalance
    available_balance: LedgerBalance

    @staticmethod
    def of(totals: BalanceTotals, normal_balance: NormalBalance, currency: str, exponent: int) -> LedgerBalances:
        def one(view: BalanceView) -> LedgerBalance:
            return LedgerBalance(*totals.view(view, normal_balance), currency, exponent)

        return LedgerBalances(one(BalanceView.PENDING), one(BalanceView.POSTED), one(BalanceView.AVAILABLE))


@dataclass(frozen=True)
class BalanceCondition:
    """Bounds on one balance view's amount; every bound given must hold."""

    gt: int | None = None
    gte: int | None = None
    lt: int | None = None
    lte: int | None = None
    eq: int | None = None

    def is_empty(self) -> bool:
        return all(bound is None for bound in (self.gt, self.gte, self.lt, self.lte, self.eq))

    def holds(self, amount: int) -> bool:
        return (
            (self.gt is None or amount > self.gt)
            and (self.gte is None or amount >= self.gte)
            and (self.lt is None or amount < self.lt)
            and (self.lte is None or amount <= self.lte)
            and (self.eq is None or amount == self.eq)
        )

    def describe(self) -> str:
        names = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "=="}
        return " and ".join(f"{names[k]} {v}" for k, v in vars(self).items() if v is not None)


def require_no_overflow(totals: BalanceTotals, ledger_account_id: object) -> None:
    if totals.overflows():
        raise FailedPrecondition(
            ErrorReason.BALANCE_OVERFLOW,
            f"ledger account {ledger_account_id}: a balance would leave the int64 range",
            {"ledger_account_id": str(ledger_account_id)},
        )
