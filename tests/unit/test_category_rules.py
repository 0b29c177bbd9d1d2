"""The pure rules of categories and statements: which membership changes are refused and why, a
category's sums beyond int64, and a statement whose entries do not lead from its start to its end."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ledgerd.server.domain import limits
from ledgerd.server.domain.balances import BalanceTotals, Direction, NormalBalance, Status
from ledgerd.server.domain.categories import (
    AccountAdditionFacts,
    LedgerAccountCategory,
    Member,
    NestingFacts,
    check_account_addition,
    check_member,
    check_nesting,
    with_totals,
)
from ledgerd.server.domain.errors import ErrorReason, FailedPrecondition, InvariantViolation
from ledgerd.server.domain.history import LedgerAccountStatement
from ledgerd.server.domain.model import LedgerAccount, LedgerEntry

NOW = datetime(2024, 1, 1, tzinfo=UTC)
PARENT, CHILD, ROOT, ACCOUNT, GRANDCHILD = (uuid.UUID(int=i) for i in (1, 2, 3, 4, 5))


def category(**changes: object) -> LedgerAccountCategory:
    fields: dict[str, object] = {
        "id": PARENT,
        "ledger_id": uuid.UUID(int=9),
        "name": "C",
        "description": "",
        "normal_balance": NormalBalance.CREDIT,
        "currency": "USD",
        "currency_exponent": 2,
        "metadata": {},
        "created_at": NOW,
        "updated_at": NOW,
    }
    return LedgerAccountCategory(**{**fields, **changes})  # type: ignore[arg-type]


def nesting(**changes: object) -> NestingFacts:
    fields: dict[str, object] = {
        "parent_ancestors": {PARENT: 0, ROOT: 1},
        "child_descendants": {CHILD: 0},
        "categories_reached": [],
        "accounts_reached": [],
        "account_counts": {PARENT: 1, ROOT: 1},
        "child_account_count": 1,
    }
    return NestingFacts(**{**fields, **changes})  # type: ignore[arg-type]


def refusal(facts: NestingFacts) -> ErrorReason:
    with pytest.raises(FailedPrecondition) as raised:
        check_nesting(PARENT, CHILD, facts)
    return raised.value.reason


def test_a_nesting_with_one_path_everywhere_within_the_limits_is_accepted() -> None:
    check_nesting(PARENT, CHILD, nesting())


def test_a_parent_below_the_child_makes_a_cycle() -> None:
    assert refusal(nesting(child_descendants={CHILD: 0, PARENT: 1})) is ErrorReason.CATEGORY_CYCLE


def test_a_second_path_to_a_category_or_an_account_counts_it_twice() -> None:
    assert refusal(nesting(categories_reached=[(ROOT, CHILD)])) is ErrorReason.CATEGORY_MEMBER_COUNTED_TWICE
    assert refusal(nesting(accounts_reached=[(ROOT, ACCOUNT)])) is ErrorReason.CATEGORY_MEMBER_COUNTED_TWICE


def test_the_longest_path_through_the_new_nesting_decides_the_depth() -> None:
    deepest = limits.category_nesting_depth_max
    check_nesting(
        PARENT,
        CHILD,
        nesting(parent_ancestors={PARENT: 0, ROOT: deepest - 2}, child_descendants={CHILD: 0, GRANDCHILD: 1}),
    )
    too_deep = nesting(parent_ancestors={PARENT: 0, ROOT: deepest - 1}, child_descendants={CHILD: 0, GRANDCHILD: 1})
    assert refusal(too_deep) is ErrorReason.CATEGORY_DEPTH_EXCEEDED


def test_a_category_may_not_reach_more_accounts_than_the_limit() -> None:
    full = nesting(account_counts={PARENT: 1, ROOT: limits.category_accounts_max - 1}, child_account_count=2)
    assert refusal(full) is ErrorReason.CATEGORY_TOO_LARGE
    with pytest.raises(FailedPrecondition) as raised:
        check_account_addition(PARENT, ACCOUNT, AccountAdditionFacts([], {ROOT: limits.category_accounts_max}))
    assert raised.value.reason is ErrorReason.CATEGORY_TOO_LARGE


def test_an_account_an_ancestor_reaches_already_is_refused() -> None:
    check_account_addition(PARENT, ACCOUNT, AccountAdditionFacts([], {PARENT: 0, ROOT: 5}))
    with pytest.raises(FailedPrecondition) as raised:
        check_account_addition(PARENT, ACCOUNT, AccountAdditionFacts([ROOT], {PARENT: 0, ROOT: 5}))
    assert raised.value.metadata["via"] == str(ROOT)


@pytest.mark.parametrize(
    ("ledger_id", "currency", "exponent", "reason"),
    [
        (uuid.UUID(int=8), "USD", 2, ErrorReason.LEDGER_MISMATCH),
        (uuid.UUID(int=9), "EUR", 2, ErrorReason.CURRENCY_MISMATCH),
        (uuid.UUID(int=9), "USD", 0, ErrorReason.CURRENCY_MISMATCH),
    ],
)
def test_members_share_the_ledger_currency_and_exponent(
    ledger_id: uuid.UUID, currency: str, exponent: int, reason: ErrorReason
) -> None:
    check_member(category(), Member("ledger account", ACCOUNT, uuid.UUID(int=9), "USD", 2))
    with pytest.raises(FailedPrecondition) as raised:
        check_member(category(), Member("ledger account", ACCOUNT, ledger_id, currency, exponent))
    assert raised.value.reason is reason


def test_category_sums_beyond_int64_are_refused_not_wrapped() -> None:
    fits = with_totals(category(), BalanceTotals(posted_credits=limits.INT64_MAX), 2)
    assert fits.balances is not None and fits.balances.posted_balance.amount == limits.INT64_MAX
    with pytest.raises(FailedPrecondition) as raised:
        with_totals(category(), BalanceTotals(posted_credits=limits.INT64_MAX, pending_credits=1), 2)
    assert raised.value.reason is ErrorReason.BALANCE_OVERFLOW


def account() -> LedgerAccount:
    return LedgerAccount(
        ACCOUNT, uuid.UUID(int=9), "A", "", NormalBalance.CREDIT, "USD", 2, {}, 3, BalanceTotals(), NOW, NOW
    )


def entry(amount: int, status: Status, day: int) -> LedgerEntry:
    return LedgerEntry(
        uuid.uuid4(),
        uuid.uuid4(),
        ACCOUNT,
        Direction.CREDIT,
        amount,
        status,
        NOW + timedelta(days=day),
        1,
        BalanceTotals(),
        NormalBalance.CREDIT,
        "USD",
        2,
        {},
        NOW,
    )


def test_a_statement_whose_entries_lead_from_start_to_end_is_accepted_and_others_are_internal() -> None:
    start, end = NOW, NOW + timedelta(days=10)
    entries = (entry(5, Status.POSTED, 1), entry(7, Status.PENDING, 2))
    statement = LedgerAccountStatement(
        account(), start, end, BalanceTotals(posted_credits=100), BalanceTotals(105, 0, 7, 0), entries
    )
    assert statement.ending_balance.pending_balance.amount == 112
    with pytest.raises(InvariantViolation):
        LedgerAccountStatement(account(), start, end, BalanceTotals(), BalanceTotals(105, 0, 7, 0), entries)
    with pytest.raises(InvariantViolation):  # an entry outside the period
        LedgerAccountStatement(account(), start, end, BalanceTotals(), BalanceTotals(5), (entry(5, Status.POSTED, 10),))
