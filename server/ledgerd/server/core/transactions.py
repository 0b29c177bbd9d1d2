"""Use cases of ledger transactions: create (one or a batch), update (post, archive, replace
entries), reverse, and reads."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import asyncpg

from ledgerd.server.core.coalescer import Coalescer
from ledgerd.server.core.idempotency import Idempotency, Replay
from ledgerd.server.core.ledgers import require_parents, transaction_not_found
from ledgerd.server.core.paging import Page, PageRequest
from ledgerd.server.core.writer import BatchState, Change, Outcome, WriteDefaults, execute
from ledgerd.server.domain import limits
from ledgerd.server.domain import transactions as rules
from ledgerd.server.domain.balances import Status
from ledgerd.server.domain.errors import (
    AlreadyExists,
    ErrorReason,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
)
from ledgerd.server.domain.holds import HoldStatus
from ledgerd.server.domain.ids import new_id
from ledgerd.server.domain.model import LedgerAccount, LedgerEntry, LedgerTransaction, LedgerTransactionVersion
from ledgerd.server.domain.transactions import EntryRequest, Movement
from ledgerd.server.domain.validation import merge_metadata
from ledgerd.server.store import transactions as store


def _entries_written(
    transaction_id: uuid.UUID,
    requests: Sequence[EntryRequest],
    status: Status,
    effective_at: datetime,
    before: Mapping[uuid.UUID, LedgerAccount],
    changed: Mapping[uuid.UUID, LedgerAccount],
    now: datetime,
) -> tuple[LedgerEntry, ...]:
    """Entry rows, each recording its account's lock_version and balances right after the write."""
    written = []
    for request in requests:
        account = changed.get(request.ledger_account_id, before[request.ledger_account_id])
        written.append(
            LedgerEntry(
                id=new_id(),
                ledger_transaction_id=transaction_id,
                ledger_account_id=account.id,
                direction=request.direction,
                amount=request.amount,
                status=status,
                effective_at=effective_at,
                ledger_account_lock_version=account.lock_version,
                resulting_totals=account.totals,
                normal_balance=account.normal_balance,
                currency=account.currency,
                currency_exponent=account.currency_exponent,
                metadata=dict(request.metadata or {}),
                created_at=now,
            )
        )
    return tuple(written)


def _refuse_if_held(state: BatchState, transaction_id: uuid.UUID) -> None:
    hold = state.holds_of_transactions.get(transaction_id)
    if hold is not None and hold.status is HoldStatus.PENDING:
        raise FailedPrecondition(
            ErrorReason.LEDGER_TRANSACTION_HELD,
            f"ledger transaction {transaction_id} holds funds for pending hold {hold.id}: "
            "change it through HoldService",
            {"hold_id": str(hold.id)},
        )


@dataclass(frozen=True)
class CreateLedgerTransaction(WriteDefaults):
    ledger_entries: tuple[EntryRequest, ...]
    status: Status
    description: str
    external_id: str | None
    effective_at: datetime | None
    metadata: Mapping[str, str]
    # The request as sent, sans idempotency key: tells a retry (same external_id, same body) from a conflict.
    fingerprint: bytes
    idempotency: Idempotency[LedgerTransaction] | None = None
    reverses_ledger_transaction_id: uuid.UUID | None = None
    # What the transaction is made from (an event handler's transaction: "ledgerable_event", its id).
    ledgerable_type: str | None = None
    ledgerable_id: uuid.UUID | None = None

    def account_ids(self, state: BatchState) -> Iterable[uuid.UUID]:
        return (e.ledger_account_id for e in self.ledger_entries)

    def external_ids(self) -> Iterable[str]:
        return (self.external_id,) if self.external_id else ()

    def apply(self, state: BatchState) -> LedgerTransaction:
        ledger_id = rules.check_entries_against_accounts(self.ledger_entries, state.accounts)
        if self.external_id:
            existing = state.external_ids.get((ledger_id, self.external_id))
            if existing is not None:
                if existing[1] == self.fingerprint:
                    return state.transactions[existing[0]]  # a retry: the original, nothing new written
                raise AlreadyExists(
                    ErrorReason.EXTERNAL_ID_ALREADY_EXISTS,
                    f"another ledger transaction of the ledger has external_id {self.external_id!r}",
                    {"external_id": self.external_id, "ledger_transaction_id": str(existing[0])},
                )
        movements = [
            Movement(e.ledger_account_id, e.direction, e.amount, None, self.status) for e in self.ledger_entries
        ]
        changed = state.apply_rules(movements, self.ledger_entries)
        transaction_id = new_id()
        effective_at = self.effective_at or state.now
        entries = _entries_written(
            transaction_id, self.ledger_entries, self.status, effective_at, state.accounts, changed, state.now
        )
        transaction = LedgerTransaction(
            id=transaction_id,
            ledger_id=ledger_id,
            description=self.description,
            status=self.status,
            external_id=self.external_id,
            effective_at=effective_at,
            posted_at=state.now if self.status is Status.POSTED else None,
            metadata=dict(self.metadata),
            created_at=state.now,
            updated_at=state.now,
            ledger_entries=entries,
            reverses_ledger_transaction_id=self.reverses_ledger_transaction_id,
            ledgerable_type=self.ledgerable_type,
            ledgerable_id=self.ledgerable_id,
        )
        state.accept(
            Change(transaction, fingerprint=self.fingerprint, new_entries=entries, accounts=list(changed.values()))
        )
        return transaction


