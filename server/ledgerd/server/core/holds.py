"""Use cases of holds: place, increase, capture, release, expire, and reads. Each hold write is a
write of the batched write path (core.writer): it changes the hold's pending ledger transaction
through the same rules as TransactionService, in the same database transaction as the hold row."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from ledgerd.server.core.coalescer import Coalescer
from ledgerd.server.core.idempotency import Idempotency
from ledgerd.server.core.ledgers import account_not_found, require_parents
from ledgerd.server.core.paging import Page, PageRequest
from ledgerd.server.core.transactions import CreateLedgerTransaction, UpdateLedgerTransaction
from ledgerd.server.core.writer import BatchState, WriteDefaults
from ledgerd.server.domain import limits
from ledgerd.server.domain.balances import BalanceCondition, BalanceView, LedgerBalance, Status
from ledgerd.server.domain.errors import AlreadyExists, ErrorReason, FailedPrecondition
from ledgerd.server.domain.holds import (
    Hold,
    HoldDecision,
    HoldDeclineReason,
    HoldStatus,
    approved_amount,
    available_amount,
    hold_not_found,
    outgoing,
    require_pending,
    require_releasable,
)
from ledgerd.server.domain.ids import new_id
from ledgerd.server.domain.model import LedgerAccount, LedgerTransaction
from ledgerd.server.domain.transactions import EntryRequest, check_entries_against_accounts
from ledgerd.server.store import holds as store


@dataclass(frozen=True)
class HoldAnswer:
    """The answer to PlaceHold and IncreaseHold: a decline is an answer, not an error."""

    decision: HoldDecision
    decline_reason: HoldDeclineReason | None
    hold: Hold | None
    available_balance: LedgerBalance


@dataclass(frozen=True)
class Captured:
    hold: Hold
    ledger_transaction: LedgerTransaction


def _entries(
    wallet: LedgerAccount, counter_id: uuid.UUID, amount: int, floor: int | None, currency: str | None = None
) -> tuple[EntryRequest, ...]:
    """Moves `amount` out of the wallet to the counter account; `floor` guards the wallet's available balance."""
    guard = ((BalanceView.AVAILABLE, BalanceCondition(gte=floor)),) if floor is not None else ()
    direction = outgoing(wallet)
    return (
        EntryRequest(wallet.id, direction, amount, conditions=guard, currency=currency),
        EntryRequest(counter_id, direction.opposite, amount, currency=currency),
    )


def _change_transaction(
    state: BatchState, hold: Hold, amount: int | None, status: Status | None, floor: int | None
) -> LedgerTransaction:
    """The hold's transaction with its entries replaced to hold `amount` (None: kept) and/or a new status."""
    wallet = state.accounts[hold.ledger_account_id]
    entries = _entries(wallet, hold.counter_ledger_account_id, amount, floor) if amount is not None else ()
    return UpdateLedgerTransaction(
        id=hold.ledger_transaction_id,
        status=status,
        ledger_entries=entries,
        description=None,
        metadata={},
        effective_at=None,
        by_hold=True,
    ).apply(state)


def _require_int64(hold: Hold, total: int) -> None:
    if total > limits.amount_max:
        raise FailedPrecondition(
            ErrorReason.BALANCE_OVERFLOW, f"hold {hold.id} would hold more than 2^63-1", {"hold_id": str(hold.id)}
        )


class _HoldWrite(WriteDefaults):
    """A write on an existing hold: locks the hold, then its transaction, then both accounts."""

    hold_id: uuid.UUID

    def hold_ids(self) -> Iterable[uuid.UUID]:
        return (self.hold_id,)

    def transaction_ids(self, state: BatchState) -> Iterable[uuid.UUID]:
        hold = state.holds.get(self.hold_id)
        return (hold.ledger_transaction_id,) if hold else ()

    def account_ids(self, state: BatchState) -> Iterable[uuid.UUID]:
        hold = state.holds.get(self.hold_id)
        return (hold.ledger_account_id, hold.counter_ledger_account_id) if hold else ()

    def pending_hold(self, state: BatchState) -> Hold:
        hold = state.holds.get(self.hold_id)
        if hold is None:
            raise hold_not_found(self.hold_id)
        require_pending(hold, state.now)
        return hold


