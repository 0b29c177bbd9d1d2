"""History before a run (--preload-entries N), loaded straight into the database by COPY: N/2
posted two-entry transfers between the chart's wallets, with every row the write path would have
written for them, so that `ledgerd verify` passes afterwards (store/verify.py):

- ledger_transactions: posted, one second apart, ending now;
- ledger_entries: a debit and a credit, each with its account's lock_version right after it;
- ledger_account_versions: one per entry, with the account's exact balances after it;
- ledger_transaction_versions: version 0 with the entries as ledgerd_entry_json renders them
  (0005_history.sql), in entry id order;
- audit_events: one per chunk of transfers, naming its transactions, with no API key (the audit
  trail's record of what no call made; docs/audit.md);
- ledger_accounts: the final balances and lock_version, in the same database transaction.

Through the API this took hours for 10M entries (about 400 transactions/s); COPY takes minutes
(benchmarks/README.md). Where the time goes: PostgreSQL's index insertions (about 11 µs of a
backend per row, measured) more than Python's rows (about 7 µs per row). So the tables are
COPYed at once, each over a connection of its own, fed chunk by chunk by one generator: five
backends share the cores while Python makes the next rows. Being in five database transactions,
the COPYs skip the foreign-key triggers (session_replication_role = replica, which needs a
superuser): every id they name is made here, in the same load, and committed with it. Ids are
sequential within a run (a random prefix, then a counter), so the primary keys grow at their right
edge and the two entries of a transfer sort debit first.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from zoneinfo import ZoneInfo

import asyncpg

from ledgerd.bench.setup import Chart

# Transfers per chunk of rows handed to the COPYs: small, since making a chunk holds up the event
# loop (about 20 µs per transfer), and chunks waiting for their COPY, per table.
transfers_per_chunk = 1000
chunks_queued_max = 8
# The history's pace: one transfer per second, ending at the load's start.
history_spacing = timedelta(seconds=1)
TRANSACTION_COLUMNS = (
    "id", "ledger_id", "description", "status", "effective_at", "posted_at", "metadata",
    "request_fingerprint", "created_at", "updated_at",
)  # fmt: skip
ENTRY_COLUMNS = (
    "id", "ledger_transaction_id", "ledger_account_id", "direction", "amount", "ledger_account_lock_version",
    "metadata", "created_at", "ledger_id",
)  # fmt: skip
ACCOUNT_VERSION_COLUMNS = (
    "ledger_account_id", "lock_version", "ledger_transaction_id", "posted_credits", "posted_debits",
    "pending_credits", "pending_debits", "created_at", "ledger_id",
)  # fmt: skip
AUDIT_EVENT_COLUMNS = ("id", "organization_id", "method", "resource_ids", "created_at", "ledger_id")
AUDIT_METHOD = "ledgerd-bench --preload-entries"
TRANSACTION_VERSION_COLUMNS = (
    "ledger_transaction_id", "version", "description", "status", "effective_at", "posted_at", "metadata",
    "ledger_entries", "created_at", "ledger_id",
)  # fmt: skip
DESCRIPTION = "History"
EMPTY_JSON = "{}"
FINGERPRINT = b"ledgerd-bench preload"
# ledgerd_entry_json's object; jsonb compares objects by their keys, so the order is free.
ENTRY_JSON = (
    '{{"id": "{id}", "ledger_account_id": "{account}", "direction": "{direction}", "amount": {amount}, '
    '"ledger_account_lock_version": {version}, "metadata": {{}}, "created_at": "{created}"}}'
)


@dataclass
class Account:
    """An account's state as the history moves it."""

    id: str
    lock_version: int
    posted_credits: int
    posted_debits: int
    pending_credits: int
    pending_debits: int


@dataclass
class Ids:
    """Sequential UUIDs under a random 80-bit prefix: distinct from every other id, in creation
    order (PostgreSQL orders uuids bytewise), made as text (the rows and the JSON both need it)."""

    prefix: str = field(default_factory=lambda: str(uuid.uuid4())[:24])
    next: int = 0

    def take(self) -> str:
        self.next += 1
        return f"{self.prefix}{self.next:012x}"


