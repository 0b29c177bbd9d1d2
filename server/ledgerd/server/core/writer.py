"""The write path: a batch of writes (ledger transactions and holds) decided against a snapshot
read without locks, then written by one call that locks, asserts, writes and commits
(docs/write-path.md).

1. Stored idempotency responses are answered first, without locks.
2. The snapshot: the holds, transactions, accounts and external ids the writes name, read as
   committed. A batch of this process builds on the decisions of the batch before it
   (Sequencing): this process's batches are decided in arrival order.
3. Each write is decided in arrival order against the batch's working copy; a refused write is
   undone from the journal, so it never affects its neighbours.
4. store.batch_write.write, one round trip: the locks, the assertions that nothing the decisions
   read has moved, every row, the commit. A row that moved sends the batch back to step 2 (at
   most optimistic_write_attempts_max times); then a last attempt reads and decides under the locks.
5. Answers that show an unguarded account's entries are settled against its state under the lock.

If the batch fails before its write call returns, for any reason but the database connection (an
external_id or idempotency key taken by another process, a deadlock, an error PostgreSQL raised on
one write's values, a bug met deciding one write), it wrote nothing, and each write is tried again
on its own: one request cannot fail the others. A write that fails alone is refused as an internal
error, with nothing written."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import asyncpg

from ledgerd.server import metrics
from ledgerd.server.core import audit
from ledgerd.server.core.callers import Caller, current_caller
from ledgerd.server.core.clock import utcnow
from ledgerd.server.core.idempotency import Idempotency, replay_or_refuse
from ledgerd.server.domain import limits, monitors
from ledgerd.server.domain import transactions as rules
from ledgerd.server.domain.balances import BalanceTotals
from ledgerd.server.domain.errors import InvariantViolation, LedgerError, invariant
from ledgerd.server.domain.events import LedgerableEvent
from ledgerd.server.domain.holds import Hold
from ledgerd.server.domain.model import LedgerAccount, LedgerEntry, LedgerTransaction
from ledgerd.server.domain.monitors import BalanceMonitor
from ledgerd.server.domain.transactions import EntryRequest, Movement
from ledgerd.server.store import batch_write
from ledgerd.server.store import holds as holds_store
from ledgerd.server.store import idempotency as idempotency_store
from ledgerd.server.store import transactions as store
from ledgerd.server.store.batch_write import Base, IdempotencyKeyRace, Moved, Snapshot, WriteSet
from ledgerd.server.store.placement import LEDGERS
from ledgerd.server.store.pool import CONNECTION_FAILURES

log = logging.getLogger(__name__)


class Unanswered(InvariantViolation):
    """The batch committed, but its answers could not be made: trying its writes again would apply
    them twice. The client's retry with its idempotency key finds what was written."""


def _wrote_nothing(error: BaseException) -> bool:
    """Whether a batch that failed with `error` certainly wrote nothing, for a reason that may be one
    write's doing. PostgreSQL rolls back a statement it raises an error for, and the batch is one
    statement in autocommit; only a lost connection leaves the commit's outcome unknown."""
    if not isinstance(error, Exception) or isinstance(error, Unanswered):
        return False
    # asyncpg's own DataError is an InterfaceError raised while encoding arguments, before
    # anything is sent: one write's values.
    if isinstance(error, asyncpg.exceptions.InterfaceError) and isinstance(error, ValueError):
        return True
    return not isinstance(error, CONNECTION_FAILURES)


_UNDECIDED = object()
_MISSING = object()
_APPENDED = object()

# A write's result (a ledger transaction, a hold decision, ...), a stored answer, or a refusal.
Outcome = Any