@dataclass(frozen=True)
class PlaceHold(WriteDefaults):
    ledger_account_id: uuid.UUID
    counter_ledger_account_id: uuid.UUID
    amount: int
    currency: str | None
    external_id: str | None
    expires_at: datetime | None
    timeout_seconds: int | None
    allow_partial: bool
    available_balance_floor: int
    metadata: Mapping[str, str]
    # The request as sent, sans idempotency key: tells a processor's retry from a conflict.
    fingerprint: bytes
    idempotency: Idempotency[Any] | None = None

    def account_ids(self, state: BatchState) -> Iterable[uuid.UUID]:
        return (self.ledger_account_id, self.counter_ledger_account_id)

    def hold_external_ids(self) -> Iterable[str]:
        return (self.external_id,) if self.external_id else ()

    def apply(self, state: BatchState) -> HoldAnswer:
        for account_id in (self.ledger_account_id, self.counter_ledger_account_id):
            if account_id not in state.accounts:
                raise account_not_found(account_id)
        wallet = state.accounts[self.ledger_account_id]
        requested = _entries(wallet, self.counter_ledger_account_id, self.amount, None, self.currency)
        ledger_id = check_entries_against_accounts(requested, state.accounts)
        if self.external_id:
            existing = state.hold_external_ids.get((ledger_id, self.external_id))
            if existing is not None:
                if existing.request_fingerprint != self.fingerprint:
                    raise AlreadyExists(
                        ErrorReason.HOLD_EXTERNAL_ID_ALREADY_EXISTS,
                        f"hold {existing.id} of the ledger has external_id {self.external_id!r}, from another request",
                        {"hold_id": str(existing.id), "external_id": self.external_id},
                    )
                return HoldAnswer(HoldDecision.APPROVED, None, existing, wallet.balances.available_balance)
        amount = approved_amount(
            available_amount(wallet), self.amount, self.available_balance_floor, self.allow_partial
        )
        if amount == 0:
            return HoldAnswer(
                HoldDecision.DECLINED, HoldDeclineReason.INSUFFICIENT_FUNDS, None, wallet.balances.available_balance
            )
        transaction = CreateLedgerTransaction(
            ledger_entries=_entries(wallet, self.counter_ledger_account_id, amount, self.available_balance_floor),
            status=Status.PENDING,
            description=f"Hold of {amount} {wallet.currency}" + (f" ({self.external_id})" if self.external_id else ""),
            external_id=None,
            effective_at=None,
            metadata=dict(self.metadata),
            fingerprint=self.fingerprint,
        ).apply(state)
        expires_at = self.expires_at
        if self.timeout_seconds is not None:
            expires_at = state.now + timedelta(seconds=self.timeout_seconds)
        hold = Hold(
            id=new_id(),
            ledger_id=ledger_id,
            ledger_account_id=wallet.id,
            counter_ledger_account_id=self.counter_ledger_account_id,
            amount=amount,
            captured_amount=0,
            currency=wallet.currency,
            status=HoldStatus.PENDING,
            external_id=self.external_id,
            expires_at=expires_at,
            ledger_transaction_id=transaction.id,
            available_balance_floor=self.available_balance_floor,
            metadata=dict(self.metadata),
            created_at=state.now,
            updated_at=state.now,
            request_fingerprint=self.fingerprint,
        )
        state.accept_hold(hold)
        return HoldAnswer(HoldDecision.APPROVED, None, hold, state.accounts[wallet.id].balances.available_balance)


@dataclass(frozen=True)
class IncreaseHold(_HoldWrite):
    hold_id: uuid.UUID
    amount: int
    idempotency: Idempotency[Any] | None = None

    def apply(self, state: BatchState) -> HoldAnswer:
        hold = self.pending_hold(state)
        wallet = state.accounts[hold.ledger_account_id]
        if approved_amount(available_amount(wallet), self.amount, hold.available_balance_floor, False) == 0:
            return HoldAnswer(
                HoldDecision.DECLINED, HoldDeclineReason.INSUFFICIENT_FUNDS, hold, wallet.balances.available_balance
            )
        total = hold.amount + self.amount
        _require_int64(hold, total)
        _change_transaction(state, hold, total, None, hold.available_balance_floor)
        changed = replace(hold, amount=total, updated_at=state.now)
        state.accept_hold(changed)
        return HoldAnswer(HoldDecision.APPROVED, None, changed, state.accounts[wallet.id].balances.available_balance)


