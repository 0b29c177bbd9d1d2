"""The write path: a batch of writes (ledger transactions and holds) applied in one database
transaction.

1. Stored idempotency responses are answered first, without locks.
2. BEGIN; the holds being changed are row-locked, then their transactions and the other
   transactions being changed (id order each), then every account the batch touches is
   advisory-locked in the global lock order and read. One lock order for everyone: no deadlocks.
3. Each write is decided in arrival order against the batch's working copy of those rows: a
   refused write leaves the copy as it was, so it never affects its neighbours.
4. Everything accepted goes out in one statement (store.transactions.WRITE_SQL); COMMIT.

If the batch as a whole fails (a concurrent process took an external_id or idempotency key first),
each write is retried on its own, so one request cannot fail the others."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import asyncpg

from ledgerd.server.core.clock import utcnow
from ledgerd.server.core.idempotency import Idempotency, replay_or_refuse
from ledgerd.server.domain import monitors
from ledgerd.server.domain.errors import InvariantViolation, LedgerError, invariant
from ledgerd.server.domain.holds import Hold
from ledgerd.server.domain.model import LedgerAccount, LedgerEntry, LedgerTransaction
from ledgerd.server.domain.monitors import BalanceMonitor
from ledgerd.server.store import holds as holds_store
from ledgerd.server.store import idempotency as idempotency_store
from ledgerd.server.store import transactions as store
from ledgerd.server.store.transactions import IdempotencyKeyRace, WriteSet

log = logging.getLogger(__name__)

# What fails a whole batch yet may be one write's doing: the batch is retried one write at a time,
# so one request cannot fail the others.
BATCH_FAILURES = (
    IdempotencyKeyRace,
    asyncpg.UniqueViolationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.CheckViolationError,
    InvariantViolation,
)

_UNDECIDED = object()

# A write's result (a ledger transaction, a hold decision, ...), a stored answer, or a refusal.
Outcome = Any


@dataclass
class Change:
    """What one accepted write adds to the batch."""

    transaction: LedgerTransaction
    fingerprint: bytes | None = None  # set for a new transaction
    changed: bool = False  # an existing transaction changed
    discard_entries: bool = False
    new_entries: Sequence[LedgerEntry] = ()
    accounts: Sequence[LedgerAccount] = ()
    holds: Sequence[Hold] = ()


@dataclass
class BatchState:
    """The batch's view of the database: locked rows, updated as each write is accepted."""

    organization_id: uuid.UUID
    write_set: WriteSet
    transactions: dict[uuid.UUID, LedgerTransaction] = field(default_factory=dict)
    accounts: dict[uuid.UUID, LedgerAccount] = field(default_factory=dict)
    # (ledger id, external id) -> (transaction id, request fingerprint) of pending and posted ones.
    external_ids: dict[tuple[uuid.UUID, str], tuple[uuid.UUID, bytes]] = field(default_factory=dict)
    holds: dict[uuid.UUID, Hold] = field(default_factory=dict)
    # Ledger transaction id -> its hold, for every transaction loaded.
    holds_of_transactions: dict[uuid.UUID, Hold] = field(default_factory=dict)
    # (ledger id, external id) -> hold.
    hold_external_ids: dict[tuple[uuid.UUID, str], Hold] = field(default_factory=dict)
    # Account id -> its balance monitors, for every locked account that has some.
    monitors: dict[uuid.UUID, tuple[BalanceMonitor, ...]] = field(default_factory=dict)

    @property
    def now(self) -> Any:
        return self.write_set.now

    def accept(self, change: Change) -> None:
        transaction = change.transaction
        ws = self.write_set
        # One statement writes the batch and its parts all see the database as it was before it: a
        # transaction created and changed in the same batch goes out once, in its last state.
        created = next((i for i, (t, _) in enumerate(ws.new_transactions) if t.id == transaction.id), None)
        if change.fingerprint is not None:
            ws.new_transactions.append((transaction, change.fingerprint))
        elif change.changed and created is not None:
            ws.new_transactions[created] = (transaction, ws.new_transactions[created][1])
        elif change.changed:
            ws.changed_transactions = [t for t in ws.changed_transactions if t.id != transaction.id]
            ws.changed_transactions.append(transaction)
        if change.discard_entries:
            ws.discarded_entries_of.append(transaction.id)
            ws.new_entries = [
                replace(e, discarded_at=self.now)
                if e.ledger_transaction_id == transaction.id and not e.discarded_at
                else e
                for e in ws.new_entries
            ]
        ws.new_entries.extend(change.new_entries)
        for account in change.accounts:
            ws.account_versions.append((account, transaction.id))
            self.accounts[account.id] = account
            self.evaluate_monitors(account)
        self.transactions[transaction.id] = transaction
        if transaction.external_id and change.fingerprint is not None:
            self.external_ids[(transaction.ledger_id, transaction.external_id)] = (transaction.id, change.fingerprint)
        for hold in change.holds:
            self.accept_hold(hold)

    def accept_hold(self, hold: Hold) -> None:
        self.write_set.holds[hold.id] = hold
        self.holds[hold.id] = hold
        self.holds_of_transactions[hold.ledger_transaction_id] = hold
        if hold.external_id:
            self.hold_external_ids[(hold.ledger_id, hold.external_id)] = hold

    def evaluate_monitors(self, account: LedgerAccount) -> None:
        """Every monitor of the account at its new version: a flip records an alert."""
        watching = self.monitors.get(account.id, ())
        if not watching:
            return
        evaluated = []
        for monitor in watching:
            monitor, alert = monitors.evaluate(monitor, account, self.now)
            if alert is not None:
                self.write_set.monitors[monitor.id] = monitor
                self.write_set.alerts.append(alert)
            evaluated.append(monitor)
        self.monitors[account.id] = tuple(evaluated)

    def accept_monitor(self, monitor: BalanceMonitor) -> None:
        self.write_set.monitors[monitor.id] = monitor
        self.monitors[monitor.ledger_account_id] = (*self.monitors.get(monitor.ledger_account_id, ()), monitor)

    def mark(self) -> tuple[Any, ...]:
        """What `restore` needs to undo everything accepted after this point: append-only lists by
        their length, the rest by a copy."""
        ws = self.write_set
        return (
            dict(self.transactions),
            dict(self.accounts),
            dict(self.external_ids),
            dict(self.holds),
            dict(self.holds_of_transactions),
            dict(self.hold_external_ids),
            dict(self.monitors),
            dict(ws.holds),
            dict(ws.monitors),
            len(ws.alerts),
            list(ws.new_transactions),
            list(ws.changed_transactions),
            len(ws.discarded_entries_of),
            list(ws.new_entries),
            len(ws.account_versions),
            len(ws.ledgerable_events),
        )

    def restore(self, mark: tuple[Any, ...]) -> None:
        ws = self.write_set
        (
            self.transactions,
            self.accounts,
            self.external_ids,
            self.holds,
            self.holds_of_transactions,
            self.hold_external_ids,
            self.monitors,
            ws.holds,
            ws.monitors,
            alerts,
            ws.new_transactions,
            ws.changed_transactions,
            discarded,
            ws.new_entries,
            versions,
            events,
        ) = mark
        del ws.account_versions[versions:]
        del ws.alerts[alerts:]
        del ws.discarded_entries_of[discarded:]
        del ws.ledgerable_events[events:]


