"""Ledger account categories: named aggregations of accounts and of other categories.

The graph of categories and accounts is kept a multitree: between any two nodes at most one path.
So every account a category reaches is counted once in its balances, no category reaches itself,
and a membership change adds or removes exactly the closure pairs whose one path runs through the
changed edge. The rules below decide a membership change from facts the store gathered under the
ledger's membership lock."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ledgerd.server.domain import limits
from ledgerd.server.domain.balances import BalanceTotals, LedgerBalances, NormalBalance
from ledgerd.server.domain.errors import ErrorReason, FailedPrecondition, NotFound


@dataclass(frozen=True)
class LedgerAccountCategory:
    id: uuid.UUID
    ledger_id: uuid.UUID
    name: str
    description: str
    normal_balance: NormalBalance
    currency: str
    currency_exponent: int
    metadata: dict[str, str]
    created_at: datetime
    updated_at: datetime
    # How many accounts it reaches; and the sums of their totals, when computed (None: not read).
    ledger_account_count: int = 0
    totals: BalanceTotals | None = None
    # Set when the totals are as of an effective time.
    balances_effective_at: datetime | None = None

    @property
    def balances(self) -> LedgerBalances | None:
        if self.totals is None:
            return None
        return LedgerBalances.of(self.totals, self.normal_balance, self.currency, self.currency_exponent)


@dataclass(frozen=True)
class Member:
    """What a category checks of a prospective member (an account or a category)."""

    kind: str  # "ledger account" or "ledger account category"
    id: uuid.UUID
    ledger_id: uuid.UUID
    currency: str
    currency_exponent: int


def category_not_found(category_id: uuid.UUID) -> NotFound:
    return NotFound(
        ErrorReason.LEDGER_ACCOUNT_CATEGORY_NOT_FOUND,
        f"ledger account category {category_id} not found",
        {"ledger_account_category_id": str(category_id)},
    )


def with_totals(
    category: LedgerAccountCategory, totals: BalanceTotals, count: int, effective_at: datetime | None = None
) -> LedgerAccountCategory:
    """The category with its sums (as of `effective_at` when given); BALANCE_OVERFLOW when a sum
    leaves the int64 range."""
    if totals.overflows():
        raise FailedPrecondition(
            ErrorReason.BALANCE_OVERFLOW,
            f"ledger account category {category.id}: a sum of its accounts' balances leaves the int64 range",
            {"ledger_account_category_id": str(category.id)},
        )
    return replace(category, totals=totals, ledger_account_count=count, balances_effective_at=effective_at)


def check_member(category: LedgerAccountCategory, member: Member) -> None:
    """Members share the category's ledger and currency (with its exponent: sums in one unit)."""
    details = {"ledger_account_category_id": str(category.id), "member_id": str(member.id)}
    if member.ledger_id != category.ledger_id:
        raise FailedPrecondition(
            ErrorReason.LEDGER_MISMATCH,
            f"{member.kind} {member.id} is in another ledger than category {category.id}",
            details,
        )
    if (member.currency, member.currency_exponent) != (category.currency, category.currency_exponent):
        raise FailedPrecondition(
            ErrorReason.CURRENCY_MISMATCH,
            f"{member.kind} {member.id} is in {member.currency} (exponent {member.currency_exponent}), "
            f"category {category.id} in {category.currency} (exponent {category.currency_exponent})",
            details,
        )


def counted_twice(category_id: uuid.UUID, member_id: uuid.UUID, via: uuid.UUID, what: str) -> FailedPrecondition:
    return FailedPrecondition(
        ErrorReason.CATEGORY_MEMBER_COUNTED_TWICE,
        f"adding it to category {category_id} would make category {via} reach {what} {member_id} twice",
        {"ledger_account_category_id": str(category_id), "reached_twice_id": str(member_id), "via": str(via)},
    )


def too_large(category_id: uuid.UUID, via: uuid.UUID, count: int) -> FailedPrecondition:
    return FailedPrecondition(
        ErrorReason.CATEGORY_TOO_LARGE,
        f"category {via} would reach {count} accounts, more than {limits.category_accounts_max} "
        "(category_accounts_max)",
        {"ledger_account_category_id": str(category_id), "via": str(via)},
    )


@dataclass(frozen=True)
class AccountAdditionFacts:
    """What the store knows when account `account_id` is to join category `category_id`."""

    # Ancestors of the category (itself included) that reach the account already.
    reachers: Sequence[uuid.UUID]
    # Ancestor (itself included) -> how many accounts it reaches.
    account_counts: Mapping[uuid.UUID, int]


def check_account_addition(category_id: uuid.UUID, account_id: uuid.UUID, facts: AccountAdditionFacts) -> None:
    """Refuses an account another path already brings into the category or one of its ancestors."""
    if facts.reachers:
        raise counted_twice(category_id, account_id, sorted(facts.reachers)[0], "ledger account")
    for ancestor, count in sorted(facts.account_counts.items()):
        if count + 1 > limits.category_accounts_max:
            raise too_large(category_id, ancestor, count + 1)


@dataclass(frozen=True)
class NestingFacts:
    """What the store knows when category `child` is to be nested in category `parent`."""

    # Ancestors of the parent (itself included) -> length of the path down to the parent.
    parent_ancestors: Mapping[uuid.UUID, int]
    # Descendant categories of the child (itself included) -> length of the path down to them.
    child_descendants: Mapping[uuid.UUID, int]
    # (ancestor of the parent, descendant category of the child) pairs already connected.
    categories_reached: Sequence[tuple[uuid.UUID, uuid.UUID]]
    # (ancestor of the parent, account the child reaches) pairs already connected.
    accounts_reached: Sequence[tuple[uuid.UUID, uuid.UUID]]
    # Ancestor of the parent -> how many accounts it reaches; and how many the child reaches.
    account_counts: Mapping[uuid.UUID, int]
    child_account_count: int


def check_nesting(parent_id: uuid.UUID, child_id: uuid.UUID, facts: NestingFacts) -> None:
    """Refuses a nesting that would make a cycle, a second path, a path too deep or a category too large."""
    if parent_id in facts.child_descendants:
        raise FailedPrecondition(
            ErrorReason.CATEGORY_CYCLE,
            f"category {child_id} reaches category {parent_id}: nesting it there would make a cycle",
            {"ledger_account_category_id": str(parent_id), "nested_ledger_account_category_id": str(child_id)},
        )
    if facts.categories_reached:
        via, reached = sorted(facts.categories_reached)[0]
        raise counted_twice(parent_id, reached, via, "ledger account category")
    if facts.accounts_reached:
        via, reached = sorted(facts.accounts_reached)[0]
        raise counted_twice(parent_id, reached, via, "ledger account")
    depth = max(facts.parent_ancestors.values()) + 1 + max(facts.child_descendants.values())
    if depth > limits.category_nesting_depth_max:
        raise FailedPrecondition(
            ErrorReason.CATEGORY_DEPTH_EXCEEDED,
            f"nesting category {child_id} in {parent_id} would make a path of {depth} nestings, more than "
            f"{limits.category_nesting_depth_max} (category_nesting_depth_max)",
            {"ledger_account_category_id": str(parent_id), "nested_ledger_account_category_id": str(child_id)},
        )
    for ancestor, count in sorted(facts.account_counts.items()):
        if count + facts.child_account_count > limits.category_accounts_max:
            raise too_large(parent_id, ancestor, count + facts.child_account_count)
