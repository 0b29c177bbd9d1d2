"""The write path: a batch of ledger-transaction writes applied in one database transaction.

1. Stored idempotency responses are answered first, without locks.
2. BEGIN; the transactions being changed are row-locked (id order), then every account the batch
   touches is advisory-locked in the global lock order and read (one round trip each).
3. Each write is decided in arrival order against the batch's working copy of the accounts: a
   refused write leaves the copy as it was, so it never affects its neighbours.
4. Everything accepted goes out in one statement (store.transactions.WRITE_SQL); COMMIT.

If the batch as a whole fails (a concurrent process took an external_id or idempotency key first),
each write is retried on its own, so one request cannot fail the others."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg

from ledgerd.server.core.clock import utcnow
from ledgerd.server.core.idempotency import Idempotency, Replay, replay_or_refuse
from ledgerd.server.domain.errors import InvariantViolation, LedgerError
from ledgerd.server.domain.model import LedgerAccount, LedgerEntry, LedgerTransaction
from ledgerd.server.store import idempotency as idempotency_store
from ledgerd.server.store import transactions as store
from ledgerd.server.store.transactions import IdempotencyKeyRace, WriteSet

log = logging.getLogger(__name__)

Outcome = LedgerTransaction | Replay | LedgerError


@dataclass
class Change:
    """What one accepted write adds to the batch."""

    transaction: LedgerTransaction
    fingerprint: bytes | None = None  # set for a new transaction
    changed: bool = False  # an existing transaction changed
    discard_entries: bool = False
    new_entries: Sequence[LedgerEntry] = ()
    accounts: Sequence[LedgerAccount] = ()


@dataclass
class BatchState:
    """The batch's view of the database: locked rows, updated as each write is accepted."""

    organization_id: uuid.UUID
    write_set: WriteSet
    transactions: dict[uuid.UUID, LedgerTransaction] = field(default_factory=dict)
    accounts: dict[uuid.UUID, LedgerAccount] = field(default_factory=dict)
    # (ledger id, external id) -> (transaction id, request fingerprint) of pending and posted ones.
    external_ids: dict[tuple[uuid.UUID, str], tuple[uuid.UUID, bytes]] = field(default_factory=dict)

    @property
    def now(self) -> Any:
        return self.write_set.now

    def accept(self, change: Change) -> None:
        transaction = change.transaction
        ws = self.write_set
        if change.fingerprint is not None:
            ws.new_transactions.append((transaction, change.fingerprint))
        elif change.changed:
            ws.changed_transactions.append(transaction)
        if change.discard_entries:
            ws.discarded_entries_of.append(transaction.id)
        ws.new_entries.extend(change.new_entries)
        for account in change.accounts:
            ws.account_versions.append((account, transaction.id))
            self.accounts[account.id] = account
        self.transactions[transaction.id] = transaction
        if transaction.external_id and change.fingerprint is not None:
            self.external_ids[(transaction.ledger_id, transaction.external_id)] = (transaction.id, change.fingerprint)


class Write(Protocol):
    """One request of a batch."""

    @property
    def idempotency(self) -> Idempotency[LedgerTransaction] | None: ...

    def transaction_ids(self) -> Iterable[uuid.UUID]:
        """Existing transactions it changes or reads: row-locked before the accounts."""
        ...

    def account_ids(self, state: BatchState) -> Iterable[uuid.UUID]:
        """Accounts it may touch (state.transactions is loaded by then)."""
        ...

    def external_ids(self) -> Iterable[str]: ...

    def apply(self, state: BatchState) -> LedgerTransaction:
        """Decides against `state`; on success calls state.accept once, else raises LedgerError."""
        ...


