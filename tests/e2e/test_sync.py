"""`ledgerd sync --to URL` as cron runs it: a real process pushing a real server's database into
another PostgreSQL database. The first run copies every ledger table, a later run only the rows
written since (updates in place, deletions and a transaction that commits late included), and a
run killed between two of its commits is finished by the next without copying a row twice."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest

from ledgerd.client import LedgerdClient
from ledgerd.server.app import start_server
from ledgerd.server.core.api_keys import create_api_key
from ledgerd.server.store.migrate import apply_migrations
from ledgerd.server.store.pool import create_pool
from ledgerd.server.store.warehouse import SYNCED_TABLES
from ledgerd.v1 import hold_pb2, ledger_pb2, transaction_pb2

from ..conftest import admin, new_database_name, sibling_url
from .category_helpers import add_account, create_category
from .ledger_helpers import (
    DEBIT_NORMAL,
    LEDGERD,
    POSTED,
    create_account,
    create_ledger,
    create_transaction,
    run_ledgerd,
    transfer,
)

# How often the test looks at the warehouse while a sync runs (a poll, not a measurement).
POLL_SECONDS = 0.05


@dataclass
class Ledger:
    source_url: str
    warehouse_url: str
    source: asyncpg.Pool
    warehouse: asyncpg.Pool
    client: LedgerdClient


@pytest.fixture
async def ledger(own_database_url: str, database_url: str) -> AsyncIterator[Ledger]:
    """A server on a database of its own (every row of it is the test's) and an empty warehouse."""
    warehouse_name = new_database_name()
    await admin(database_url, f'CREATE DATABASE "{warehouse_name}"')
    warehouse_url = sibling_url(database_url, warehouse_name)
    source = await create_pool(own_database_url, min_size=1, max_size=10)
    async with source.acquire() as connection:
        await apply_migrations(connection)
    server = await start_server(source, "127.0.0.1:0", background=False)
    _, key = await create_api_key(source, "sync")
    warehouse = await asyncpg.create_pool(warehouse_url, min_size=1, max_size=2)
    try:
        async with LedgerdClient(f"127.0.0.1:{server.port}", key) as client:
            yield Ledger(own_database_url, warehouse_url, source, warehouse, client)
    finally:
        await server.stop(0)
        await source.close()
        await warehouse.close()
        await admin(database_url, f'DROP DATABASE IF EXISTS "{warehouse_name}" WITH (FORCE)')


async def sync(ledger: Ledger, *options: str) -> str:
    code, output = await run_ledgerd("sync", "--to", ledger.warehouse_url, *options, database_url=ledger.source_url)
    assert code == 0, output
    return output


async def rows_of(pool: asyncpg.Pool, table: str) -> list[str]:
    """Every row of `table` as JSON, in the order of that text."""
    return [r[0] for r in await pool.fetch(f"SELECT to_jsonb(t)::text FROM {table} t ORDER BY 1")]


async def assert_same(ledger: Ledger) -> None:
    for table in SYNCED_TABLES:
        assert await rows_of(ledger.warehouse, f"ledgerd.{table}") == await rows_of(ledger.source, table), table


async def warehouse_row_versions(ledger: Ledger, table: str) -> dict[str, str]:
    """The warehouse's own row version (xmin) of each row, by its JSON: unchanged if never rewritten."""
    records = await ledger.warehouse.fetch(f"SELECT to_jsonb(t)::text, t.xmin::text FROM ledgerd.{table} t")
    return {r[0]: r[1] for r in records}


async def book(client: LedgerdClient) -> tuple[str, str, str]:
    ledger = await create_ledger(client)
    cash = (await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    return ledger.id, cash, wallet


async def test_the_first_sync_copies_every_table_and_the_next_only_what_changed(ledger: Ledger) -> None:
    client = ledger.client
    ledger_id, cash, wallet = await book(client)
    settlement = (await create_account(client, ledger_id, "Settlement", normal_balance=DEBIT_NORMAL)).id
    category = await create_category(client, ledger_id, "Wallets")
    await add_account(client, category.id, wallet)
    pending = [await create_transaction(client, transfer(cash, wallet, 100 + n)) for n in range(5)]
    await create_transaction(client, transfer(cash, wallet, 10_000, status=POSTED))

    output = await sync(ledger)
    assert "ledger_entries: 12 copied" in output, output
    await assert_same(ledger)
    before = {table: await warehouse_row_versions(ledger, table) for table in SYNCED_TABLES}

    # Changes of every kind: updates in place, new rows, and a deleted membership.
    await client.transactions.UpdateLedgerTransaction(
        transaction_pb2.UpdateLedgerTransactionRequest(id=pending[0].id, status=POSTED)
    )
    await client.ledgers.UpdateLedgerAccount(ledger_pb2.UpdateLedgerAccountRequest(id=cash, metadata={"k": "v"}))
    hold = await client.holds.PlaceHold(
        hold_pb2.PlaceHoldRequest(ledger_account_id=wallet, counter_ledger_account_id=settlement, amount=50)
    )
    await client.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=hold.hold.id, amount=50))
    await client.ledgers.RemoveLedgerAccountFromCategory(
        ledger_pb2.RemoveLedgerAccountFromCategoryRequest(
            ledger_account_category_id=category.id, ledger_account_id=wallet
        )
    )

    output = await sync(ledger)
    assert "ledger_account_category_accounts: 0 copied, 1 deleted" in output, output
    copied = {line.split(":")[0]: int(line.split()[1]) for line in output.splitlines() if " copied, " in line}
    await assert_same(ledger)
    # Only what changed was written again: every row the second run did not need kept its
    # warehouse row version, and every one it wrote is a new or changed one.
    for table in SYNCED_TABLES:
        after = await warehouse_row_versions(ledger, table)
        kept = {row for row, version in after.items() if before[table].get(row) == version}
        assert kept == set(after) & set(before[table]), table
        # ... and it copied each new or changed row once.
        assert copied[table] == len(set(after) - set(before[table])), table
    assert copied["ledgers"] == 0 and copied["ledger_transactions"] > 0 and copied["holds"] == 1

    # A run with nothing new copies nothing.
    output = await sync(ledger)
    assert all(f"{table}: 0 copied" in output for table in SYNCED_TABLES), output