class Journal:
    """Undo records of the write being decided: a refused write is rolled back record by record, at
    the cost of what it changed rather than of the batch's size."""

    __slots__ = ("_undo",)

    def __init__(self) -> None:
        self._undo: list[tuple[Any, Any, Any]] = []

    def set(self, mapping: dict[Any, Any], key: Any, value: Any) -> None:
        self._undo.append((mapping, key, mapping.get(key, _MISSING)))
        mapping[key] = value

    def append(self, items: list[Any], value: Any) -> None:
        self._undo.append((items, value, _APPENDED))
        items.append(value)

    def touched(self, ws: WriteSet) -> list[uuid.UUID]:
        """The ids of what the write being decided creates or changes (its audit event's)."""
        rows = {id(ws.new_transactions), id(ws.changed_transactions), id(ws.holds), id(ws.monitors)}
        ids = []
        for container, key, old in self._undo:
            if old is _APPENDED:
                if container is ws.ledgerable_events:
                    ids.append(key.id)
            elif id(container) in rows:
                ids.append(key)
        return ids

    def ledgers(self, ws: WriteSet, accounts: dict[uuid.UUID, LedgerAccount]) -> frozenset[uuid.UUID]:
        """The ledgers of what the write being decided creates or changes: one, for any write that
        changes something (a write never spans ledgers)."""
        found: list[uuid.UUID] = []
        for container, key, old in self._undo:
            if old is _APPENDED:
                if container is ws.ledgerable_events:
                    found.append(key.ledger_id)
                elif container is ws.account_versions:
                    found.append(key[0].ledger_id)
            elif container is ws.new_transactions:
                found.append(container[key][0].ledger_id)
            elif container is ws.changed_transactions or container is ws.holds:
                found.append(container[key].ledger_id)
            elif container is ws.monitors:
                found.append(accounts[container[key].ledger_account_id].ledger_id)
        return frozenset(found)

    def forget(self) -> None:
        """The write was accepted: nothing of it is undone any more."""
        self._undo.clear()

    def undo(self) -> None:
        while self._undo:
            container, key, old = self._undo.pop()
            if old is _APPENDED:
                container.pop()
            elif old is _MISSING:
                del container[key]
            else:
                container[key] = old


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
    """The batch's view of the database: the rows read, updated as each write is accepted."""

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
    # Account id -> its balance monitors, for every account read that has some.
    monitors: dict[uuid.UUID, tuple[BalanceMonitor, ...]] = field(default_factory=dict)
    # The accounts as read (what the write's offsets count from) and the row versions of the holds
    # and transactions read.
    snapshot: dict[uuid.UUID, LedgerAccount] = field(default_factory=dict)
    row_versions: dict[uuid.UUID, int] = field(default_factory=dict)
    # Accounts whose exact state a decision depended on: the write asserts their version.
    guarded: set[uuid.UUID] = field(default_factory=set)
    # Accounts read as the batch before this one left them (Sequencing.follow).
    inherited: set[uuid.UUID] = field(default_factory=set)
    # New entries' ids by transaction, for discarding them when a later write replaces them.
    entries_of: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)
    journal: Journal = field(default_factory=Journal)

    @property
    def now(self) -> Any:
        return self.write_set.now

    def read_ids(self) -> frozenset[uuid.UUID]:
        return frozenset((*self.accounts, *self.transactions, *self.holds))

    def guard(self, account_ids: Iterable[uuid.UUID]) -> None:
        self.guarded.update(account_ids)

    def apply_rules(
        self, movements: Iterable[Movement], guards: Sequence[EntryRequest] = ()
    ) -> dict[uuid.UUID, LedgerAccount]:
        """domain.transactions.apply on the working copy; an account with a balance condition or an
        expected lock_version is guarded."""
        self.guard(g.ledger_account_id for g in guards if g.conditions or g.lock_version is not None)
        return rules.apply(self.accounts, movements, guards)

    def accept(self, change: Change) -> None:
        transaction = change.transaction
        ws, journal = self.write_set, self.journal
        # One call writes the batch: a transaction created and changed in the same batch goes out
        # once, in its last state.
        if change.fingerprint is not None:
            journal.set(ws.new_transactions, transaction.id, (transaction, change.fingerprint))
        elif change.changed and transaction.id in ws.new_transactions:
            journal.set(ws.new_transactions, transaction.id, (transaction, ws.new_transactions[transaction.id][1]))
        elif change.changed:
            journal.set(ws.changed_transactions, transaction.id, transaction)
        if change.discard_entries:
            journal.append(ws.discarded_entries_of, transaction.id)
            for entry_id in self.entries_of.get(transaction.id, ()):
                entry = ws.new_entries[entry_id]
                if not entry.discarded_at:
                    journal.set(ws.new_entries, entry_id, replace(entry, discarded_at=self.now))
        if change.new_entries and transaction.id not in self.entries_of:
            journal.set(self.entries_of, transaction.id, [])
        for entry in change.new_entries:
            journal.set(ws.new_entries, entry.id, entry)
            journal.append(self.entries_of[transaction.id], entry.id)
        for account in change.accounts:
            journal.append(ws.account_versions, (account, transaction.id))
            journal.set(self.accounts, account.id, account)
            self.evaluate_monitors(account)
        journal.set(self.transactions, transaction.id, transaction)
        if transaction.external_id and change.fingerprint is not None:
            journal.set(
                self.external_ids,
                (transaction.ledger_id, transaction.external_id),
                (transaction.id, change.fingerprint),
            )
        for hold in change.holds:
            self.accept_hold(hold)

    def accept_hold(self, hold: Hold) -> None:
        journal = self.journal
        journal.set(self.write_set.holds, hold.id, hold)
        journal.set(self.holds, hold.id, hold)
        journal.set(self.holds_of_transactions, hold.ledger_transaction_id, hold)
        if hold.external_id:
            journal.set(self.hold_external_ids, (hold.ledger_id, hold.external_id), hold)

    def accept_reversal(self, original: LedgerTransaction, reversal_id: uuid.UUID) -> None:
        self.journal.set(
            self.transactions, original.id, replace(original, reversed_by_ledger_transaction_id=reversal_id)
        )

    def accept_ledgerable_event(self, event: LedgerableEvent) -> None:
        self.journal.append(self.write_set.ledgerable_events, event)

    def evaluate_monitors(self, account: LedgerAccount) -> None:
        """Every monitor of the account at its new version: a flip records an alert. A monitored
        account is guarded: its alerts name exact versions."""
        watching = self.monitors.get(account.id, ())
        if not watching:
            return
        self.guard((account.id,))
        evaluated = []
        for monitor in watching:
            monitor, alert = monitors.evaluate(monitor, account, self.now)
            if alert is not None:
                self.journal.set(self.write_set.monitors, monitor.id, monitor)
                self.journal.append(self.write_set.alerts, alert)
            evaluated.append(monitor)
        self.journal.set(self.monitors, account.id, tuple(evaluated))

    def accept_monitor(self, monitor: BalanceMonitor) -> None:
        """A new monitor, evaluated at the account's version as read: guarded."""
        self.guard((monitor.ledger_account_id,))
        self.journal.set(self.write_set.monitors, monitor.id, monitor)
        self.journal.set(
            self.monitors, monitor.ledger_account_id, (*self.monitors.get(monitor.ledger_account_id, ()), monitor)
        )