@dataclass(frozen=True)
class CaptureHold(_HoldWrite):
    hold_id: uuid.UUID
    amount: int
    final: bool
    idempotency: Idempotency[Any] | None = None

    def apply(self, state: BatchState) -> Captured:
        hold = self.pending_hold(state)
        if self.final or self.amount >= hold.amount:
            # Posts the hold's own transaction for the captured amount: no guard, since the network
            # already approved it (an over-capture may take the balance below the floor).
            transaction = _change_transaction(
                state, hold, self.amount if self.amount != hold.amount else None, Status.POSTED, None
            )
            changed = replace(
                hold,
                status=HoldStatus.CAPTURED,
                amount=0,
                captured_amount=hold.captured_amount + self.amount,
                capture_ledger_transaction_ids=(*hold.capture_ledger_transaction_ids, transaction.id),
                updated_at=state.now,
            )
        else:
            wallet = state.accounts[hold.ledger_account_id]
            transaction = CreateLedgerTransaction(
                ledger_entries=_entries(wallet, hold.counter_ledger_account_id, self.amount, None),
                status=Status.POSTED,
                description=f"Capture of {self.amount} {hold.currency} of hold {hold.id}",
                external_id=None,
                effective_at=None,
                metadata=dict(hold.metadata),
                fingerprint=hold.request_fingerprint,
            ).apply(state)
            _change_transaction(state, hold, hold.amount - self.amount, None, None)
            changed = replace(
                hold,
                amount=hold.amount - self.amount,
                captured_amount=hold.captured_amount + self.amount,
                capture_ledger_transaction_ids=(*hold.capture_ledger_transaction_ids, transaction.id),
                updated_at=state.now,
            )
        _require_int64(hold, changed.captured_amount)
        state.accept_hold(changed)
        return Captured(changed, transaction)


@dataclass(frozen=True)
class ReleaseHold(_HoldWrite):
    hold_id: uuid.UUID
    amount: int | None  # None: all
    idempotency: Idempotency[Any] | None = None

    def apply(self, state: BatchState) -> Hold:
        hold = self.pending_hold(state)
        if self.amount is not None:
            require_releasable(hold, self.amount)
        if self.amount is None or self.amount == hold.amount:
            _change_transaction(state, hold, None, Status.ARCHIVED, None)
            changed = replace(hold, status=HoldStatus.RELEASED, amount=0, updated_at=state.now)
        else:
            _change_transaction(state, hold, hold.amount - self.amount, None, None)
            changed = replace(hold, amount=hold.amount - self.amount, updated_at=state.now)
        state.accept_hold(changed)
        return changed


@dataclass(frozen=True)
class ExpireHold(_HoldWrite):
    """The expirer's release. Exactly once: under the hold's row lock, a hold that is no longer
    pending (captured, released, or expired by another expirer) is left as it is."""

    hold_id: uuid.UUID
    idempotency: Idempotency[Any] | None = None

    def apply(self, state: BatchState) -> Hold | None:
        hold = state.holds.get(self.hold_id)
        if hold is None or hold.status is not HoldStatus.PENDING:
            return None
        if hold.expires_at is None or hold.expires_at > state.now:
            return None
        _change_transaction(state, hold, None, Status.ARCHIVED, None)
        changed = replace(hold, status=HoldStatus.EXPIRED, amount=0, updated_at=state.now)
        state.accept_hold(changed)
        return changed


HoldWrite = PlaceHold | IncreaseHold | CaptureHold | ReleaseHold


class HoldsUseCases:
    def __init__(self, pool: asyncpg.Pool, coalescer: Coalescer) -> None:
        self.pool = pool
        self.coalescer = coalescer

    async def write(self, organization_id: uuid.UUID, write: HoldWrite) -> Any:
        return await self.coalescer.apply(organization_id, write)

    def enqueue(self, organization_id: uuid.UUID, write: HoldWrite) -> asyncio.Future[Any]:
        """The write queued; its outcome (a refusal included) arrives in the future."""
        return self.coalescer.enqueue(organization_id, write)

    async def get(self, organization_id: uuid.UUID, hold_id: uuid.UUID) -> Hold:
        found = await store.get_holds(self.pool, organization_id, [hold_id])
        if hold_id not in found:
            raise hold_not_found(hold_id)
        return found[hold_id]

    async def list(self, organization_id: uuid.UUID, page: PageRequest, **filters: Any) -> Page[Hold]:
        await require_parents(self.pool, organization_id, **filters)
        items = await store.list_holds(self.pool, organization_id, page.after, page.size + 1, **filters)
        return Page.of(items, page)

    async def expire_due(self, now: datetime) -> int:
        """Releases up to holds_per_expiry_batch_max holds expired by `now`; returns how many it expired."""
        due = await store.due_holds(self.pool, now, limits.holds_per_expiry_batch_max)
        by_organization: dict[uuid.UUID, list[ExpireHold]] = {}
        for organization_id, hold_id in due:
            by_organization.setdefault(organization_id, []).append(ExpireHold(hold_id))
        expired = 0
        for organization_id, writes in by_organization.items():
            outcomes = await self.coalescer.submit_many(organization_id, writes)
            expired += sum(1 for o in outcomes if isinstance(o, Hold))
        return expired
