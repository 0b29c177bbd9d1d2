"""The rules of double-entry writes (ledgerd.server.domain.transactions) on plain values."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from ledgerd.server.domain import limits
from ledgerd.server.domain.balances import (
    BalanceCondition,
    BalanceTotals,
    BalanceView,
    Direction,
    NormalBalance,
    Status,
)
from ledgerd.server.domain.errors import (
    Aborted,
    ErrorReason,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
)
from ledgerd.server.domain.model import LedgerAccount
from ledgerd.server.domain.transactions import (
    EntryRequest,
    Movement,
    apply,
    check_entries_against_accounts,
    check_entry_shape,
    check_status_change,
)
from ledgerd.server.domain.validation import Violations

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LEDGER = uuid.UUID("00000000-0000-7000-8000-000000000001")


def account(
    *,
    currency: str = "USD",
    ledger_id: uuid.UUID = LEDGER,
    normal_balance: NormalBalance = NormalBalance.CREDIT,
    lock_version: int = 0,
    totals: BalanceTotals | None = None,
) -> LedgerAccount:
    return LedgerAccount(
        id=uuid.uuid4(),
        ledger_id=ledger_id,
        name="account",
        description="",
        normal_balance=normal_balance,
        currency=currency,
        currency_exponent=2,
        metadata={},
        lock_version=lock_version,
        totals=totals or BalanceTotals(),
        created_at=NOW,
        updated_at=NOW,
    )


def by_id(*accounts: LedgerAccount) -> dict[uuid.UUID, LedgerAccount]:
    return {a.id: a for a in accounts}


def written(entries: Sequence[EntryRequest], status: Status) -> list[Movement]:
    """The movements of a new transaction with the given status."""
    return [Movement(e.ledger_account_id, e.direction, e.amount, None, status) for e in entries]


def debit(target: LedgerAccount, amount: int, **fields: object) -> EntryRequest:
    return EntryRequest(target.id, Direction.DEBIT, amount, **fields)  # type: ignore[arg-type]


def credit(target: LedgerAccount, amount: int, **fields: object) -> EntryRequest:
    return EntryRequest(target.id, Direction.CREDIT, amount, **fields)  # type: ignore[arg-type]


def shape_violations(directions: Sequence[Direction | None]) -> list[FieldViolation]:
    violations = Violations()
    check_entry_shape("ledger_entries", directions, violations)
    return violations.items


# --- check_entry_shape --------------------------------------------------------------------------


def test_entry_shape_of_one_debit_and_one_credit_is_fine() -> None:
    assert shape_violations([Direction.DEBIT, Direction.CREDIT]) == []


def test_entry_shape_with_no_entries_needs_at_least_two() -> None:
    assert shape_violations([]) == [FieldViolation("ledger_entries", "needs at least 2 entries")]


def test_entry_shape_with_a_single_entry_needs_two_entries_and_both_directions() -> None:
    assert shape_violations([Direction.CREDIT]) == [
        FieldViolation("ledger_entries", "needs at least 2 entries"),
        FieldViolation("ledger_entries", "needs at least one debit and one credit entry"),
    ]


def test_entry_shape_of_only_debits_needs_a_credit() -> None:
    assert shape_violations([Direction.DEBIT] * 3) == [
        FieldViolation("ledger_entries", "needs at least one debit and one credit entry")
    ]


def test_entry_shape_of_only_credits_needs_a_debit() -> None:
    assert shape_violations([Direction.CREDIT] * 2) == [
        FieldViolation("ledger_entries", "needs at least one debit and one credit entry")
    ]


def test_entry_shape_with_an_invalid_direction_does_not_also_complain_about_directions() -> None:
    assert shape_violations([Direction.DEBIT, None]) == []


def test_entry_shape_of_exactly_1000_entries_is_fine() -> None:
    assert limits.entries_per_transaction_max == 1000
    assert shape_violations([Direction.DEBIT, Direction.CREDIT] * 500) == []


def test_entry_shape_of_1001_entries_is_too_many() -> None:
    assert shape_violations([Direction.DEBIT, Direction.CREDIT] * 500 + [Direction.DEBIT]) == [
        FieldViolation("ledger_entries", "has more than 1000 entries (entries_per_transaction_max)")
    ]


# --- check_entries_against_accounts -------------------------------------------------------------


def test_balanced_entries_on_known_accounts_of_one_ledger_return_that_ledger() -> None:
    wallet, cash = account(), account(normal_balance=NormalBalance.DEBIT)
    entries = [debit(cash, 100), credit(wallet, 60), credit(wallet, 40)]
    assert check_entries_against_accounts(entries, by_id(wallet, cash)) == LEDGER


def test_an_entry_on_an_unknown_account_is_not_found_naming_that_account() -> None:
    wallet, missing = account(), uuid.uuid4()
    entries = [debit(wallet, 1), EntryRequest(missing, Direction.CREDIT, 1)]
    with pytest.raises(NotFound) as refused:
        check_entries_against_accounts(entries, by_id(wallet))
    assert refused.value.reason is ErrorReason.LEDGER_ACCOUNT_NOT_FOUND
    assert refused.value.metadata == {"ledger_account_id": str(missing)}


def test_an_unknown_account_is_reported_before_an_imbalance() -> None:
    wallet = account()
    entries = [debit(wallet, 5), EntryRequest(uuid.uuid4(), Direction.CREDIT, 1)]
    with pytest.raises(NotFound):
        check_entries_against_accounts(entries, by_id(wallet))


def test_entries_on_accounts_of_two_ledgers_are_a_ledger_mismatch() -> None:
    here, elsewhere = account(), account(ledger_id=uuid.uuid4())
    with pytest.raises(FailedPrecondition) as refused:
        check_entries_against_accounts([debit(here, 1), credit(elsewhere, 1)], by_id(here, elsewhere))
    assert refused.value.reason is ErrorReason.LEDGER_MISMATCH


def test_an_entry_naming_another_currency_than_its_account_is_a_currency_mismatch() -> None:
    usd, other_usd = account(), account()
    entries = [debit(usd, 1, currency="EUR"), credit(other_usd, 1)]
    with pytest.raises(FailedPrecondition) as refused:
        check_entries_against_accounts(entries, by_id(usd, other_usd))
    assert refused.value.reason is ErrorReason.CURRENCY_MISMATCH
    assert refused.value.metadata == {"ledger_account_id": str(usd.id)}
    assert "ledger_entries[0]" in refused.value.message


def test_an_entry_naming_its_accounts_own_currency_is_accepted() -> None:
    usd, other_usd = account(), account()
    entries = [debit(usd, 1, currency="USD"), credit(other_usd, 1, currency="USD")]
    assert check_entries_against_accounts(entries, by_id(usd, other_usd)) == LEDGER


def test_unbalanced_entries_are_refused_with_the_difference_as_a_violation() -> None:
    wallet, cash = account(), account()
    with pytest.raises(InvalidArgument) as refused:
        check_entries_against_accounts([debit(cash, 100), credit(wallet, 99)], by_id(wallet, cash))
    assert refused.value.reason is ErrorReason.UNBALANCED_ENTRIES
    assert refused.value.violations == (FieldViolation("ledger_entries", "debits and credits in USD differ by 1"),)


def test_entries_balanced_in_total_but_not_per_currency_are_refused_with_one_violation_per_currency() -> None:
    usd, eur = account(), account(currency="EUR")
    with pytest.raises(InvalidArgument) as refused:
        check_entries_against_accounts([debit(usd, 10), credit(eur, 10)], by_id(usd, eur))
    assert refused.value.reason is ErrorReason.UNBALANCED_ENTRIES
    assert refused.value.violations == (
        FieldViolation("ledger_entries", "debits and credits in EUR differ by -10"),
        FieldViolation("ledger_entries", "debits and credits in USD differ by 10"),
    )


def test_multi_currency_entries_balanced_per_currency_are_accepted() -> None:
    usd_a, usd_b = account(), account()
    eur_a, eur_b = account(currency="EUR"), account(currency="EUR")
    entries = [debit(usd_a, 1000), credit(usd_b, 1000), debit(eur_a, 920), credit(eur_b, 900), credit(eur_b, 20)]
    assert check_entries_against_accounts(entries, by_id(usd_a, usd_b, eur_a, eur_b)) == LEDGER


# --- check_status_change ------------------------------------------------------------------------


@pytest.mark.parametrize("requested", [Status.POSTED, Status.ARCHIVED, None])
@pytest.mark.parametrize("other_changes", [False, True])
def test_a_pending_transaction_may_be_posted_archived_or_otherwise_changed(
    requested: Status | None, other_changes: bool
) -> None:
    check_status_change(Status.PENDING, requested, other_changes)  # does not raise


def test_posting_an_archived_transaction_or_archiving_a_posted_one_is_an_invalid_status_transition() -> None:
    for current, requested in (
        (Status.POSTED, Status.ARCHIVED),
        (Status.POSTED, Status.PENDING),
        (Status.ARCHIVED, Status.POSTED),
        (Status.ARCHIVED, Status.PENDING),
    ):
        with pytest.raises(FailedPrecondition) as refused:
            check_status_change(current, requested, False)
        assert refused.value.reason is ErrorReason.INVALID_STATUS_TRANSITION
        assert refused.value.metadata == {"status": current.value}


@pytest.mark.parametrize("current", [Status.POSTED, Status.ARCHIVED])
def test_a_posted_or_archived_transaction_with_other_changes_is_immutable(current: Status) -> None:
    with pytest.raises(FailedPrecondition) as refused:
        check_status_change(current, None, True)
    assert refused.value.reason is ErrorReason.LEDGER_TRANSACTION_IMMUTABLE
    assert refused.value.metadata == {"status": current.value}


@pytest.mark.parametrize("current", [Status.POSTED, Status.ARCHIVED])
def test_a_posted_or_archived_transaction_asked_for_no_change_at_all_is_not_refused(current: Status) -> None:
    check_status_change(current, None, False)  # does not raise


# --- Movement ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target", "changes"),
    [
        (None, Status.PENDING, True),
        (None, Status.POSTED, True),
        (None, Status.ARCHIVED, False),
        (Status.PENDING, Status.POSTED, True),
        (Status.PENDING, Status.ARCHIVED, True),
        (Status.PENDING, None, True),
        (Status.POSTED, None, True),
        (Status.PENDING, Status.PENDING, False),
        (Status.POSTED, Status.POSTED, False),
        (Status.ARCHIVED, None, False),
        (None, None, False),
    ],
)
def test_a_movement_changes_balances_only_when_the_entry_starts_or_stops_counting_or_changes_status(
    source: Status | None, target: Status | None, changes: bool
) -> None:
    assert bool(Movement(uuid.uuid4(), Direction.DEBIT, 1, source, target).changes_balances) is changes


# --- apply ---------------------------------------------------------------------------------------


def test_apply_returns_each_changed_account_with_new_totals_and_lock_version_plus_one() -> None:
    wallet = account(lock_version=4, totals=BalanceTotals(posted_credits=100))
    cash = account(normal_balance=NormalBalance.DEBIT, lock_version=9)
    entries = [debit(wallet, 30), credit(cash, 30)]
    changed = apply(by_id(wallet, cash), written(entries, Status.POSTED), entries)
    assert set(changed) == {wallet.id, cash.id}
    assert changed[wallet.id].totals == BalanceTotals(posted_credits=100, posted_debits=30)
    assert changed[wallet.id].lock_version == 5
    assert changed[cash.id].totals == BalanceTotals(posted_credits=30)
    assert changed[cash.id].lock_version == 10


def test_apply_bumps_lock_version_once_per_transaction_even_with_several_entries_on_one_account() -> None:
    wallet, cash = account(lock_version=2), account(lock_version=7)
    entries = [credit(wallet, 10), credit(wallet, 20), credit(wallet, 30), debit(cash, 60)]
    changed = apply(by_id(wallet, cash), written(entries, Status.PENDING), entries)
    assert changed[wallet.id].lock_version == 3
    assert changed[wallet.id].totals == BalanceTotals(pending_credits=60)
    assert changed[cash.id].lock_version == 8


def test_apply_bumps_lock_version_for_entries_that_cancel_out_on_one_account() -> None:
    wallet = account(lock_version=1)
    entries = [debit(wallet, 50), credit(wallet, 50)]
    changed = apply(by_id(wallet), written(entries, Status.POSTED), entries)
    assert changed[wallet.id].lock_version == 2
    assert changed[wallet.id].totals == BalanceTotals(posted_credits=50, posted_debits=50)


def test_apply_leaves_out_accounts_no_movement_touches() -> None:
    wallet, cash, bystander = account(), account(), account(lock_version=3)
    entries = [debit(wallet, 1), credit(cash, 1)]
    changed = apply(by_id(wallet, cash, bystander), written(entries, Status.POSTED), entries)
    assert bystander.id not in changed


def test_apply_of_movements_that_change_no_balance_changes_no_account() -> None:
    wallet, cash = account(lock_version=1), account(lock_version=1)
    movements = [
        Movement(wallet.id, Direction.DEBIT, 5, None, Status.ARCHIVED),
        Movement(cash.id, Direction.CREDIT, 5, Status.PENDING, Status.PENDING),
    ]
    assert apply(by_id(wallet, cash), movements) == {}


def test_apply_does_not_change_the_accounts_it_is_given() -> None:
    wallet, cash = account(), account()
    accounts = by_id(wallet, cash)
    entries = [debit(wallet, 1), credit(cash, 1)]
    apply(accounts, written(entries, Status.POSTED), entries)
    assert accounts == by_id(wallet, cash)
    assert accounts[wallet.id].totals == BalanceTotals() and accounts[wallet.id].lock_version == 0


def test_apply_with_the_expected_lock_version_writes() -> None:
    wallet, cash = account(lock_version=5), account()
    entries = [debit(wallet, 1, lock_version=5), credit(cash, 1, lock_version=0)]
    changed = apply(by_id(wallet, cash), written(entries, Status.POSTED), entries)
    assert changed[wallet.id].lock_version == 6


def test_apply_with_a_stale_lock_version_is_aborted_with_lock_version_mismatch() -> None:
    wallet, cash = account(lock_version=5), account()
    entries = [debit(wallet, 1, lock_version=4), credit(cash, 1)]
    with pytest.raises(Aborted) as aborted:
        apply(by_id(wallet, cash), written(entries, Status.POSTED), entries)
    assert aborted.value.reason is ErrorReason.LOCK_VERSION_MISMATCH
    assert aborted.value.metadata == {"ledger_account_id": str(wallet.id), "lock_version": "5"}


def test_apply_compares_the_expected_lock_version_with_the_one_before_the_transaction() -> None:
    # Two entries on one account both expecting the version read before the write: not a mismatch
    # though the first entry's movement would change the account.
    wallet, cash = account(lock_version=0), account()
    entries = [debit(wallet, 1, lock_version=0), debit(wallet, 1, lock_version=0), credit(cash, 2)]
    changed = apply(by_id(wallet, cash), written(entries, Status.POSTED), entries)
    assert changed[wallet.id].lock_version == 1


def test_apply_refuses_a_failing_balance_condition_with_the_amount_it_would_have() -> None:
    wallet = account(totals=BalanceTotals(posted_credits=100))
    cash = account()
    guard = ((BalanceView.AVAILABLE, BalanceCondition(gte=0)),)
    entries = [debit(wallet, 101, conditions=guard), credit(cash, 101)]
    with pytest.raises(FailedPrecondition) as refused:
        apply(by_id(wallet, cash), written(entries, Status.PENDING), entries)
    assert refused.value.reason is ErrorReason.BALANCE_CONDITION_FAILED
    assert refused.value.metadata == {
        "ledger_account_id": str(wallet.id),
        "balance": "available_balance",
        "amount": "-1",
    }
    assert ">= 0" in refused.value.message


def test_apply_accepts_a_balance_condition_that_holds_exactly_at_its_bound() -> None:
    wallet = account(totals=BalanceTotals(posted_credits=100))
    cash = account()
    guard = ((BalanceView.AVAILABLE, BalanceCondition(gte=0)),)
    entries = [debit(wallet, 100, conditions=guard), credit(cash, 100)]
    changed = apply(by_id(wallet, cash), written(entries, Status.POSTED), entries)
    assert changed[wallet.id].balances.available_balance.amount == 0


def test_apply_evaluates_conditions_after_the_whole_transaction_so_a_later_credit_can_cover_an_earlier_debit() -> None:
    wallet = account(totals=BalanceTotals(posted_credits=100))
    cash = account()
    guard = ((BalanceView.POSTED, BalanceCondition(gte=0)),)
    # 100 - 150 would be -50 after the first entry; + 80 ends at 30.
    entries = [debit(wallet, 150, conditions=guard), credit(wallet, 80), credit(cash, 70)]
    changed = apply(by_id(wallet, cash), written(entries, Status.POSTED), entries)
    assert changed[wallet.id].balances.posted_balance.amount == 30


def test_apply_evaluates_conditions_after_the_whole_transaction_so_a_later_debit_can_break_it() -> None:
    wallet = account(totals=BalanceTotals(posted_credits=100))
    cash = account()
    guard = ((BalanceView.POSTED, BalanceCondition(gte=0)),)
    # The guarded entry alone leaves 50; the next entry on the same account takes it to -10.
    entries = [debit(wallet, 50, conditions=guard), debit(wallet, 60), credit(cash, 110)]
    with pytest.raises(FailedPrecondition) as refused:
        apply(by_id(wallet, cash), written(entries, Status.POSTED), entries)
    assert refused.value.reason is ErrorReason.BALANCE_CONDITION_FAILED
    assert refused.value.metadata["amount"] == "-10"


def test_a_posted_balance_condition_ignores_a_pending_debit_that_the_available_one_counts() -> None:
    wallet = account(totals=BalanceTotals(posted_credits=100))
    cash = account()
    posted_guard = ((BalanceView.POSTED, BalanceCondition(gte=0)),)
    entries = [debit(wallet, 150, conditions=posted_guard), credit(cash, 150)]
    changed = apply(by_id(wallet, cash), written(entries, Status.PENDING), entries)
    assert changed[wallet.id].totals == BalanceTotals(posted_credits=100, pending_debits=150)
    available_guard = ((BalanceView.AVAILABLE, BalanceCondition(gte=0)),)
    entries = [debit(wallet, 150, conditions=available_guard), credit(cash, 150)]
    with pytest.raises(FailedPrecondition) as refused:
        apply(by_id(wallet, cash), written(entries, Status.PENDING), entries)
    assert refused.value.metadata["amount"] == "-50"


def test_a_pending_balance_condition_counts_pending_entries_in_both_directions() -> None:
    wallet = account(totals=BalanceTotals(posted_credits=100, pending_credits=50))
    cash = account()
    guard = ((BalanceView.PENDING, BalanceCondition(eq=30)),)
    entries = [debit(wallet, 120, conditions=guard), credit(cash, 120)]
    changed = apply(by_id(wallet, cash), written(entries, Status.PENDING), entries)
    assert changed[wallet.id].balances.pending_balance.amount == 30


def test_a_condition_on_a_debit_normal_account_uses_its_debit_normal_amount() -> None:
    cash = account(normal_balance=NormalBalance.DEBIT, totals=BalanceTotals(posted_debits=100))
    wallet = account()
    guard = ((BalanceView.AVAILABLE, BalanceCondition(gte=0)),)
    entries = [credit(cash, 100, conditions=guard), debit(wallet, 100)]
    changed = apply(by_id(cash, wallet), written(entries, Status.PENDING), entries)
    assert changed[cash.id].balances.available_balance.amount == 0
    entries = [credit(cash, 101, conditions=guard), debit(wallet, 101)]
    with pytest.raises(FailedPrecondition) as refused:
        apply(by_id(cash, wallet), written(entries, Status.PENDING), entries)
    assert refused.value.reason is ErrorReason.BALANCE_CONDITION_FAILED
    assert refused.value.metadata["amount"] == "-1"


def test_apply_checks_a_condition_on_an_account_the_movements_do_not_change() -> None:
    # Updating a transaction's metadata: guards without movements see the account as it is.
    wallet = account(totals=BalanceTotals(posted_credits=5))
    guard = (debit(wallet, 1, conditions=((BalanceView.POSTED, BalanceCondition(gt=10)),)),)
    with pytest.raises(FailedPrecondition) as refused:
        apply(by_id(wallet), [], guard)
    assert refused.value.metadata["amount"] == "5"
    guard = (debit(wallet, 1, conditions=((BalanceView.POSTED, BalanceCondition(lte=5)),)),)
    assert apply(by_id(wallet), [], guard) == {}


def test_apply_refuses_totals_beyond_int64_with_balance_overflow() -> None:
    full = account(totals=BalanceTotals(posted_credits=limits.INT64_MAX))
    cash = account()
    entries = [credit(full, 1), debit(cash, 1)]
    with pytest.raises(FailedPrecondition) as refused:
        apply(by_id(full, cash), written(entries, Status.PENDING), entries)
    assert refused.value.reason is ErrorReason.BALANCE_OVERFLOW
    assert refused.value.metadata == {"ledger_account_id": str(full.id)}


def test_posting_a_pending_transaction_moves_its_totals_from_pending_to_posted() -> None:
    wallet, cash = account(), account(normal_balance=NormalBalance.DEBIT)
    entries = [debit(cash, 70), credit(wallet, 70)]
    accounts = by_id(wallet, cash)
    accounts.update(apply(accounts, written(entries, Status.PENDING), entries))
    assert accounts[wallet.id].totals == BalanceTotals(pending_credits=70)
    post = [Movement(e.ledger_account_id, e.direction, e.amount, Status.PENDING, Status.POSTED) for e in entries]
    accounts.update(apply(accounts, post))
    assert accounts[wallet.id].totals == BalanceTotals(posted_credits=70)
    assert accounts[cash.id].totals == BalanceTotals(posted_debits=70)
    assert accounts[wallet.id].lock_version == 2 and accounts[cash.id].lock_version == 2


def test_archiving_a_pending_transaction_releases_its_pending_totals() -> None:
    wallet = account(totals=BalanceTotals(posted_credits=100))
    cash = account()
    entries = [debit(wallet, 40), credit(cash, 40)]
    accounts = by_id(wallet, cash)
    accounts.update(apply(accounts, written(entries, Status.PENDING), entries))
    assert accounts[wallet.id].balances.available_balance.amount == 60
    archive = [Movement(e.ledger_account_id, e.direction, e.amount, Status.PENDING, Status.ARCHIVED) for e in entries]
    accounts.update(apply(accounts, archive))
    assert accounts[wallet.id].totals == BalanceTotals(posted_credits=100)
    assert accounts[cash.id].totals == BalanceTotals()
    assert accounts[wallet.id].balances.available_balance.amount == 100
    assert accounts[wallet.id].lock_version == 2 and accounts[cash.id].lock_version == 2