@dataclass(frozen=True)
class UpdateLedgerTransaction(WriteDefaults):
    id: uuid.UUID
    status: Status | None
    ledger_entries: tuple[EntryRequest, ...]
    description: str | None
    metadata: Mapping[str, str]
    effective_at: datetime | None
    idempotency: Idempotency[LedgerTransaction] | None = None
    # Set when a hold write changes its own transaction; everyone else must go through HoldService.
    by_hold: bool = False

    def transaction_ids(self, state: BatchState) -> Iterable[uuid.UUID]:
        return (self.id,)

    def account_ids(self, state: BatchState) -> Iterable[uuid.UUID]:
        current = state.transactions.get(self.id)
        old = [e.ledger_account_id for e in current.ledger_entries] if current else []
        return [*old, *(e.ledger_account_id for e in self.ledger_entries)]

    def apply(self, state: BatchState) -> LedgerTransaction:
        current = state.transactions.get(self.id)
        if current is None:
            raise transaction_not_found(self.id)
        if not self.by_hold:
            _refuse_if_held(state, self.id)
        other_changes = bool(self.ledger_entries or self.description is not None or self.metadata or self.effective_at)
        rules.check_status_change(current.status, self.status, other_changes)
        status = self.status or current.status
        if status is current.status and not other_changes:
            return current
        if self.ledger_entries:
            if rules.check_entries_against_accounts(self.ledger_entries, state.accounts) != current.ledger_id:
                raise FailedPrecondition(ErrorReason.LEDGER_MISMATCH, "the new entries belong to another ledger")
            movements = [
                Movement(e.ledger_account_id, e.direction, e.amount, current.status, None)
                for e in current.ledger_entries
            ]
            movements += [
                Movement(e.ledger_account_id, e.direction, e.amount, None, status) for e in self.ledger_entries
            ]
        else:
            movements = [
                Movement(e.ledger_account_id, e.direction, e.amount, current.status, status)
                for e in current.ledger_entries
            ]
        changed = state.apply_rules(movements, self.ledger_entries)
        effective_at = self.effective_at or current.effective_at
        if self.ledger_entries:
            entries = _entries_written(
                current.id, self.ledger_entries, status, effective_at, state.accounts, changed, state.now
            )
            new_entries: tuple[LedgerEntry, ...] = entries
        else:
            entries = tuple(replace(e, status=status, effective_at=effective_at) for e in current.ledger_entries)
            new_entries = ()
        transaction = replace(
            current,
            status=status,
            posted_at=state.now if status is Status.POSTED else None,
            description=current.description if self.description is None else self.description,
            metadata=merge_metadata(current.metadata, self.metadata),
            effective_at=effective_at,
            updated_at=state.now,
            ledger_entries=entries,
        )
        state.accept(
            Change(
                transaction,
                changed=True,
                discard_entries=bool(self.ledger_entries),
                new_entries=new_entries,
                accounts=list(changed.values()),
            )
        )
        return transaction