@dataclass
class Chunk:
    transactions: list[tuple[object, ...]] = field(default_factory=list)
    entries: list[tuple[object, ...]] = field(default_factory=list)
    account_versions: list[tuple[object, ...]] = field(default_factory=list)
    transaction_versions: list[tuple[object, ...]] = field(default_factory=list)
    audit_events: list[tuple[object, ...]] = field(default_factory=list)


class History:
    """The transfers, generated chunk by chunk against the accounts' running state."""

    def __init__(
        self, ledger_id: str, organization_id: str, accounts: list[Account], zone: ZoneInfo, seed: int = 0
    ) -> None:
        self.ledger_id = ledger_id
        self.organization_id = organization_id
        self.accounts = accounts
        self.zone = zone
        self.random = random.Random(seed)
        self.transaction_ids, self.entry_ids = Ids(), Ids()

    def chunks(self, transfers: int, ending: datetime) -> Iterator[Chunk]:
        first = ending - transfers * history_spacing
        for start in range(0, transfers, transfers_per_chunk):
            chunk = Chunk()
            for index in range(start, min(transfers, start + transfers_per_chunk)):
                self.transfer(chunk, first + index * history_spacing)
            chunk.audit_events.append(
                (
                    str(uuid.uuid4()),
                    self.organization_id,
                    AUDIT_METHOD,
                    [t[0] for t in chunk.transactions],
                    ending,
                    self.ledger_id,
                )
            )
            yield chunk

    def transfer(self, chunk: Chunk, at: datetime) -> None:
        transaction = self.transaction_ids.take()
        source, target = self.random.sample(self.accounts, 2)
        amount = self.random.randint(1, 100)
        created = at.astimezone(self.zone).isoformat()  # as PostgreSQL renders it in JSON (`at`: UTC)
        rendered = [self.entry(chunk, transaction, source, "debit", amount, at, created)]
        rendered.append(self.entry(chunk, transaction, target, "credit", amount, at, created))
        chunk.transactions.append(
            (transaction, self.ledger_id, DESCRIPTION, "posted", at, at, EMPTY_JSON, FINGERPRINT, at, at)
        )
        chunk.transaction_versions.append(
            (transaction, 0, DESCRIPTION, "posted", at, at, EMPTY_JSON, f"[{', '.join(rendered)}]", at, self.ledger_id)
        )

    def entry(
        self, chunk: Chunk, transaction: str, account: Account, direction: str, amount: int, at: datetime, created: str
    ) -> str:
        """Writes the entry and its account version; returns the entry as its JSON."""
        entry = self.entry_ids.take()
        account.lock_version += 1
        if direction == "debit":
            account.posted_debits += amount
        else:
            account.posted_credits += amount
        chunk.entries.append(
            (entry, transaction, account.id, direction, amount, account.lock_version, EMPTY_JSON, at, self.ledger_id)
        )
        chunk.account_versions.append(
            (account.id, account.lock_version, transaction, account.posted_credits, account.posted_debits,
             account.pending_credits, account.pending_debits, at, self.ledger_id)
        )  # fmt: skip
        return ENTRY_JSON.format(
            id=entry, account=account.id, direction=direction, amount=amount, version=account.lock_version,
            created=created,
        )  # fmt: skip


async def _zone(connection: asyncpg.Connection) -> ZoneInfo:
    """The session's TimeZone, in which PostgreSQL renders timestamps in JSON (and so in which
    `ledgerd verify` recomputes the versions' entries); checked against one rendering."""
    zone = ZoneInfo(await connection.fetchval("SELECT current_setting('TimeZone')"))
    probe = datetime.now(zone).replace(microsecond=0)
    rendered = await connection.fetchval("SELECT to_jsonb($1::timestamptz) #>> '{}'", probe)
    if rendered != probe.isoformat():
        raise RuntimeError(f"preload: PostgreSQL renders {probe.isoformat()} as {rendered}")
    return zone


@dataclass(frozen=True)
class Table:
    name: str
    columns: Sequence[str]
    rows: Callable[[Chunk], list[tuple[object, ...]]]  # its rows of a chunk