@dataclass(frozen=True)
class Decided:
    """What a batch decided, for the batch after it: the accounts as it leaves them (those it
    changes, and those it took over from its own predecessor), and the holds, transactions and
    monitored accounts it changes, which a later batch must read again once it has committed."""

    accounts: dict[uuid.UUID, LedgerAccount]
    rows: frozenset[uuid.UUID]


class Turn:
    """One coalescer batch's progress, watched by the batch after it."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        # None: finished without a decision to build on (the next batch reads again).
        self.decided: asyncio.Future[Decided | None] = loop.create_future()
        self.finished: asyncio.Future[None] = loop.create_future()

    def publish(self, decided: Decided) -> None:
        if not self.decided.done():
            self.decided.set_result(decided)

    def finish(self) -> None:
        if not self.decided.done():
            self.decided.set_result(None)
        self.finished.set_result(None)


@dataclass
class Sequencing:
    """A coalescer batch's place among its process's batches. It decides once the batch before it
    has decided, building on that batch's decisions as if they had committed (a guarded account
    at the version that batch leaves it), and writes once that batch has finished: a batch decides
    while the one before it writes, and the decisions of a process are made in arrival order. Had
    the batch before it not committed what it decided, this one's write finds its guarded accounts
    moved and is decided again."""

    previous: Turn | None
    mine: Turn

    async def follow(self, state: BatchState, read_again: Callable[[], Awaitable[BatchState]]) -> BatchState:
        previous = self.previous
        if previous is None:
            return state
        await asyncio.wait([previous.decided])
        decided = previous.decided.result()
        if decided is None or not decided.rows.isdisjoint(state.read_ids()):
            await self.after_previous()
            return await read_again()
        for account_id, account in decided.accounts.items():
            if account_id in state.accounts:
                state.accounts[account_id] = state.snapshot[account_id] = account
                state.inherited.add(account_id)
        return state

    def publish(self, state: BatchState) -> None:
        ws = state.write_set
        changed = {a.id for a, _ in ws.account_versions} | state.inherited
        rows = {*ws.holds, *ws.changed_transactions, *(m.ledger_account_id for m in ws.monitors.values())}
        self.mine.publish(Decided({i: state.accounts[i] for i in changed}, frozenset(rows)))

    async def after_previous(self) -> None:
        previous, self.previous = self.previous, None
        if previous is not None:
            await asyncio.wait([previous.finished])


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


async def execute(
    pool: asyncpg.Pool,
    organization_id: uuid.UUID,
    writes: Sequence[Write],
    sequencing: Sequencing | None = None,
    callers: Sequence[Caller | None] | None = None,
) -> list[Outcome]:
    """The writes' outcomes, in order. `callers`: who sent each write, for its audit event (by
    default the current request's caller, for all of them)."""
    if callers is None:
        callers = [current_caller()] * len(writes)
    outcomes: list[Outcome] = [_UNDECIDED] * len(writes)
    keyed = [(i, w.idempotency) for i, w in enumerate(writes) if w.idempotency is not None]
    if keyed:
        ledger_id = LEDGERS.ledger_of(_named_ids([writes[i] for i, _ in keyed], organization_id))
        stored = await idempotency_store.find_many(pool, organization_id, [k.key for _, k in keyed], ledger_id)
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
        outcomes[todo[0]] = await _alone(pool, organization_id, writes[todo[0]], sequencing, callers[todo[0]])
    elif todo:
        try:
            batch_outcomes = await _apply(
                pool, organization_id, [writes[i] for i in todo], sequencing, [callers[i] for i in todo]
            )
        except Exception as error:
            if not _wrote_nothing(error):
                raise
            log.info("batch of %d fell back to one write at a time: %r", len(todo), error)
            batch_outcomes = [await _alone(pool, organization_id, writes[i], sequencing, callers[i]) for i in todo]
        for index, outcome in zip(todo, batch_outcomes, strict=True):
            outcomes[index] = outcome
    for index in later:
        outcomes[index] = await _alone(pool, organization_id, writes[index], sequencing, callers[index])
    invariant(_UNDECIDED not in outcomes, "a write of the batch was left without an outcome")
    return outcomes


