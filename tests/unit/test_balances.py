"""The balance formulas (docs/design.md, "Balance formulas") on plain integers in minor units.

pc, pd: posted credits and debits; qc, qd: credits and debits of pending entries.
posted: (pc, pd); pending: (pc + qc, pd + qd); available: (pc, pd + qd) on a credit-normal account,
(pc + qc, pd) on a debit-normal one. amount = credits - debits (credit-normal) or debits - credits
(debit-normal)."""

from __future__ import annotations

import uuid

import pytest

from ledgerd.server.domain.balances import (
    BalanceCondition,
    BalanceTotals,
    BalanceView,
    Direction,
    LedgerBalance,
    LedgerBalances,
    NormalBalance,
    Status,
    require_no_overflow,
)
from ledgerd.server.domain.errors import ErrorReason, FailedPrecondition
from ledgerd.server.domain.limits import INT64_MAX

# A credit-normal wallet (a liability of the platform to its user): 10000 posted in, 5000 posted
# out, 2000 on the way in and 1000 on the way out.
WALLET = BalanceTotals(posted_credits=10000, posted_debits=5000, pending_credits=2000, pending_debits=1000)
# A debit-normal cash account (an asset): 8000 posted in (debits), 3000 posted out (credits),
# 500 pending in, 700 pending out.
CASH = BalanceTotals(posted_credits=3000, posted_debits=8000, pending_credits=700, pending_debits=500)


def posted(direction: Direction, amount: int, totals: BalanceTotals | None = None) -> BalanceTotals:
    return (totals or BalanceTotals()).move(direction, amount, None, Status.POSTED)


# --- the views ---------------------------------------------------------------------------------


def test_the_modern_treasury_wallet_with_posted_credit_10000_and_debit_5000_has_posted_amount_5000() -> None:
    totals = posted(Direction.DEBIT, 5000, posted(Direction.CREDIT, 10000))
    assert totals.view(BalanceView.POSTED, NormalBalance.CREDIT) == (10000, 5000, 5000)


def test_without_pending_entries_all_three_views_of_an_account_are_equal() -> None:
    totals = posted(Direction.DEBIT, 5000, posted(Direction.CREDIT, 10000))
    for normal_balance in NormalBalance:
        views = {totals.view(view, normal_balance) for view in BalanceView}
        assert len(views) == 1


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        (BalanceView.POSTED, (10000, 5000, 5000)),
        (BalanceView.PENDING, (12000, 6000, 6000)),
        # Outgoing pending (1000) counts as gone already; incoming pending (2000) not yet arrived.
        (BalanceView.AVAILABLE, (10000, 6000, 4000)),
    ],
)
def test_each_view_of_a_credit_normal_account_with_pending_entries_both_ways_follows_the_formulas(
    view: BalanceView, expected: tuple[int, int, int]
) -> None:
    assert WALLET.view(view, NormalBalance.CREDIT) == expected


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        (BalanceView.POSTED, (3000, 8000, 5000)),
        (BalanceView.PENDING, (3700, 8500, 4800)),
        # Outgoing pending credits (700) count as gone already; incoming pending debits (500) not yet.
        (BalanceView.AVAILABLE, (3700, 8000, 4300)),
    ],
)
def test_each_view_of_a_debit_normal_account_with_pending_entries_both_ways_follows_the_formulas(
    view: BalanceView, expected: tuple[int, int, int]
) -> None:
    assert CASH.view(view, NormalBalance.DEBIT) == expected


def test_the_same_totals_read_as_debit_normal_have_credits_and_debits_unchanged_and_the_amount_negated() -> None:
    for view in (BalanceView.POSTED, BalanceView.PENDING):
        credits, debits, amount = WALLET.view(view, NormalBalance.CREDIT)
        assert WALLET.view(view, NormalBalance.DEBIT) == (credits, debits, -amount)