TABLES = (
    Table("ledger_transactions", TRANSACTION_COLUMNS, attrgetter("transactions")),
    Table("ledger_entries", ENTRY_COLUMNS, attrgetter("entries")),
    Table("ledger_account_versions", ACCOUNT_VERSION_COLUMNS, attrgetter("account_versions")),
    Table("ledger_transaction_versions", TRANSACTION_VERSION_COLUMNS, attrgetter("transaction_versions")),
    Table("audit_events", AUDIT_EVENT_COLUMNS, attrgetter("audit_events")),
)


async def _drained(queue: asyncio.Queue[list[tuple[object, ...]] | None]) -> AsyncIterator[tuple[object, ...]]:
    while (rows := await queue.get()) is not None:
        for row in rows:
            yield row


async def _copy_all(
    database_url: str, history: History, transfers: int, ending: datetime, finish: Callable[[], Awaitable[None]]
) -> None:
    """The history's rows COPYed into their tables at once, one connection and database
    transaction each; `finish` (the accounts' update) runs once they are all written, then they
    commit. On a failure nothing is committed: closing a connection rolls its transaction back."""
    connections = [await asyncpg.connect(database_url) for _ in TABLES]
    transactions = [connection.transaction() for connection in connections]
    queues: list[asyncio.Queue[list[tuple[object, ...]] | None]] = [asyncio.Queue(chunks_queued_max) for _ in TABLES]
    try:
        for connection, transaction in zip(connections, transactions, strict=True):
            await transaction.start()
            await connection.execute("SET LOCAL session_replication_role = replica")

        async def produce() -> None:
            for chunk in history.chunks(transfers, ending):
                for table, queue in zip(TABLES, queues, strict=True):
                    await queue.put(table.rows(chunk))
            for queue in queues:
                await queue.put(None)

        await asyncio.gather(
            produce(),
            *(
                connection.copy_records_to_table(table.name, records=_drained(queue), columns=table.columns)
                for connection, table, queue in zip(connections, TABLES, queues, strict=True)
            ),
        )
        await finish()
        for transaction in transactions:
            await transaction.commit()
    finally:
        for connection in connections:
            await connection.close()


@dataclass(frozen=True)
class Preloaded:
    entries: int
    seconds: float


async def preload(database_url: str, chart: Chart, entries: int) -> Preloaded:
    """`entries` entries of history (rounded down to whole transfers) on the chart's wallets (the
    cash account as the other side when there is one wallet), committed together."""
    started = time.monotonic()
    transfers = entries // 2
    connection = await asyncpg.connect(database_url)
    try:
        async with connection.transaction():
            # Locked until the end, so that no write of a running server interleaves.
            rows = await connection.fetch(
                """SELECT id::text, lock_version, posted_credits, posted_debits, pending_credits, pending_debits
                   FROM ledger_accounts WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE""",
                chart.wallets if len(chart.wallets) > 1 else [*chart.wallets, chart.cash],
            )
            accounts = [Account(*row) for row in rows]
            organization_id = await connection.fetchval(
                "SELECT organization_id::text FROM ledgers WHERE id = $1::uuid", chart.ledger_id
            )
            history = History(chart.ledger_id, organization_id, accounts, await _zone(connection))

            async def finish() -> None:
                """The accounts' final state, once every row is written."""
                await connection.execute(
                    """UPDATE ledger_accounts a SET lock_version = s.lock_version, posted_credits = s.posted_credits,
                           posted_debits = s.posted_debits, updated_at = now()
                       FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[])
                           AS s (id, lock_version, posted_credits, posted_debits)
                       WHERE a.id = s.id""",
                    [a.id for a in accounts],
                    [a.lock_version for a in accounts],
                    [a.posted_credits for a in accounts],
                    [a.posted_debits for a in accounts],
                )

            await _copy_all(database_url, history, transfers, datetime.now(UTC).replace(microsecond=0), finish)
    finally:
        await connection.close()
    return Preloaded(2 * transfers, time.monotonic() - started)