def _named_ids(writes: Sequence[Write], organization_id: uuid.UUID) -> Iterable[uuid.UUID]:
    """The ids the writes name by themselves, before anything is read: the ledger their keys are
    looked up in, when the ledger map knows it (store/placement.py)."""
    nothing_read = BatchState(organization_id, WriteSet(now=utcnow(), organization_id=organization_id))
    for write in writes:
        yield from write.hold_ids()
        yield from write.transaction_ids(nothing_read)
        yield from write.account_ids(nothing_read)


async def _alone(
    pool: asyncpg.Pool, organization_id: uuid.UUID, write: Write, sequencing: Sequencing | None, caller: Caller | None
) -> Outcome:
    """execute_one, with a failure that wrote nothing as this write's own refusal."""
    try:
        return await execute_one(pool, organization_id, write, sequencing, caller)
    except Exception as error:
        if not _wrote_nothing(error):
            raise
        log.exception("a write failed on its own; nothing of it was written", exc_info=error)
        return InvariantViolation("internal error; nothing was written")


async def execute_one(
    pool: asyncpg.Pool,
    organization_id: uuid.UUID,
    write: Write,
    sequencing: Sequencing | None = None,
    caller: Caller | None = None,
) -> Outcome:
    """One write whose stored idempotency response, if any, was looked up already. After losing a
    race for its external_id or idempotency key to a concurrent request, once more: it then sees
    the winner and replays it (or is refused as a conflict)."""
    try:
        (outcome,) = await _apply(pool, organization_id, [write], sequencing, [caller])
        return outcome
    except (IdempotencyKeyRace, asyncpg.UniqueViolationError, asyncpg.DeadlockDetectedError):
        if write.idempotency is not None:
            stored = await idempotency_store.find(pool, organization_id, write.idempotency.key)
            if stored is not None:
                return _replay(stored, write.idempotency)
        (outcome,) = await _apply(pool, organization_id, [write], sequencing, [caller])
        return outcome


