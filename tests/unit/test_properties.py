"""Properties of the balance arithmetic over random histories of balanced transactions, applied the
way the server applies them: `domain.transactions.apply` with `Movement`s."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerd.server.domain.balances import (
    BalanceTotals,
    BalanceView,
    Direction,
    NormalBalance,
    Status,
)
from ledgerd.server.domain.limits import INT64_MAX
from ledgerd.server.domain.model import LedgerAccount
from ledgerd.server.domain.transactions import EntryRequest, Movement, apply, check_entries_against_accounts

NOW = datetime(2026, 11, 22, tzinfo=UTC)
LEDGER = uuid.UUID("00000000-0000-7000-8000-000000000002")
AMOUNTS = st.integers(min_value=1, max_value=10**12)
EXAMPLES = settings(max_examples=200, deadline=None)


def new_account(normal_balance: NormalBalance) -> LedgerAccount:
    return LedgerAccount(
        id=uuid.uuid4(),
        ledger_id=LEDGER,
        name="account",
        description="",
        normal_balance=normal_balance,
        currency="USD",
        currency_exponent=2,
        metadata={},
        lock_version=0,
        totals=BalanceTotals(),
        created_at=NOW,
        updated_at=NOW,
    )


@dataclass
class Written:
    entries: tuple[EntryRequest, ...]
    status: Status


@dataclass
class History:
    accounts: dict[uuid.UUID, LedgerAccount]
    transactions: list[Written]
    # Transactions applied (written, posted or archived) that changed each account's balances.
    changes: dict[uuid.UUID, int]
    # Each archiving: the transaction's entries and the totals of every account just before and after.
    archivings: list[tuple[tuple[EntryRequest, ...], dict[uuid.UUID, BalanceTotals], dict[uuid.UUID, BalanceTotals]]]


def move(entries: tuple[EntryRequest, ...], source: Status | None, target: Status) -> list[Movement]:
    return [Movement(e.ledger_account_id, e.direction, e.amount, source, target) for e in entries]


def write(history: History, entries: tuple[EntryRequest, ...], source: Status | None, target: Status) -> None:
    """Applies one transaction (a new one, or a status change of one already written)."""
    before = {i: a.totals for i, a in history.accounts.items()}
    history.accounts.update(apply(history.accounts, move(entries, source, target), entries))
    for account_id in {e.ledger_account_id for e in entries}:
        history.changes[account_id] += 1
    if target is Status.ARCHIVED:
        history.archivings.append((entries, before, {i: a.totals for i, a in history.accounts.items()}))


# Strategies built once: building them per draw (sampled_from over each history's own accounts)
# costs more than the draws. Indexes are taken modulo the number of choices.
INDEXES = st.integers(min_value=0, max_value=63)
TRANSFERS = st.lists(st.tuples(INDEXES, INDEXES, AMOUNTS), min_size=1, max_size=3)
SEEDS = st.integers(min_value=0, max_value=2**32)
NORMAL_BALANCES = st.lists(st.sampled_from(list(NormalBalance)), min_size=2, max_size=5)
STEPS = st.integers(min_value=0, max_value=12)
WRITTEN_STATUSES = st.sampled_from([Status.PENDING, Status.POSTED])
LATER_STATUSES = st.sampled_from([Status.POSTED, Status.ARCHIVED])


def transaction(draw: st.DrawFn, account_ids: list[uuid.UUID]) -> tuple[EntryRequest, ...]:
    """A balanced transaction: one to three transfers of 1..10^12, each a debit on one random account
    and a credit of the same amount on another (or the same) random account, entries in random order."""
    entries = []
    for debited, credited, amount in draw(TRANSFERS):
        entries.append(EntryRequest(account_ids[debited % len(account_ids)], Direction.DEBIT, amount))
        entries.append(EntryRequest(account_ids[credited % len(account_ids)], Direction.CREDIT, amount))
    random.Random(draw(SEEDS)).shuffle(entries)
    return tuple(entries)


@st.composite
def histories(draw: st.DrawFn) -> History:
    """Two to five accounts of random normal balance, then up to 12 steps, each writing a new pending
    or posted transaction, or posting or archiving one still pending."""
    accounts = [new_account(normal_balance) for normal_balance in draw(NORMAL_BALANCES)]
    account_ids = [a.id for a in accounts]
    history = History({a.id: a for a in accounts}, [], dict.fromkeys(account_ids, 0), [])
    for _ in range(draw(STEPS)):
        pending = [t for t in history.transactions if t.status is Status.PENDING]
        if len(pending) > 0 and draw(st.booleans()):
            chosen = pending[draw(INDEXES) % len(pending)]
            target = draw(LATER_STATUSES)
            write(history, chosen.entries, Status.PENDING, target)
            chosen.status = target
        else:
            entries = transaction(draw, account_ids)
            assert check_entries_against_accounts(entries, history.accounts) == LEDGER
            status = draw(WRITTEN_STATUSES)
            write(history, entries, None, status)
            history.transactions.append(Written(entries, status))
    return history


def recomputed(history: History, account_id: uuid.UUID) -> BalanceTotals:
    """An account's totals summed from the entries of the transactions that are not archived."""

    def total(direction: Direction, status: Status) -> int:
        return sum(
            entry.amount
            for transaction in history.transactions
            if transaction.status is status
            for entry in transaction.entries
            if entry.ledger_account_id == account_id and entry.direction is direction
        )

    return BalanceTotals(
        posted_credits=total(Direction.CREDIT, Status.POSTED),
        posted_debits=total(Direction.DEBIT, Status.POSTED),
        pending_credits=total(Direction.CREDIT, Status.PENDING),
        pending_debits=total(Direction.DEBIT, Status.PENDING),
    )