@dataclass(frozen=True)
class ReverseLedgerTransaction(WriteDefaults):
    id: uuid.UUID
    status: Status
    description: str | None
    external_id: str | None
    effective_at: datetime | None
    metadata: Mapping[str, str]
    fingerprint: bytes
    idempotency: Idempotency[LedgerTransaction] | None = None

    def transaction_ids(self, state: BatchState) -> Iterable[uuid.UUID]:
        return (self.id,)

    def account_ids(self, state: BatchState) -> Iterable[uuid.UUID]:
        original = state.transactions.get(self.id)
        return [e.ledger_account_id for e in original.ledger_entries] if original else []

    def external_ids(self) -> Iterable[str]:
        return (self.external_id,) if self.external_id else ()

    def apply(self, state: BatchState) -> LedgerTransaction:
        original = state.transactions.get(self.id)
        if original is None:
            raise transaction_not_found(self.id)
        if original.status is not Status.POSTED:
            raise FailedPrecondition(
                ErrorReason.REVERSAL_NOT_ALLOWED,
                f"the ledger transaction is {original.status.value}: only posted transactions can be reversed "
                "(archive a pending one instead)",
                {"status": original.status.value},
            )
        if original.reversed_by_ledger_transaction_id is not None:
            raise FailedPrecondition(
                ErrorReason.ALREADY_REVERSED,
                f"the ledger transaction already has reversal {original.reversed_by_ledger_transaction_id}, "
                "which is not archived",
                {"reversed_by_ledger_transaction_id": str(original.reversed_by_ledger_transaction_id)},
            )
        reversal = CreateLedgerTransaction(
            ledger_entries=tuple(
                EntryRequest(e.ledger_account_id, e.direction.opposite, e.amount, metadata=e.metadata)
                for e in original.ledger_entries
            ),
            status=self.status,
            description=self.description if self.description is not None else f"Reversal of {original.id}",
            external_id=self.external_id,
            effective_at=self.effective_at or original.effective_at,
            metadata=self.metadata,
            fingerprint=self.fingerprint,
            reverses_ledger_transaction_id=original.id,
        ).apply(state)
        if reversal.status is not Status.ARCHIVED and reversal.reverses_ledger_transaction_id == original.id:
            state.accept_reversal(original, reversal.id)
        return reversal


@dataclass(frozen=True)
class PartialPostLedgerTransaction(WriteDefaults):
    """Posts smaller amounts of a pending transaction's entries as a new posted transaction; the
    pending one keeps the rest. One balance move per account (pending -> posted), one version."""

    id: uuid.UUID
    posted_ledger_entries: tuple[EntryRequest, ...]
    description: str | None
    effective_at: datetime | None
    metadata: Mapping[str, str]
    fingerprint: bytes
    idempotency: Idempotency[LedgerTransaction] | None = None

    def transaction_ids(self, state: BatchState) -> Iterable[uuid.UUID]:
        return (self.id,)

    def account_ids(self, state: BatchState) -> Iterable[uuid.UUID]:
        return (e.ledger_account_id for e in self.posted_ledger_entries)

    def apply(self, state: BatchState) -> LedgerTransaction:
        pending = state.transactions.get(self.id)
        if pending is None:
            raise transaction_not_found(self.id)
        _refuse_if_held(state, self.id)
        if pending.status is not Status.PENDING:
            raise FailedPrecondition(
                ErrorReason.INVALID_STATUS_TRANSITION,
                f"the ledger transaction is {pending.status.value}: only a pending one can be partially posted",
                {"status": pending.status.value},
            )
        if rules.check_entries_against_accounts(self.posted_ledger_entries, state.accounts) != pending.ledger_id:
            raise FailedPrecondition(ErrorReason.LEDGER_MISMATCH, "the posted entries belong to another ledger")
        remainder = rules.partial_post_remainder(
            [(e.ledger_account_id, e.direction, e.amount, e.metadata) for e in pending.ledger_entries],
            self.posted_ledger_entries,
        )
        movements = [
            Movement(e.ledger_account_id, e.direction, e.amount, Status.PENDING, Status.POSTED)
            for e in self.posted_ledger_entries
        ]
        changed = state.apply_rules(movements, self.posted_ledger_entries)
        posted_id = new_id()
        effective_at = self.effective_at or pending.effective_at
        posted = LedgerTransaction(
            id=posted_id,
            ledger_id=pending.ledger_id,
            description=pending.description if self.description is None else self.description,
            status=Status.POSTED,
            external_id=None,
            effective_at=effective_at,
            posted_at=state.now,
            metadata=dict(self.metadata),
            created_at=state.now,
            updated_at=state.now,
            ledger_entries=_entries_written(
                posted_id, self.posted_ledger_entries, Status.POSTED, effective_at, state.accounts, changed, state.now
            ),
            partially_posts_ledger_transaction_id=pending.id,
        )
        accounts = list(changed.values())
        state.accept(Change(posted, fingerprint=self.fingerprint, new_entries=posted.ledger_entries, accounts=accounts))
        kept = _entries_written(
            pending.id, remainder, Status.PENDING, pending.effective_at, state.accounts, changed, state.now
        )
        state.accept(
            Change(
                replace(pending, updated_at=state.now, ledger_entries=kept),
                changed=True,
                discard_entries=True,
                new_entries=kept,
            )
        )
        return posted