def _replay(stored: tuple[bytes, bytes], idempotency: Idempotency[Any]) -> Outcome:
    try:
        return replay_or_refuse(stored, idempotency)
    except LedgerError as error:
        return error


async def _apply(
    pool: asyncpg.Pool,
    organization_id: uuid.UUID,
    writes: Sequence[Write],
    sequencing: Sequencing | None,
    callers: Sequence[Caller | None],
) -> list[Outcome]:
    """Decides the writes and writes the batch: optimistically, then once under the locks."""
    async with pool.acquire() as connection:
        for _ in range(limits.optimistic_write_attempts_max):
            state = await _read(connection, organization_id, writes, lock=False)
            if sequencing is not None:
                state = await sequencing.follow(state, lambda: _read(connection, organization_id, writes, lock=False))
            outcomes = _decide(state, writes, callers)
            if sequencing is not None:
                sequencing.publish(state)
                await sequencing.after_previous()
            try:
                return await _write(connection, state, outcomes)
            except Moved:
                continue
        log.info(
            "a batch of %d moved %d times: deciding it under the locks",
            len(writes),
            limits.optimistic_write_attempts_max,
        )
        async with connection.transaction():
            state = await _read(connection, organization_id, writes, lock=True)
            outcomes = _decide(state, writes, callers)
            try:
                return await _write(connection, state, outcomes)
            except Moved as error:
                raise InvariantViolation("a row moved while the batch held its lock") from error


async def _read(
    connection: asyncpg.Connection, organization_id: uuid.UUID, writes: Sequence[Write], *, lock: bool
) -> BatchState:
    """The snapshot of the rows the writes name. With `lock` (inside a database transaction), each
    kind of row is locked before it is read, in the write path's lock order."""
    state = BatchState(organization_id, WriteSet(now=utcnow(), organization_id=organization_id))
    hold_ids = sorted({h for w in writes for h in w.hold_ids()})
    if hold_ids:
        if lock:
            await batch_write.lock_rows(connection, "holds", hold_ids)
        state.holds = await holds_store.get_holds(connection, organization_id, hold_ids, state.row_versions)
    transaction_ids = sorted({t for w in writes for t in w.transaction_ids(state)})
    if transaction_ids:
        if lock:
            await batch_write.lock_rows(connection, "ledger_transactions", transaction_ids)
        state.transactions = await store.get_transactions(
            connection, organization_id, transaction_ids, state.row_versions
        )
        # The holds of these transactions: those just read, and for any other transaction a look-up
        # (a held transaction must be changed through HoldService).
        state.holds_of_transactions = {h.ledger_transaction_id: h for h in state.holds.values()}
        unheld = [t for t in transaction_ids if t not in state.holds_of_transactions]
        if unheld:
            state.holds_of_transactions.update(await holds_store.holds_of_transactions(connection, unheld))
    account_ids = sorted({a for w in writes for a in w.account_ids(state)})
    if account_ids:
        if lock:
            await store.lock_ledger_accounts(connection, organization_id, account_ids)
            await batch_write.lock_rows(connection, "ledger_accounts", account_ids)
        state.accounts, state.monitors = await store.read_ledger_accounts(connection, organization_id, account_ids)
        state.snapshot = dict(state.accounts)
    # External ids are unique per ledger: those of the batch's one ledger, when it has one.
    ledgers = {a.ledger_id for a in state.accounts.values()}
    ledger_id = next(iter(ledgers)) if len(ledgers) == 1 else None
    external_ids = sorted({e for w in writes for e in w.external_ids()})
    if external_ids:
        live = await store.live_external_ids(connection, organization_id, external_ids, ledger_id)
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
            connection, organization_id, hold_external_ids, ledger_id
        )
    return state