def test_available_balance_of_credit_normal_account_counts_pending_debits_as_gone() -> None:
    totals = BalanceTotals(posted_credits=100).move(Direction.DEBIT, 30, None, Status.PENDING)
    assert totals.view(BalanceView.AVAILABLE, NormalBalance.CREDIT) == (100, 30, 70)
    assert totals.view(BalanceView.POSTED, NormalBalance.CREDIT) == (100, 0, 100)


def test_available_balance_of_credit_normal_account_ignores_pending_credits() -> None:
    totals = BalanceTotals(posted_credits=100).move(Direction.CREDIT, 30, None, Status.PENDING)
    assert totals.view(BalanceView.AVAILABLE, NormalBalance.CREDIT) == (100, 0, 100)
    assert totals.view(BalanceView.PENDING, NormalBalance.CREDIT) == (130, 0, 130)


def test_available_balance_of_debit_normal_account_counts_pending_credits_as_gone() -> None:
    totals = BalanceTotals(posted_debits=100).move(Direction.CREDIT, 30, None, Status.PENDING)
    assert totals.view(BalanceView.AVAILABLE, NormalBalance.DEBIT) == (30, 100, 70)
    assert totals.view(BalanceView.POSTED, NormalBalance.DEBIT) == (0, 100, 100)


def test_available_balance_of_debit_normal_account_ignores_pending_debits() -> None:
    totals = BalanceTotals(posted_debits=100).move(Direction.DEBIT, 30, None, Status.PENDING)
    assert totals.view(BalanceView.AVAILABLE, NormalBalance.DEBIT) == (0, 100, 100)
    assert totals.view(BalanceView.PENDING, NormalBalance.DEBIT) == (0, 130, 130)


def test_an_overdrawn_credit_normal_account_shows_a_negative_amount() -> None:
    totals = BalanceTotals(posted_credits=10, posted_debits=25)
    assert totals.view(BalanceView.POSTED, NormalBalance.CREDIT) == (10, 25, -15)


# --- moving entries between statuses ----------------------------------------------------------

START = BalanceTotals(posted_credits=100, posted_debits=200, pending_credits=30, pending_debits=40)


@pytest.mark.parametrize(
    ("direction", "amount", "source", "target", "expected"),
    [
        (Direction.CREDIT, 5, None, Status.POSTED, BalanceTotals(105, 200, 30, 40)),
        (Direction.DEBIT, 5, None, Status.POSTED, BalanceTotals(100, 205, 30, 40)),
        (Direction.CREDIT, 5, None, Status.PENDING, BalanceTotals(100, 200, 35, 40)),
        (Direction.DEBIT, 5, None, Status.PENDING, BalanceTotals(100, 200, 30, 45)),
        (Direction.CREDIT, 30, Status.PENDING, Status.POSTED, BalanceTotals(130, 200, 0, 40)),
        (Direction.DEBIT, 40, Status.PENDING, Status.POSTED, BalanceTotals(100, 240, 30, 0)),
        (Direction.CREDIT, 30, Status.PENDING, Status.ARCHIVED, BalanceTotals(100, 200, 0, 40)),
        (Direction.DEBIT, 40, Status.PENDING, Status.ARCHIVED, BalanceTotals(100, 200, 30, 0)),
        (Direction.DEBIT, 40, Status.PENDING, None, BalanceTotals(100, 200, 30, 0)),
        (Direction.CREDIT, 100, Status.POSTED, None, BalanceTotals(0, 200, 30, 40)),
        (Direction.CREDIT, 5, None, Status.ARCHIVED, START),
        (Direction.DEBIT, 5, Status.ARCHIVED, None, START),
        (Direction.DEBIT, 5, Status.PENDING, Status.PENDING, START),
        (Direction.CREDIT, 5, Status.POSTED, Status.POSTED, START),
        (Direction.CREDIT, 5, None, None, START),
    ],
)
def test_move_takes_the_amount_out_of_the_source_status_and_into_the_target_status(
    direction: Direction, amount: int, source: Status | None, target: Status | None, expected: BalanceTotals
) -> None:
    assert START.move(direction, amount, source, target) == expected


