"""The batch write: everything one batch of writes decided, sent in ONE call of ledgerd_write_batch
(0006_write_path.sql) in autocommit, so the locks it takes are held for PostgreSQL's own work
only, from the first lock to the commit (docs/write-path.md).

The decisions were made against a snapshot read without locks. Rows go out in the tables' own row
types; an entry's or a version's lock_version and balances go out as offsets from the snapshot of
its account, and the database adds them to the state it finds under the lock. For a guarded
account that state is asserted to be the snapshot; an unguarded one may have moved by other
batches' deltas, and its real base comes back so answers can be settled against it."""

from __future__ import annotations

import contextlib
import functools
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from ledgerd.server.domain.audit import AuditEvent
from ledgerd.server.domain.balances import BalanceTotals
from ledgerd.server.domain.events import LedgerableEvent
from ledgerd.server.domain.holds import Hold
from ledgerd.server.domain.model import LedgerAccount, LedgerEntry, LedgerTransaction
from ledgerd.server.domain.monitors import BalanceMonitor, BalanceMonitorAlert
from ledgerd.server.store import audit as audit_store
from ledgerd.server.store.placement import LEDGERS, ByIds

Executor = Any


@dataclass
class WriteSet:
    """Everything one batch writes, in absolute terms as decided against the snapshot."""

    now: datetime
    organization_id: uuid.UUID
    # By id, in order of creation; a transaction created and changed in one batch goes out once, in its last state.
    new_transactions: dict[uuid.UUID, tuple[LedgerTransaction, bytes]] = field(default_factory=dict)
    changed_transactions: dict[uuid.UUID, LedgerTransaction] = field(default_factory=dict)
    discarded_entries_of: list[uuid.UUID] = field(default_factory=list)
    new_entries: dict[uuid.UUID, LedgerEntry] = field(default_factory=dict)
    # (account after, transaction that moved it there), in application order.
    account_versions: list[tuple[LedgerAccount, uuid.UUID]] = field(default_factory=list)
    # (ledger id, key, request fingerprint, response)
    idempotency_keys: list[tuple[uuid.UUID, str, bytes, bytes]] = field(default_factory=list)
    # The last state of every hold placed or changed, by id.
    holds: dict[uuid.UUID, Hold] = field(default_factory=dict)
    # Balance monitors created or flipped (last state, by id), and the alerts of the flips.
    monitors: dict[uuid.UUID, BalanceMonitor] = field(default_factory=dict)
    alerts: list[BalanceMonitorAlert] = field(default_factory=list)
    # Ledgerable events whose transactions this write creates.
    ledgerable_events: list[LedgerableEvent] = field(default_factory=list)
    # One per accepted write that changed something: the audit trail (core.audit).
    audit_events: list[AuditEvent] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (
            self.holds
            or self.new_transactions
            or self.changed_transactions
            or self.new_entries
            or self.account_versions
            or self.idempotency_keys
            or self.monitors
            or self.ledgerable_events
        )


@dataclass(frozen=True)
class Snapshot:
    """What the batch's decisions were made against: the accounts as read, the row versions (xmin)
    of the holds and transactions read, and the accounts whose exact state a decision depended on."""

    accounts: dict[uuid.UUID, LedgerAccount]
    row_versions: dict[uuid.UUID, int]
    guarded: frozenset[uuid.UUID]


class Moved(Exception):
    """A row the batch was decided against changed since it was read: decide again."""


class IdempotencyKeyRace(Exception):
    """Another request stored one of the keys first: the caller replays it."""


# The tables whose rows the write path's last attempt locks before reading them. IN (SELECT
# unnest): with `= ANY($1)` a generic plan may walk the whole primary key in id order. In the ledger
# the earlier attempts' reads learnt (store/placement.py): Citus refuses FOR UPDATE on every shard.
_LOCKS = {
    table: ByIds(
        f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE id IN (SELECT unnest($1::uuid[])) {{ledger}} "
        f"ORDER BY id {lock}) l",
        "ledger_id",
    )
    for table, lock in {
        "holds": "FOR UPDATE",
        "ledger_transactions": "FOR UPDATE",
        "ledger_accounts": "FOR NO KEY UPDATE",
    }.items()
}


async def lock_rows(db: Executor, table: str, ids: list[uuid.UUID]) -> None:
    """Row-locks `ids` of `table` in id order (the lock order of ledgerd_write_batch) until the
    database transaction ends."""
    await _LOCKS[table].fetch(db, LEDGERS.ledger_of(ids), ids)


def _offset(after: BalanceTotals, before: BalanceTotals) -> tuple[int, int, int, int]:
    return (
        after.posted_credits - before.posted_credits,
        after.posted_debits - before.posted_debits,
        after.pending_credits - before.pending_credits,
        after.pending_debits - before.pending_debits,
    )