async def execute(pool: asyncpg.Pool, organization_id: uuid.UUID, writes: Sequence[Write]) -> list[Outcome]:
    outcomes: list[Outcome | None] = [None] * len(writes)
    keyed = [(i, w.idempotency) for i, w in enumerate(writes) if w.idempotency is not None]
    if keyed:
        stored = await idempotency_store.find_many(pool, organization_id, [k.key for _, k in keyed])
        for index, idempotency in keyed:
            if idempotency.key in stored:
                outcomes[index] = _replay(stored[idempotency.key], idempotency)
    todo = [i for i, outcome in enumerate(outcomes) if outcome is None]
    # A key twice in one batch: the later ones wait for the first to commit, then replay it.
    first_use: dict[str, int] = {}
    later = []
    for index in todo:
        key = writes[index].idempotency
        if key is not None and first_use.setdefault(key.key, index) != index:
            later.append(index)
    todo = [i for i in todo if i not in later]
    if todo:
        try:
            for index, outcome in zip(
                todo, await _attempt(pool, organization_id, [writes[i] for i in todo]), strict=True
            ):
                outcomes[index] = outcome
        except (IdempotencyKeyRace, asyncpg.UniqueViolationError, asyncpg.DeadlockDetectedError) as error:
            log.info("batch of %d fell back to one write at a time: %r", len(todo), error)
            for index in todo:
                outcomes[index] = await execute_one(pool, organization_id, writes[index])
    for index in later:
        outcomes[index] = await execute_one(pool, organization_id, writes[index])
    return [o for o in outcomes if o is not None]


async def execute_one(pool: asyncpg.Pool, organization_id: uuid.UUID, write: Write) -> Outcome:
    """One write; after losing a race for its external_id or idempotency key to a concurrent request,
    once more: it then sees the winner and replays it (or is refused as a conflict)."""
    try:
        return await _execute_once(pool, organization_id, write)
    except (IdempotencyKeyRace, asyncpg.UniqueViolationError, asyncpg.DeadlockDetectedError):
        return await _execute_once(pool, organization_id, write)


async def _execute_once(pool: asyncpg.Pool, organization_id: uuid.UUID, write: Write) -> Outcome:
    if write.idempotency is not None:
        stored = await idempotency_store.find(pool, organization_id, write.idempotency.key)
        if stored is not None:
            return _replay(stored, write.idempotency)
    (outcome,) = await _attempt(pool, organization_id, [write])
    return outcome


def _replay(stored: tuple[bytes, bytes], idempotency: Idempotency[Any]) -> Outcome:
    try:
        return replay_or_refuse(stored, idempotency)
    except LedgerError as error:
        return error


async def _attempt(pool: asyncpg.Pool, organization_id: uuid.UUID, writes: Sequence[Write]) -> list[Outcome]:
    async with pool.acquire() as connection, connection.transaction():
        state = BatchState(organization_id, WriteSet(now=utcnow(), organization_id=organization_id))
        transaction_ids = sorted({t for w in writes for t in w.transaction_ids()})
        if transaction_ids:
            state.transactions = await store.get_transactions(
                connection, organization_id, transaction_ids, for_update=True
            )
        account_ids = sorted({a for w in writes for a in w.account_ids(state)})
        if account_ids:
            state.accounts = await store.lock_ledger_accounts(connection, organization_id, account_ids)
        external_ids = sorted({e for w in writes for e in w.external_ids()})
        if external_ids:
            live = await store.live_external_ids(connection, organization_id, external_ids)
            fingerprints = await store.fingerprints(connection, list(live.values()))
            state.transactions.update(
                await store.get_transactions(
                    connection, organization_id, [t for t in live.values() if t not in state.transactions]
                )
            )
            state.external_ids = {key: (t, fingerprints[t]) for key, t in live.items()}
        outcomes: list[Outcome] = []
        for write in writes:
            try:
                result = write.apply(state)
            except InvariantViolation:
                raise  # a programmer error: nothing of the batch may be written
            except LedgerError as error:
                outcomes.append(error)
                continue
            if write.idempotency is not None:
                state.write_set.idempotency_keys.append(
                    (write.idempotency.key, write.idempotency.fingerprint, write.idempotency.encode(result))
                )
            outcomes.append(result)
        if not state.write_set.is_empty():
            await store.write(connection, state.write_set)
        return outcomes