async def test_a_row_committed_late_by_an_older_transaction_is_not_skipped(ledger: Ledger) -> None:
    client = ledger.client
    ledger_id, cash, wallet = await book(client)
    async with ledger.source.acquire() as connection:
        late = connection.transaction()
        await late.start()
        await connection.fetchval("SELECT pg_current_xact_id()")  # older than the next write
        newer = await create_transaction(client, transfer(cash, wallet, 100))  # commits first
        await sync(ledger)
        # Everything written since the older transaction began waits for it: a mark past the newer
        # row would have skipped the older transaction's row for good.
        copied = await ledger.warehouse.fetchval(
            "SELECT count(*) FROM ledgerd.ledger_transactions WHERE id = $1", uuid.UUID(newer.id)
        )
        assert copied == 0
        await connection.execute(
            "UPDATE ledgers SET description = 'late', updated_at = now() WHERE id = $1", uuid.UUID(ledger_id)
        )
        await late.commit()
    await sync(ledger)
    await assert_same(ledger)
    assert (
        await ledger.warehouse.fetchval("SELECT description FROM ledgerd.ledgers WHERE id = $1", uuid.UUID(ledger_id))
        == "late"
    )


async def test_a_sync_killed_between_its_commits_is_finished_by_the_next_without_copying_twice(
    ledger: Ledger,
) -> None:
    client = ledger.client
    _, cash, wallet = await book(client)
    made = await client.transactions.CreateLedgerTransactions(
        transaction_pb2.CreateLedgerTransactionsRequest(requests=[transfer(cash, wallet, 1 + n) for n in range(30)])
    )
    ids = sorted(uuid.UUID(r.ledger_transaction.id) for r in made.results)
    await sync(ledger)
    # Every transaction changes; the next run copies them ten per warehouse transaction. The test
    # holds the warehouse row of the 15th, so the run stops inside its second chunk; it is killed
    # there, after its first chunk committed.
    for transaction_id in ids:
        await client.transactions.UpdateLedgerTransaction(
            transaction_pb2.UpdateLedgerTransactionRequest(id=str(transaction_id), status=POSTED)
        )
    async with ledger.warehouse.acquire() as blocker:
        held = blocker.transaction()
        await held.start()
        await blocker.execute("SELECT 1 FROM ledgerd.ledger_transactions WHERE id = $1 FOR UPDATE", ids[14])
        process = await asyncio.create_subprocess_exec(
            LEDGERD,
            "sync",
            "--to",
            ledger.warehouse_url,
            "--rows-per-transaction",
            "10",
            env={**os.environ, "DATABASE_URL": ledger.source_url},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        while not await ledger.warehouse.fetchval(
            """SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ledgerd sync'
               AND datname = current_database() AND wait_event_type = 'Lock'"""
        ):
            assert process.returncode is None
            await asyncio.sleep(POLL_SECONDS)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        await held.rollback()
    # Its sessions end once PostgreSQL notices the client is gone (the blocked one as it wakes).
    while True:
        if not await ledger.warehouse.fetchval(
            """SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ledgerd sync'
               AND datname = current_database()"""
        ):
            break
        await asyncio.sleep(POLL_SECONDS)
    progress = await ledger.warehouse.fetchval(
        "SELECT copying_after->>0 FROM ledgerd.ledgerd_sync_marks WHERE table_name = 'ledger_transactions'"
    )
    assert progress == str(ids[9])  # the first chunk, and its progress, committed together
    first_chunk = await ledger.warehouse.fetch(
        "SELECT DISTINCT xmin::text FROM ledgerd.ledger_transactions WHERE id = ANY($1)", ids[:10]
    )
    assert len(first_chunk) == 1

    await sync(ledger)
    await assert_same(ledger)
    # The first chunk was not copied again: its rows still carry the killed run's commit.
    assert (
        await ledger.warehouse.fetch(
            "SELECT DISTINCT xmin::text FROM ledgerd.ledger_transactions WHERE id = ANY($1)", ids[:10]
        )
        == first_chunk
    )
    rest = await ledger.warehouse.fetch(
        "SELECT DISTINCT xmin::text FROM ledgerd.ledger_transactions WHERE id = ANY($1)", ids[10:]
    )
    assert not set(first_chunk) & set(rest)


async def test_a_sync_to_an_unreachable_warehouse_or_with_a_bad_schema_fails_cleanly(ledger: Ledger) -> None:
    code, output = await run_ledgerd(
        "sync", "--to", "postgresql://postgres@127.0.0.1:1/none", database_url=ledger.source_url
    )
    assert code == 1 and "cannot connect to the warehouse" in output and "Traceback" not in output
    code, output = await run_ledgerd(
        "sync", "--to", ledger.warehouse_url, "--schema", "Robert'); DROP", database_url=ledger.source_url
    )
    assert code == 2 and "is not a lower-case SQL name" in output
    code, output = await run_ledgerd(
        "sync", "--to", ledger.warehouse_url, "--rows-per-transaction", "0", database_url=ledger.source_url
    )
    assert code == 2 and "sync_rows_per_transaction_max" in output
