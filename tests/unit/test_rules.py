"""The rules of double-entry writes and of holds, on plain values."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

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
    InvalidArgument,
    LedgerError,
    NotFound,
)
from ledgerd.server.domain.holds import Hold, HoldStatus, approved_amount, require_pending, require_releasable
from ledgerd.server.domain.model import LedgerAccount
from ledgerd.server.domain.transactions import (
    EntryRequest,
    Movement,
    apply,
    check_entries_against_accounts,
    check_entry_shape,
    check_status_change,
)
from ledgerd.server.domain.validation import Violations, merge_metadata

NOW = datetime(2026, 11, 22, tzinfo=UTC)
LEDGER = uuid.uuid4()


def account(currency: str = "USD", ledger_id: uuid.UUID = LEDGER, **totals: int) -> LedgerAccount:
    return LedgerAccount(
        id=uuid.uuid4(),
        ledger_id=ledger_id,
        name="a",
        description="",
        normal_balance=NormalBalance.CREDIT,
        currency=currency,
        currency_exponent=2,
        metadata={},
        lock_version=0,
        totals=BalanceTotals(**totals),
        created_at=NOW,
        updated_at=NOW,
    )


def refusal(error: pytest.ExceptionInfo[LedgerError]) -> tuple[type, ErrorReason]:
    return type(error.value), error.value.reason


def test_entry_shape_needs_two_entries_and_both_directions() -> None:
    violations = Violations()
    check_entry_shape("ledger_entries", [Direction.DEBIT], violations)
    assert [v.description for v in violations.items] == [
        "needs at least 2 entries",
        "needs at least one debit and one credit entry",
    ]


def test_unbalanced_unknown_cross_ledger_and_currency_mismatch_are_refused() -> None:
    usd, other_usd, eur = account(), account(), account("EUR")
    foreign_ledger = account(ledger_id=uuid.uuid4())
    accounts = {a.id: a for a in (usd, other_usd, eur, foreign_ledger)}

    def check(*entries: EntryRequest) -> tuple[type, ErrorReason]:
        with pytest.raises(LedgerError) as raised:
            check_entries_against_accounts(entries, accounts)
        return refusal(raised)

    assert check(EntryRequest(usd.id, Direction.DEBIT, 2), EntryRequest(other_usd.id, Direction.CREDIT, 1)) == (
        InvalidArgument,
        ErrorReason.UNBALANCED_ENTRIES,
    )
    assert check(EntryRequest(usd.id, Direction.DEBIT, 1), EntryRequest(uuid.uuid4(), Direction.CREDIT, 1)) == (
        NotFound,
        ErrorReason.LEDGER_ACCOUNT_NOT_FOUND,
    )
    assert check(EntryRequest(usd.id, Direction.DEBIT, 1), EntryRequest(foreign_ledger.id, Direction.CREDIT, 1)) == (
        FailedPrecondition,
        ErrorReason.LEDGER_MISMATCH,
    )
    assert check(EntryRequest(usd.id, Direction.DEBIT, 1), EntryRequest(eur.id, Direction.CREDIT, 1)) == (
        InvalidArgument,
        ErrorReason.UNBALANCED_ENTRIES,
    )
    assert check(
        EntryRequest(usd.id, Direction.DEBIT, 1, currency="EUR"), EntryRequest(other_usd.id, Direction.CREDIT, 1)
    ) == (FailedPrecondition, ErrorReason.CURRENCY_MISMATCH)


def test_status_moves_only_from_pending_and_posted_never_changes() -> None:
    check_status_change(Status.PENDING, Status.POSTED, False)
    check_status_change(Status.PENDING, Status.ARCHIVED, True)
    check_status_change(Status.POSTED, None, False)
    with pytest.raises(FailedPrecondition) as raised:
        check_status_change(Status.POSTED, Status.ARCHIVED, False)
    assert raised.value.reason is ErrorReason.INVALID_STATUS_TRANSITION
    with pytest.raises(FailedPrecondition) as raised:
        check_status_change(Status.POSTED, None, True)
    assert raised.value.reason is ErrorReason.LEDGER_TRANSACTION_IMMUTABLE


def test_apply_bumps_each_changed_account_once_and_checks_guards_after_the_whole_transaction() -> None:
    wallet, cash = account(posted_credits=100), account()
    accounts = {wallet.id: wallet, cash.id: cash}
    # Two debits of 60 and a credit of 30 back on the wallet: 100 - 120 + 30 = 10, so ">= 0" holds at the end.
    guard = ((BalanceView.AVAILABLE, BalanceCondition(gte=0)),)
    entries = [
        EntryRequest(wallet.id, Direction.DEBIT, 60, lock_version=0, conditions=guard),
        EntryRequest(wallet.id, Direction.DEBIT, 60),
        EntryRequest(wallet.id, Direction.CREDIT, 30),
        EntryRequest(cash.id, Direction.CREDIT, 90),
    ]
    changed = apply(
        accounts, [Movement(e.ledger_account_id, e.direction, e.amount, None, Status.POSTED) for e in entries], entries
    )
    assert changed[wallet.id].lock_version == 1 and changed[cash.id].lock_version == 1
    assert changed[wallet.id].totals == BalanceTotals(posted_credits=130, posted_debits=120)


def test_apply_refuses_a_moved_lock_version_and_a_failed_guard() -> None:
    wallet, cash = account(posted_credits=100), account()
    accounts = {wallet.id: wallet, cash.id: cash}
    stale = [EntryRequest(wallet.id, Direction.DEBIT, 1, lock_version=3), EntryRequest(cash.id, Direction.CREDIT, 1)]
    with pytest.raises(Aborted) as aborted:
        apply(
            accounts, [Movement(e.ledger_account_id, e.direction, e.amount, None, Status.POSTED) for e in stale], stale
        )
    assert aborted.value.reason is ErrorReason.LOCK_VERSION_MISMATCH
    guard = ((BalanceView.AVAILABLE, BalanceCondition(gte=0)),)
    spend = [
        EntryRequest(wallet.id, Direction.DEBIT, 101, conditions=guard),
        EntryRequest(cash.id, Direction.CREDIT, 101),
    ]
    with pytest.raises(FailedPrecondition) as failed:
        apply(
            accounts, [Movement(e.ledger_account_id, e.direction, e.amount, None, Status.PENDING) for e in spend], spend
        )
    assert failed.value.reason is ErrorReason.BALANCE_CONDITION_FAILED
    assert failed.value.metadata["amount"] == "-1"


@pytest.mark.parametrize(
    ("available", "requested", "floor", "allow_partial", "approved"),
    [
        (100, 100, 0, False, 100),
        (100, 101, 0, False, 0),
        (100, 150, 0, True, 100),
        (0, 1, 0, True, 0),
        (10, 50, -40, False, 50),  # a credit line of 40
        (-5, 1, 0, True, 0),
    ],
)
def test_a_hold_approves_what_keeps_available_at_or_above_the_floor(
    available: int, requested: int, floor: int, allow_partial: bool, approved: int
) -> None:
    assert approved_amount(available, requested, floor, allow_partial) == approved


def hold(**fields: object) -> Hold:
    values: dict[str, object] = dict(
        id=uuid.uuid4(),
        ledger_id=LEDGER,
        ledger_account_id=uuid.uuid4(),
        counter_ledger_account_id=uuid.uuid4(),
        amount=100,
        captured_amount=0,
        currency="USD",
        status=HoldStatus.PENDING,
        external_id=None,
        expires_at=None,
        ledger_transaction_id=uuid.uuid4(),
        available_balance_floor=0,
        metadata={},
        created_at=NOW,
        updated_at=NOW,
    )
    values.update(fields)
    return Hold(**values)  # type: ignore[arg-type]


def test_only_a_pending_hold_not_past_its_expiry_changes() -> None:
    require_pending(hold(), NOW)
    require_pending(hold(expires_at=NOW + timedelta(seconds=1)), NOW)
    for stale, status in ((hold(expires_at=NOW), "expired"), (hold(status=HoldStatus.CAPTURED, amount=0), "captured")):
        with pytest.raises(FailedPrecondition) as refused:
            require_pending(stale, NOW)
        assert (refused.value.reason, refused.value.metadata["status"]) == (ErrorReason.HOLD_NOT_PENDING, status)
    with pytest.raises(FailedPrecondition) as refused:
        require_releasable(hold(amount=10), 11)
    assert refused.value.reason is ErrorReason.RELEASE_EXCEEDS_HOLD


def test_metadata_updates_merge_and_an_empty_value_removes_a_key() -> None:
    assert merge_metadata({"a": "1", "b": "2"}, {"b": "", "c": "3"}) == {"a": "1", "c": "3"}