def _decide(
    state: BatchState, writes: Sequence[Write], callers: Sequence[Caller | None] | None = None
) -> list[Outcome]:
    """Each write in arrival order against the working copy; a refused one undone; an accepted one
    that changed something recorded with its caller (core.audit)."""
    outcomes: list[Outcome] = []
    ws = state.write_set
    for index, write in enumerate(writes):
        try:
            result = write.apply(state)
        except InvariantViolation:
            raise  # a programmer error: nothing of the batch may be written
        except LedgerError as error:
            state.journal.undo()
            outcomes.append(error)
            continue
        ledger_id = _ledger_of(write, state)
        caller = callers[index] if callers is not None else None
        if caller is not None and ledger_id is not None:  # a write no call made (the expirer's) has no audit event
            event = audit.event_of(caller, state.organization_id, ledger_id, state.journal.touched(ws), state.now)
            if event is not None:
                ws.audit_events.append(event)
        state.journal.forget()
        if write.idempotency is not None:
            # A stored answer is bytes: the accounts whose new entries it shows must not move
            # under it, so they are guarded.
            shown = _transaction_of(result)
            if shown is not None:
                state.guard(e.ledger_account_id for e in shown.ledger_entries if e.id in state.write_set.new_entries)
            invariant(ledger_id is not None, "a write with an idempotency key names no ledger")
            assert ledger_id is not None
            state.write_set.idempotency_keys.append(
                (ledger_id, write.idempotency.key, write.idempotency.fingerprint, write.idempotency.encode(result))
            )
        outcomes.append(result)
    return outcomes


def _ledger_of(write: Write, state: BatchState) -> uuid.UUID | None:
    """The ledger the write belongs to (its audit event's and its idempotency key's): that of what it
    changed, or, for one that changed nothing (a declined hold), of the accounts it read."""
    ledgers = state.journal.ledgers(state.write_set, state.accounts)
    if not ledgers:
        ledgers = frozenset(state.accounts[a].ledger_id for a in write.account_ids(state) if a in state.accounts)
    invariant(len(ledgers) <= 1, "a write spans more than one ledger")
    return next(iter(ledgers), None)


async def _write(connection: asyncpg.Connection, state: BatchState, outcomes: list[Outcome]) -> list[Outcome]:
    ws = state.write_set
    if ws.is_empty():
        return outcomes
    snapshot = Snapshot(state.snapshot, state.row_versions, frozenset(state.guarded))
    started = time.perf_counter()
    moved = await batch_write.write(connection, ws, snapshot)
    metrics.batch_written(time.perf_counter() - started)
    try:
        invariant(
            not moved.keys() & state.guarded, "a guarded account was written at another version than the one read"
        )
        return [_settled(outcome, moved, state) for outcome in outcomes] if moved else outcomes
    except Exception as error:
        raise Unanswered("internal error after the write was committed; retry with the same idempotency key") from error


def _transaction_of(result: Outcome) -> LedgerTransaction | None:
    """The ledger transaction an answer shows, if any (a transaction, a capture, an event's)."""
    if isinstance(result, LedgerTransaction):
        return result
    shown = getattr(result, "ledger_transaction", None)
    return shown if isinstance(shown, LedgerTransaction) else None


def _settled(outcome: Outcome, bases: dict[uuid.UUID, Base], state: BatchState) -> Outcome:
    """The answer with this batch's new entries on unguarded accounts moved to where the account
    really was: each entry's lock_version and resulting balances shift by what other batches added
    between the snapshot and the write."""
    transaction = _transaction_of(outcome)
    if transaction is None:
        return outcome

    def settle(entry: LedgerEntry) -> LedgerEntry:
        base = bases.get(entry.ledger_account_id)
        if base is None or entry.id not in state.write_set.new_entries:
            return entry
        read = state.snapshot[entry.ledger_account_id]
        return replace(
            entry,
            ledger_account_lock_version=entry.ledger_account_lock_version + base.lock_version - read.lock_version,
            resulting_totals=_shifted(entry.resulting_totals, base.totals, read.totals),
        )

    settled = replace(transaction, ledger_entries=tuple(settle(e) for e in transaction.ledger_entries))
    return settled if isinstance(outcome, LedgerTransaction) else replace(outcome, ledger_transaction=settled)


def _shifted(totals: BalanceTotals, to: BalanceTotals, since: BalanceTotals) -> BalanceTotals:
    return BalanceTotals(
        totals.posted_credits + to.posted_credits - since.posted_credits,
        totals.posted_debits + to.posted_debits - since.posted_debits,
        totals.pending_credits + to.pending_credits - since.pending_credits,
        totals.pending_debits + to.pending_debits - since.pending_debits,
    )