class Write(Protocol):
    """One request of a batch."""

    @property
    def idempotency(self) -> Idempotency[Any] | None: ...

    def hold_ids(self) -> Iterable[uuid.UUID]:
        """Holds it changes: row-locked first."""
        ...

    def transaction_ids(self, state: BatchState) -> Iterable[uuid.UUID]:
        """Existing transactions it changes or reads (state.holds is loaded by then): row-locked next."""
        ...

    def account_ids(self, state: BatchState) -> Iterable[uuid.UUID]:
        """Accounts it may touch (state.transactions is loaded by then): advisory-locked last."""
        ...

    def external_ids(self) -> Iterable[str]:
        """External ids of the transactions it creates."""
        ...

    def hold_external_ids(self) -> Iterable[str]:
        """External ids of the holds it places."""
        ...

    def apply(self, state: BatchState) -> Any:
        """Decides against `state`; on success records its changes with state.accept, else raises
        LedgerError (what it accepted before raising is undone)."""
        ...


class WriteDefaults:
    """Empty answers for the Write methods a kind of write does not need."""

    def hold_ids(self) -> Iterable[uuid.UUID]:
        return ()

    def transaction_ids(self, state: BatchState) -> Iterable[uuid.UUID]:
        return ()

    def external_ids(self) -> Iterable[str]:
        return ()

    def hold_external_ids(self) -> Iterable[str]:
        return ()