def test_move_returns_new_totals_and_leaves_the_original_unchanged() -> None:
    before = BalanceTotals(posted_credits=1)
    after = before.move(Direction.CREDIT, 1, None, Status.POSTED)
    assert before == BalanceTotals(posted_credits=1)
    assert after == BalanceTotals(posted_credits=2)


def test_posting_a_pending_entry_leaves_the_pending_view_unchanged_and_changes_the_posted_view() -> None:
    pending = BalanceTotals(posted_credits=100).move(Direction.DEBIT, 30, None, Status.PENDING)
    now_posted = pending.move(Direction.DEBIT, 30, Status.PENDING, Status.POSTED)
    assert now_posted.view(BalanceView.PENDING, NormalBalance.CREDIT) == (100, 30, 70)
    assert pending.view(BalanceView.PENDING, NormalBalance.CREDIT) == (100, 30, 70)
    assert pending.view(BalanceView.POSTED, NormalBalance.CREDIT) == (100, 0, 100)
    assert now_posted.view(BalanceView.POSTED, NormalBalance.CREDIT) == (100, 30, 70)


def test_archiving_a_pending_entry_gives_back_the_totals_from_before_it_was_written() -> None:
    pending = WALLET.move(Direction.DEBIT, 700, None, Status.PENDING)
    assert pending.move(Direction.DEBIT, 700, Status.PENDING, Status.ARCHIVED) == WALLET


# --- overflow ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "totals",
    [
        BalanceTotals(),
        BalanceTotals(posted_credits=INT64_MAX),
        BalanceTotals(posted_debits=INT64_MAX),
        BalanceTotals(pending_credits=INT64_MAX),
        BalanceTotals(pending_debits=INT64_MAX),
        BalanceTotals(posted_credits=INT64_MAX, posted_debits=INT64_MAX),
        BalanceTotals(posted_credits=INT64_MAX - 1, pending_credits=1),
        BalanceTotals(posted_debits=1, pending_debits=INT64_MAX - 1),
        BalanceTotals(INT64_MAX, INT64_MAX, 0, 0),
    ],
)
def test_totals_whose_every_view_fits_in_int64_do_not_overflow(totals: BalanceTotals) -> None:
    assert not totals.overflows()
    require_no_overflow(totals, "account")  # does not raise


@pytest.mark.parametrize(
    "totals",
    [
        BalanceTotals(posted_credits=INT64_MAX + 1),
        BalanceTotals(posted_debits=INT64_MAX + 1),
        BalanceTotals(pending_credits=INT64_MAX + 1),
        BalanceTotals(pending_debits=INT64_MAX + 1),
        BalanceTotals(posted_credits=INT64_MAX, pending_credits=1),
        BalanceTotals(posted_credits=1, pending_credits=INT64_MAX),
        BalanceTotals(posted_debits=INT64_MAX, pending_debits=1),
        BalanceTotals(posted_debits=1, pending_debits=INT64_MAX),
        BalanceTotals(posted_credits=-1),
        BalanceTotals(posted_debits=-1),
        BalanceTotals(pending_credits=-1),
        BalanceTotals(pending_debits=-1),
    ],
)
def test_totals_with_a_view_beyond_int64_or_a_negative_total_overflow(totals: BalanceTotals) -> None:
    assert totals.overflows()


def test_one_more_minor_unit_on_a_full_account_overflows() -> None:
    full = posted(Direction.CREDIT, INT64_MAX)
    assert not full.overflows()
    assert full.move(Direction.CREDIT, 1, None, Status.PENDING).overflows()
    assert full.move(Direction.CREDIT, 1, None, Status.POSTED).overflows()
    assert not full.move(Direction.DEBIT, INT64_MAX, None, Status.PENDING).overflows()