@EXAMPLES
@given(histories())
def test_over_all_accounts_posted_debits_equal_posted_credits_and_pending_debits_equal_pending_credits(
    history: History,
) -> None:
    totals = [a.totals for a in history.accounts.values()]
    assert sum(t.posted_debits for t in totals) == sum(t.posted_credits for t in totals)
    assert sum(t.pending_debits for t in totals) == sum(t.pending_credits for t in totals)


@EXAMPLES
@given(histories())
def test_stored_totals_equal_the_totals_recomputed_from_the_surviving_entries(history: History) -> None:
    for account_id, account in history.accounts.items():
        assert account.totals == recomputed(history, account_id)


@EXAMPLES
@given(histories())
def test_lock_version_equals_the_number_of_balance_changing_transactions_applied_to_the_account(
    history: History,
) -> None:
    for account_id, account in history.accounts.items():
        assert account.lock_version == history.changes[account_id]


@EXAMPLES
@given(histories())
def test_archived_entries_never_count_so_replaying_only_the_others_gives_the_same_totals(history: History) -> None:
    replayed = {
        account_id: replace(account, totals=BalanceTotals(), lock_version=0)
        for account_id, account in history.accounts.items()
    }
    for transaction in history.transactions:
        if transaction.status is not Status.ARCHIVED:
            replayed.update(apply(replayed, move(transaction.entries, None, transaction.status)))
    assert {i: a.totals for i, a in replayed.items()} == {i: a.totals for i, a in history.accounts.items()}


@EXAMPLES
@given(histories())
def test_archiving_a_transaction_takes_exactly_its_entries_out_of_the_pending_totals(history: History) -> None:
    for entries, before, after in history.archivings:
        for account_id, totals in before.items():
            released = BalanceTotals()
            for entry in entries:
                if entry.ledger_account_id == account_id:
                    released = released.move(entry.direction, entry.amount, None, Status.PENDING)
            assert after[account_id] == BalanceTotals(
                posted_credits=totals.posted_credits,
                posted_debits=totals.posted_debits,
                pending_credits=totals.pending_credits - released.pending_credits,
                pending_debits=totals.pending_debits - released.pending_debits,
            )


@EXAMPLES
@given(histories())
def test_available_amount_is_never_more_than_the_posted_or_the_pending_amount(history: History) -> None:
    for account in history.accounts.values():
        balances = account.balances
        assert balances.available_balance.amount <= balances.posted_balance.amount
        assert balances.available_balance.amount <= balances.pending_balance.amount


@EXAMPLES
@given(histories())
def test_an_account_without_pending_entries_shows_the_same_amount_in_all_three_views(history: History) -> None:
    for account in history.accounts.values():
        if account.totals.pending_credits == account.totals.pending_debits == 0:
            balances = account.balances
            assert balances.available_balance == balances.posted_balance == balances.pending_balance


totals_in_range = st.builds(
    BalanceTotals,
    st.integers(0, INT64_MAX),
    st.integers(0, INT64_MAX),
    st.integers(0, INT64_MAX),
    st.integers(0, INT64_MAX),
)


@EXAMPLES
@given(totals_in_range, st.sampled_from(list(NormalBalance)))
def test_totals_that_do_not_overflow_give_views_whose_numbers_all_fit_in_int64(
    totals: BalanceTotals, normal_balance: NormalBalance
) -> None:
    if totals.overflows():
        assert (
            totals.posted_credits + totals.pending_credits > INT64_MAX
            or totals.posted_debits + totals.pending_debits > INT64_MAX
        )
        return
    for view in BalanceView:
        credits, debits, amount = totals.view(view, normal_balance)
        assert 0 <= credits <= INT64_MAX
        assert 0 <= debits <= INT64_MAX
        assert -INT64_MAX <= amount <= INT64_MAX


@EXAMPLES
@given(
    totals_in_range,
    st.sampled_from(list(Direction)),
    AMOUNTS,
    st.sampled_from([Status.PENDING, Status.POSTED]),
    st.sampled_from([Status.POSTED, Status.ARCHIVED, None]),
)
def test_writing_an_entry_and_then_moving_it_on_is_the_same_as_writing_it_in_its_final_status(
    totals: BalanceTotals, direction: Direction, amount: int, first: Status, final: Status | None
) -> None:
    moved = totals.move(direction, amount, None, first).move(direction, amount, first, final)
    assert moved == totals.move(direction, amount, None, final)