async def execute(pool: asyncpg.Pool, organization_id: uuid.UUID, writes: Sequence[Write]) -> list[Outcome]:
    outcomes: list[Outcome] = [_UNDECIDED] * len(writes)
    keyed = [(i, w.idempotency) for i, w in enumerate(writes) if w.idempotency is not None]
    if keyed:
        stored = await idempotency_store.find_many(pool, organization_id, [k.key for _, k in keyed])
        for index, idempotency in keyed:
            if idempotency.key in stored:
                outcomes[index] = _replay(stored[idempotency.key], idempotency)
    todo = [i for i, outcome in enumerate(outcomes) if outcome is _UNDECIDED]
    # A key twice in one batch: the later ones wait for the first to commit, then replay it.
    first_use: dict[str, int] = {}
    later = []
    for index in todo:
        key = writes[index].idempotency
        if key is not None and first_use.setdefault(key.key, index) != index:
            later.append(index)
    todo = [i for i in todo if i not in later]
    if len(todo) == 1:
        outcomes[todo[0]] = await execute_one(pool, organization_id, writes[todo[0]])
    elif todo:
        try:
            batch_outcomes = await _attempt(pool, organization_id, [writes[i] for i in todo])
        except BATCH_FAILURES as error:
            log.info("batch of %d fell back to one write at a time: %r", len(todo), error)
            batch_outcomes = [await execute_one(pool, organization_id, writes[i]) for i in todo]
        for index, outcome in zip(todo, batch_outcomes, strict=True):
            outcomes[index] = outcome
    for index in later:
        outcomes[index] = await execute_one(pool, organization_id, writes[index])
    invariant(_UNDECIDED not in outcomes, "a write of the batch was left without an outcome")
    return outcomes


async def execute_one(pool: asyncpg.Pool, organization_id: uuid.UUID, write: Write) -> Outcome:
    """One write whose stored idempotency response, if any, was looked up already. After losing a
    race for its external_id or idempotency key to a concurrent request, once more: it then sees
    the winner and replays it (or is refused as a conflict)."""
    try:
        (outcome,) = await _attempt(pool, organization_id, [write])
        return outcome
    except (IdempotencyKeyRace, asyncpg.UniqueViolationError, asyncpg.DeadlockDetectedError):
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
        hold_ids = sorted({h for w in writes for h in w.hold_ids()})
        if hold_ids:
            state.holds = await holds_store.get_holds(connection, organization_id, hold_ids, for_update=True)
        transaction_ids = sorted({t for w in writes for t in w.transaction_ids(state)})
        if transaction_ids:
            state.transactions = await store.get_transactions(
                connection, organization_id, transaction_ids, for_update=True
            )
            state.holds_of_transactions = await holds_store.holds_of_transactions(connection, transaction_ids)
        account_ids = sorted({a for w in writes for a in w.account_ids(state)})
        if account_ids:
            state.accounts, state.monitors = await store.lock_ledger_accounts(connection, organization_id, account_ids)
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
        hold_external_ids = sorted({e for w in writes for e in w.hold_external_ids()})
        if hold_external_ids:
            state.hold_external_ids = await holds_store.holds_with_external_ids(
                connection, organization_id, hold_external_ids
            )
        outcomes: list[Outcome] = []
        for write in writes:
            mark = state.mark()
            try:
                result = write.apply(state)
            except InvariantViolation:
                raise  # a programmer error: nothing of the batch may be written
            except LedgerError as error:
                state.restore(mark)
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