def _transaction_row(t: LedgerTransaction, fingerprint: bytes) -> tuple[Any, ...]:
    # ledger_transactions' column order (0001, then 0003's and 0005's added columns).
    return (
        t.id,
        t.ledger_id,
        t.description,
        t.status.value,
        t.external_id,
        t.effective_at,
        t.posted_at,
        t.metadata,
        t.reverses_ledger_transaction_id,
        fingerprint,
        t.created_at,
        t.updated_at,
        t.ledgerable_type,
        t.ledgerable_id,
        t.partially_posts_ledger_transaction_id,
    )


def _hold_row(h: Hold) -> tuple[Any, ...]:
    return (
        h.id,
        h.ledger_id,
        h.ledger_account_id,
        h.counter_ledger_account_id,
        h.amount,
        h.captured_amount,
        h.currency,
        h.status.value,
        h.external_id,
        h.expires_at,
        h.ledger_transaction_id,
        list(h.capture_ledger_transaction_ids),
        h.available_balance_floor,
        h.metadata,
        h.request_fingerprint,
        h.created_at,
        h.updated_at,
    )


def _account_changes(ws: WriteSet, snapshot: Snapshot) -> list[tuple[Any, ...]]:
    """One change per account the batch moves or guards: deltas from the snapshot, and the version
    it must still be at when guarded."""
    final: dict[uuid.UUID, LedgerAccount] = {}
    for account, _ in ws.account_versions:
        final[account.id] = account
    for entry in ws.new_entries.values():
        final.setdefault(entry.ledger_account_id, snapshot.accounts[entry.ledger_account_id])
    for monitor in ws.monitors.values():
        final.setdefault(monitor.ledger_account_id, snapshot.accounts[monitor.ledger_account_id])
    changes = []
    for account_id in sorted(final):
        after, before = final[account_id], snapshot.accounts[account_id]
        expected = before.lock_version if account_id in snapshot.guarded else None
        changes.append(
            (account_id, expected, *_offset(after.totals, before.totals), after.lock_version - before.lock_version)
        )
    return changes


@dataclass(frozen=True)
class Base:
    """An account's state right before the batch, where other batches' deltas had moved it away
    from the snapshot."""

    lock_version: int
    totals: BalanceTotals


# The arguments of one ledgerd_write_batch call after `ledger` and `now`, in its order.
_ARGUMENTS = (
    "new_transactions",
    "changed_transactions",
    "changed_transaction_xmins",
    "discarded_entries_of",
    "new_entries",
    "account_changes",
    "new_versions",
    "new_holds",
    "changed_holds",
    "changed_hold_xmins",
    "new_idempotency_keys",
    "changed_monitors",
    "new_alerts",
    "new_ledgerable_events",
    "new_audit_events",
)


