"""The rules of double-entry writes: shape, balance per currency, status moves, balance conditions
and expected lock versions. Pure: takes account snapshots, returns new ones or raises."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from ledgerd.server.domain import limits
from ledgerd.server.domain.balances import (
    BalanceCondition,
    BalanceTotals,
    BalanceView,
    Direction,
    Status,
    require_no_overflow,
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
from ledgerd.server.domain.validation import Violations


@dataclass(frozen=True)
class EntryRequest:
    ledger_account_id: uuid.UUID
    direction: Direction
    amount: int
    lock_version: int | None = None
    conditions: tuple[tuple[BalanceView, BalanceCondition], ...] = ()
    metadata: Mapping[str, str] | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Movement:
    """An entry moving between statuses; None on either side means "does not count"."""

    ledger_account_id: uuid.UUID
    direction: Direction
    amount: int
    source: Status | None
    target: Status | None

    @property
    def changes_balances(self) -> bool:
        return counts(self.source) != counts(self.target) or (counts(self.source) and self.source is not self.target)


def counts(status: Status | None) -> bool:
    return status is Status.PENDING or status is Status.POSTED


def check_entry_shape(field: str, directions: Sequence[Direction | None], violations: Violations) -> None:
    """What can be told without the accounts: the number of entries and both directions present
    (`directions` has one item per entry sent; None where an entry's direction is not valid)."""
    if len(directions) < limits.entries_per_transaction_min:
        violations.add(field, f"needs at least {limits.entries_per_transaction_min} entries")
    if len(directions) > limits.entries_per_transaction_max:
        violations.add(
            field, f"has more than {limits.entries_per_transaction_max} entries (entries_per_transaction_max)"
        )
    if directions and None not in directions and not (Direction.DEBIT in directions and Direction.CREDIT in directions):
        violations.add(field, "needs at least one debit and one credit entry")


def check_entries_against_accounts(
    entries: Sequence[EntryRequest], accounts: Mapping[uuid.UUID, LedgerAccount]
) -> uuid.UUID:
    """Every account known, one ledger, matching currencies, balanced per currency.
    Returns the ledger of the transaction."""
    for entry in entries:
        if entry.ledger_account_id not in accounts:
            raise NotFound(
                ErrorReason.LEDGER_ACCOUNT_NOT_FOUND,
                f"ledger account {entry.ledger_account_id} not found",
                {"ledger_account_id": str(entry.ledger_account_id)},
            )
    ledger_ids = {accounts[e.ledger_account_id].ledger_id for e in entries}
    if len(ledger_ids) != 1:
        raise FailedPrecondition(ErrorReason.LEDGER_MISMATCH, "the entries touch accounts of more than one ledger")
    sums: dict[str, int] = {}
    for index, entry in enumerate(entries):
        account = accounts[entry.ledger_account_id]
        if entry.currency and entry.currency != account.currency:
            raise FailedPrecondition(
                ErrorReason.CURRENCY_MISMATCH,
                f"ledger_entries[{index}]: currency {entry.currency} differs from the account's {account.currency}",
                {"ledger_account_id": str(account.id)},
            )
        sign = 1 if entry.direction is Direction.DEBIT else -1
        sums[account.currency] = sums.get(account.currency, 0) + sign * entry.amount
    unbalanced = sorted(currency for currency, total in sums.items() if total != 0)
    if unbalanced:
        raise InvalidArgument(
            [FieldViolation("ledger_entries", f"debits and credits in {c} differ by {sums[c]}") for c in unbalanced],
            reason=ErrorReason.UNBALANCED_ENTRIES,
            message=f"the credit entries must sum to the debit entries ({', '.join(unbalanced)})",
        )
    return ledger_ids.pop()


def check_status_change(current: Status, requested: Status | None, other_changes: bool) -> None:
    """pending -> posted and pending -> archived only; posted and archived never change."""
    if current is Status.PENDING:
        return
    if requested is not None and requested is not current:
        raise FailedPrecondition(
            ErrorReason.INVALID_STATUS_TRANSITION,
            f"a {current.value} transaction cannot become {requested.value}",
            {"status": current.value},
        )
    if requested is not None or other_changes:
        raise FailedPrecondition(
            ErrorReason.LEDGER_TRANSACTION_IMMUTABLE,
            f"the ledger transaction is {current.value}; posted and archived transactions never change",
            {"status": current.value},
        )


def apply(
    accounts: Mapping[uuid.UUID, LedgerAccount],
    movements: Iterable[Movement],
    guards: Sequence[EntryRequest] = (),
) -> dict[uuid.UUID, LedgerAccount]:
    """The accounts changed by one transaction, each with lock_version + 1, after checking the
    guards' expected lock versions (before) and balance conditions (after the whole transaction)."""
    for guard in guards:
        account = accounts[guard.ledger_account_id]
        if guard.lock_version is not None and guard.lock_version != account.lock_version:
            raise Aborted(
                ErrorReason.LOCK_VERSION_MISMATCH,
                f"ledger account {account.id} is at lock_version {account.lock_version}, "
                f"not {guard.lock_version}: it moved since it was read",
                {"ledger_account_id": str(account.id), "lock_version": str(account.lock_version)},
            )
    totals: dict[uuid.UUID, BalanceTotals] = {}
    for movement in movements:
        if not movement.changes_balances:
            continue
        current = totals.get(movement.ledger_account_id, accounts[movement.ledger_account_id].totals)
        totals[movement.ledger_account_id] = current.move(
            movement.direction, movement.amount, movement.source, movement.target
        )
    changed: dict[uuid.UUID, LedgerAccount] = {}
    for account_id, new_totals in totals.items():
        require_no_overflow(new_totals, account_id)
        account = accounts[account_id]
        changed[account_id] = replace(account, totals=new_totals, lock_version=account.lock_version + 1)
    for guard in guards:
        account = changed.get(guard.ledger_account_id, accounts[guard.ledger_account_id])
        for view, condition in guard.conditions:
            amount = account.totals.view(view, account.normal_balance)[2]
            if not condition.holds(amount):
                raise FailedPrecondition(
                    ErrorReason.BALANCE_CONDITION_FAILED,
                    f"ledger account {account.id}: {view.value} amount would be {amount}, "
                    f"which is not {condition.describe()}",
                    {"ledger_account_id": str(account.id), "balance": view.value, "amount": str(amount)},
                )
    return changed


def partial_post_remainder(
    pending: Sequence[tuple[uuid.UUID, Direction, int, Mapping[str, str]]], posted: Sequence[EntryRequest]
) -> tuple[EntryRequest, ...]:
    """What stays pending after posting `posted` out of the `pending` entries (account, direction,
    amount, metadata): each pending entry must be matched by exactly one posted entry with the same
    account and direction and a smaller amount (Modern Treasury's partial_post)."""
    unmatched = list(posted)
    remainder = []
    for account_id, direction, amount, metadata in pending:
        match = next((p for p in unmatched if p.ledger_account_id == account_id and p.direction is direction), None)
        if match is None or match.amount >= amount:
            raise FailedPrecondition(
                ErrorReason.PARTIAL_POST_MISMATCH,
                f"the pending {direction.value} entry of {amount} on ledger account {account_id} needs one posted "
                "entry with the same account and direction and a smaller amount",
                {"ledger_account_id": str(account_id), "direction": direction.value},
            )
        unmatched.remove(match)
        remainder.append(EntryRequest(account_id, direction, amount - match.amount, metadata=metadata))
    if unmatched:
        extra = unmatched[0]
        raise FailedPrecondition(
            ErrorReason.PARTIAL_POST_MISMATCH,
            f"the posted {extra.direction.value} entry on ledger account {extra.ledger_account_id} matches no "
            "pending entry",
            {"ledger_account_id": str(extra.ledger_account_id), "direction": extra.direction.value},
        )
    return tuple(remainder)