def test_require_no_overflow_refuses_with_balance_overflow_naming_the_account() -> None:
    account_id = uuid.uuid4()
    with pytest.raises(FailedPrecondition) as refused:
        require_no_overflow(BalanceTotals(posted_debits=INT64_MAX, pending_debits=1), account_id)
    assert refused.value.reason is ErrorReason.BALANCE_OVERFLOW
    assert refused.value.metadata == {"ledger_account_id": str(account_id)}
    assert str(account_id) in refused.value.message


# --- conditions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "holding", "failing"),
    [
        (BalanceCondition(gt=0), [1, 10**12], [0, -1]),
        (BalanceCondition(gte=0), [0, 1], [-1, -(10**12)]),
        (BalanceCondition(lt=100), [99, -5], [100, 101]),
        (BalanceCondition(lte=100), [100, 0], [101]),
        (BalanceCondition(eq=0), [0], [1, -1]),
        (BalanceCondition(gte=0, lt=100), [0, 99], [-1, 100]),
        (BalanceCondition(gt=5, lte=5), [], [4, 5, 6]),
        (BalanceCondition(), [-(2**63), 0, INT64_MAX], []),
    ],
)
def test_a_condition_holds_exactly_when_every_bound_given_holds(
    condition: BalanceCondition, holding: list[int], failing: list[int]
) -> None:
    assert [condition.holds(amount) for amount in holding] == [True] * len(holding)
    assert [condition.holds(amount) for amount in failing] == [False] * len(failing)


def test_a_condition_describes_its_bounds_in_order_joined_by_and() -> None:
    assert BalanceCondition(gte=0).describe() == ">= 0"
    assert BalanceCondition(gte=0, lt=100).describe() == ">= 0 and < 100"
    assert BalanceCondition(gt=1, gte=2, lt=3, lte=4, eq=5).describe() == "> 1 and >= 2 and < 3 and <= 4 and == 5"
    assert BalanceCondition(lte=-7).describe() == "<= -7"
    assert BalanceCondition().describe() == ""


def test_a_condition_is_empty_only_without_any_bound_and_a_zero_bound_is_a_bound() -> None:
    assert BalanceCondition().is_empty()
    for bound in ("gt", "gte", "lt", "lte", "eq"):
        assert not BalanceCondition(**{bound: 0}).is_empty()


# --- LedgerBalances ------------------------------------------------------------------------------


def test_ledger_balances_of_a_credit_normal_account_carry_each_view_with_currency_and_exponent() -> None:
    balances = LedgerBalances.of(WALLET, NormalBalance.CREDIT, "USD", 2)
    assert balances == LedgerBalances(
        pending_balance=LedgerBalance(12000, 6000, 6000, "USD", 2),
        posted_balance=LedgerBalance(10000, 5000, 5000, "USD", 2),
        available_balance=LedgerBalance(10000, 6000, 4000, "USD", 2),
    )


def test_ledger_balances_of_a_debit_normal_account_carry_each_view_with_currency_and_exponent() -> None:
    balances = LedgerBalances.of(CASH, NormalBalance.DEBIT, "JPY", 0)
    assert balances == LedgerBalances(
        pending_balance=LedgerBalance(3700, 8500, 4800, "JPY", 0),
        posted_balance=LedgerBalance(3000, 8000, 5000, "JPY", 0),
        available_balance=LedgerBalance(3700, 8000, 4300, "JPY", 0),
    )


def test_ledger_balances_of_a_new_account_are_all_zero() -> None:
    balances = LedgerBalances.of(BalanceTotals(), NormalBalance.DEBIT, "BTC", 8)
    zero = LedgerBalance(0, 0, 0, "BTC", 8)
    assert (balances.pending_balance, balances.posted_balance, balances.available_balance) == (zero, zero, zero)


def test_direction_opposite_swaps_credit_and_debit() -> None:
    assert Direction.CREDIT.opposite is Direction.DEBIT
    assert Direction.DEBIT.opposite is Direction.CREDIT