def _calls(ws: WriteSet, snapshot: Snapshot) -> dict[uuid.UUID, dict[str, list[Any]]]:
    """The batch's rows as the arguments of one call per ledger: every call writes one ledger's rows
    only, so a distributed PostgreSQL runs it whole on the node that holds the ledger
    (docs/scaling.md)."""
    calls: dict[uuid.UUID, dict[str, list[Any]]] = {}

    def add(ledger_id: uuid.UUID, argument: str, value: Any) -> None:
        call = calls.get(ledger_id)
        if call is None:
            call = calls[ledger_id] = {name: [] for name in _ARGUMENTS}
        call[argument].append(value)

    bases = snapshot.accounts
    transactions = {t.id: t for t, _ in ws.new_transactions.values()} | ws.changed_transactions
    for t, fingerprint in ws.new_transactions.values():
        add(t.ledger_id, "new_transactions", _transaction_row(t, fingerprint))
    for t in ws.changed_transactions.values():
        add(t.ledger_id, "changed_transactions", _transaction_row(t, b""))
        add(t.ledger_id, "changed_transaction_xmins", snapshot.row_versions[t.id])
    for transaction_id in ws.discarded_entries_of:
        add(transactions[transaction_id].ledger_id, "discarded_entries_of", transaction_id)
    for e in ws.new_entries.values():
        ledger_id = bases[e.ledger_account_id].ledger_id
        add(
            ledger_id,
            "new_entries",
            (
                e.id,
                e.ledger_transaction_id,
                e.ledger_account_id,
                e.direction.value,
                e.amount,
                e.ledger_account_lock_version - bases[e.ledger_account_id].lock_version,
                e.metadata,
                e.created_at,
                e.discarded_at,
                ledger_id,
            ),
        )
    for change in _account_changes(ws, snapshot):
        add(bases[change[0]].ledger_id, "account_changes", change)
    for a, transaction_id in ws.account_versions:
        add(
            a.ledger_id,
            "new_versions",
            (
                a.id,
                a.lock_version - bases[a.id].lock_version,
                transaction_id,
                *_offset(a.totals, bases[a.id].totals),
                ws.now,
                a.ledger_id,
            ),
        )
    for h in ws.holds.values():
        if h.id in snapshot.row_versions:
            add(h.ledger_id, "changed_holds", _hold_row(h))
            add(h.ledger_id, "changed_hold_xmins", snapshot.row_versions[h.id])
        else:
            add(h.ledger_id, "new_holds", _hold_row(h))
    for ledger_id, key, fingerprint, response in ws.idempotency_keys:
        add(ledger_id, "new_idempotency_keys", (ws.organization_id, key, fingerprint, response, ws.now, ledger_id))
    for m in ws.monitors.values():
        ledger_id = bases[m.ledger_account_id].ledger_id
        add(
            ledger_id,
            "changed_monitors",
            (
                m.id,
                m.ledger_account_id,
                m.alert_condition.field.value,
                m.alert_condition.operator.value,
                m.alert_condition.value,
                m.description,
                m.metadata,
                m.triggered,
                m.ledger_account_lock_version,
                m.created_at,
                m.updated_at,
                ledger_id,
            ),
        )
    for alert in ws.alerts:
        ledger_id = bases[alert.ledger_account_id].ledger_id
        add(
            ledger_id,
            "new_alerts",
            (
                alert.id,
                alert.ledger_account_balance_monitor_id,
                alert.ledger_account_id,
                alert.triggered,
                alert.ledger_account_lock_version,
                alert.created_at,
                ledger_id,
            ),
        )
    for event in ws.ledgerable_events:
        add(
            event.ledger_id,
            "new_ledgerable_events",
            (
                event.id,
                event.ledger_id,
                event.name,
                event.description,
                event.custom_data,
                event.metadata,
                event.ledger_event_handler_id,
                event.ledger_transaction_id,
                event.created_at,
            ),
        )
    for audited in ws.audit_events:
        assert audited.ledger_id is not None  # the writer files every event under its write's ledger
        add(audited.ledger_id, "new_audit_events", audit_store.row(audited))
    return calls


@functools.cache
def _statement(ledgers: int) -> str:
    """One statement for the calls of `ledgers` ledgers, so one transaction in autocommit: with
    several (an organization writing to two ledgers at once), all commit or none does. In ledger
    order, so that two such batches lock in one global order and never deadlock."""
    width = 2 + len(_ARGUMENTS)
    return " UNION ALL ".join(
        "SELECT * FROM ledgerd_write_batch(" + ", ".join(f"${call * width + n}" for n in range(1, width + 1)) + ")"
        for call in range(ledgers)
    )


async def learn_row_types(connection: asyncpg.Connection) -> None:
    """Has asyncpg learn the row types the batch write passes (arrays of each hot table's rows) on a
    new connection, before it serves: asyncpg reads a composite type's shape once per connection,
    with a query over the whole type catalog, and a batch whose call was that connection's first
    waited for it (on a Citus coordinator, whose catalog planned it worse, seconds: 32 such reads
    took 410 s in one 40 s bench, docs/scaling.md). Preparing the call reads every one of its
    types in one query. Before the migrations there is no batch write, and nothing to learn."""
    with contextlib.suppress(asyncpg.UndefinedFunctionError):
        await connection.prepare(_statement(1))


async def write(db: Executor, ws: WriteSet, snapshot: Snapshot) -> dict[uuid.UUID, Base]:
    """Writes the batch; returns the accounts found away from the snapshot (unguarded ones other
    batches moved), at their real base. Raises Moved or IdempotencyKeyRace, having written nothing."""
    bases = snapshot.accounts
    calls = _calls(ws, snapshot)
    arguments = [
        value
        for ledger_id in sorted(calls)
        for value in (ledger_id, ws.now, *(calls[ledger_id][name] for name in _ARGUMENTS))
    ]
    try:
        records = await db.fetch(_statement(len(calls)), *arguments)
    except asyncpg.SerializationError as error:
        raise Moved() from error
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name is None:  # raised by ledgerd_write_batch for a key stored first
            raise IdempotencyKeyRace() from error
        raise
    for transaction, _ in ws.new_transactions.values():
        LEDGERS.learn(transaction.id, transaction.ledger_id)
    for hold in ws.holds.values():
        LEDGERS.learn(hold.id, hold.ledger_id)
    return {
        r["id"]: Base(
            r["lock_version"],
            BalanceTotals(r["posted_credits"], r["posted_debits"], r["pending_credits"], r["pending_debits"]),
        )
        for r in records
        if r["lock_version"] != bases[r["id"]].lock_version
    }