class TransactionsUseCases:
    """Reads and writes of ledger transactions for one database."""

    def __init__(self, pool: asyncpg.Pool, coalescer: Coalescer) -> None:
        self.pool = pool
        self.coalescer = coalescer

    async def write(
        self,
        organization_id: uuid.UUID,
        write: CreateLedgerTransaction | UpdateLedgerTransaction | ReverseLedgerTransaction,
    ) -> LedgerTransaction | Replay:
        outcome = await self.coalescer.apply(organization_id, write)
        assert isinstance(outcome, LedgerTransaction | Replay)
        return outcome

    async def create_many(self, organization_id: uuid.UUID, writes: Sequence[CreateLedgerTransaction]) -> list[Outcome]:
        return await execute(self.pool, organization_id, writes)

    async def get(self, organization_id: uuid.UUID, transaction_id: uuid.UUID) -> LedgerTransaction:
        found = await store.get_transactions(self.pool, organization_id, [transaction_id])
        if transaction_id not in found:
            raise transaction_not_found(transaction_id)
        return found[transaction_id]

    async def get_entry(self, organization_id: uuid.UUID, entry_id: uuid.UUID) -> LedgerEntry:
        entry = await store.get_entry(self.pool, organization_id, entry_id)
        if entry is None:
            raise NotFound(
                ErrorReason.LEDGER_ENTRY_NOT_FOUND,
                f"ledger entry {entry_id} not found",
                {"ledger_entry_id": str(entry_id)},
            )
        return entry

    async def list(self, organization_id: uuid.UUID, page: PageRequest, **filters: Any) -> Page[LedgerTransaction]:
        await require_parents(self.pool, organization_id, **filters)
        items = await store.list_transactions(self.pool, organization_id, page.after, page.size + 1, **filters)
        return Page.of(items, page)

    async def list_versions(
        self, organization_id: uuid.UUID, transaction_id: uuid.UUID, page: PageRequest, **bounds: int | None
    ) -> Page[LedgerTransactionVersion]:
        await self.get(organization_id, transaction_id)  # NOT_FOUND for an unknown or foreign one
        after = page.after.int if page.after else None
        if after is not None and after > limits.INT64_MAX:
            # Only a token made up outside the server names a position past the version numbers.
            raise InvalidArgument([FieldViolation("page_token", "names no version of this list")])
        items = await store.list_versions(self.pool, transaction_id, after, page.size + 1, **bounds)
        return Page.of(items, page)

    async def list_entries(self, organization_id: uuid.UUID, page: PageRequest, **filters: Any) -> Page[LedgerEntry]:
        await require_parents(self.pool, organization_id, **filters)
        items = await store.list_entries(self.pool, organization_id, page.after, page.size + 1, **filters)
        return Page.of(items, page)
