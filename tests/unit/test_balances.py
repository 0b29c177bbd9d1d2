"""The balance formulas of DESIGN.md, on plain integers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerd.server.domain.balances import (
    BalanceCondition,
    BalanceTotals,
    BalanceView,
    Direction,
    LedgerBalances,
    NormalBalance,
    Status,
    require_no_overflow,
)
from ledgerd.server.domain.errors import ErrorReason, FailedPrecondition
from ledgerd.server.domain.limits import INT64_MAX

# pc = 1000, pd = 300 posted; qc = 70, qd = 20 pending.
TOTALS = BalanceTotals(posted_credits=1000, posted_debits=300, pending_credits=70, pending_debits=20)


@pytest.mark.parametrize(
    ("view", "normal_balance", "expected"),
    [
        (BalanceView.POSTED, NormalBalance.CREDIT, (1000, 300, 700)),
        (BalanceView.POSTED, NormalBalance.DEBIT, (1000, 300, -700)),
        (BalanceView.PENDING, NormalBalance.CREDIT, (1070, 320, 750)),
        (BalanceView.PENDING, NormalBalance.DEBIT, (1070, 320, -750)),
        # Available counts outgoing pending entries as gone and incoming ones as not arrived.
        (BalanceView.AVAILABLE, NormalBalance.CREDIT, (1000, 320, 680)),
        (BalanceView.AVAILABLE, NormalBalance.DEBIT, (1070, 300, -770)),
    ],
)
def test_each_view_follows_the_design_formulas(
    view: BalanceView, normal_balance: NormalBalance, expected: tuple[int, int, int]
) -> None:
    assert TOTALS.view(view, normal_balance) == expected


def test_the_seed_wallet_shows_credits_10000_debits_5000_amount_5000() -> None:
    totals = BalanceTotals().move(Direction.CREDIT, 10000, None, Status.POSTED)
    totals = totals.move(Direction.DEBIT, 5000, None, Status.POSTED)
    balances = LedgerBalances.of(totals, NormalBalance.CREDIT, "USD", 2)
    for balance in (balances.posted_balance, balances.pending_balance, balances.available_balance):
        assert (balance.credits, balance.debits, balance.amount, balance.currency, balance.currency_exponent) == (
            10000,
            5000,
            5000,
            "USD",
            2,
        )


def test_posting_moves_pending_totals_to_posted_and_archiving_drops_them() -> None:
    pending = BalanceTotals().move(Direction.DEBIT, 40, None, Status.PENDING)
    assert pending == BalanceTotals(pending_debits=40)
    assert pending.move(Direction.DEBIT, 40, Status.PENDING, Status.POSTED) == BalanceTotals(posted_debits=40)
    assert pending.move(Direction.DEBIT, 40, Status.PENDING, Status.ARCHIVED) == BalanceTotals()


def test_a_total_beyond_int64_overflows_and_is_refused() -> None:
    assert not BalanceTotals(posted_credits=INT64_MAX).overflows()
    assert BalanceTotals(posted_credits=INT64_MAX, pending_credits=1).overflows()
    assert BalanceTotals(posted_debits=-1).overflows()
    with pytest.raises(FailedPrecondition) as refused:
        require_no_overflow(BalanceTotals(posted_credits=INT64_MAX + 1), "account")
    assert refused.value.reason is ErrorReason.BALANCE_OVERFLOW


def test_a_condition_holds_only_when_every_bound_does() -> None:
    condition = BalanceCondition(gte=0, lt=100)
    assert [condition.holds(x) for x in (-1, 0, 99, 100)] == [False, True, True, False]
    assert condition.describe() == ">= 0 and < 100"
    assert BalanceCondition().is_empty() and not condition.is_empty()
    assert BalanceCondition(eq=5).holds(5) and not BalanceCondition(gt=5).holds(5)


movements = st.lists(
    st.tuples(
        st.sampled_from(list(Direction)),
        st.integers(1, 10**12),
        st.sampled_from([Status.PENDING, Status.POSTED, Status.ARCHIVED]),
        st.sampled_from([None, Status.POSTED, Status.ARCHIVED]),
    ),
    max_size=40,
)


@given(movements)
def test_totals_always_equal_the_sums_of_the_entries_that_count(
    entries: list[tuple[Direction, int, Status, Status | None]],
) -> None:
    totals = BalanceTotals()
    final = []
    for direction, amount, first, later in entries:
        totals = totals.move(direction, amount, None, first)
        status = first
        if first is Status.PENDING and later is not None:
            totals = totals.move(direction, amount, Status.PENDING, later)
            status = later
        final.append((direction, amount, status))

    def total(direction: Direction, status: Status) -> int:
        return sum(a for d, a, s in final if d is direction and s is status)

    assert totals == BalanceTotals(
        total(Direction.CREDIT, Status.POSTED),
        total(Direction.DEBIT, Status.POSTED),
        total(Direction.CREDIT, Status.PENDING),
        total(Direction.DEBIT, Status.PENDING),
    )
    for normal_balance in NormalBalance:
        available = totals.view(BalanceView.AVAILABLE, normal_balance)[2]
        # The cautious view never shows more than either of the others.
        assert available <= totals.view(BalanceView.PENDING, normal_balance)[2]
        assert available <= totals.view(BalanceView.POSTED, normal_balance)[2]
