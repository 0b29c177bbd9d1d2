"""Every row of a ledger names its ledger (docs/scaling.md, migration 0014): the key a distributed
PostgreSQL places rows by. Every writer fills it, `ledgerd verify` checks it against the row each
belongs to, the batch write refuses a row of another ledger, and the migration fills it for what
existed before."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from ledgerd.client import LedgerdClient
from ledgerd.server.core.verify import verify
from ledgerd.server.store.migrate import apply_migrations
from ledgerd.v1 import hold_pb2

from .category_helpers import add_account, create_category, nest
from .ledger_helpers import DEBIT_NORMAL, POSTED, create_account, create_ledger, create_transaction, transfer
from .test_holds import APPROVED, DECLINED, place
from .test_watching import below, create_monitor

# The tables whose rows name their ledger since migration 0014 (the others had ledger_id already).
KEYED_TABLES = (
    "ledger_entries",
    "ledger_account_versions",
    "ledger_transaction_versions",
    "ledger_account_balance_monitors",
    "ledger_account_balance_monitor_alerts",
    "ledger_account_category_accounts",
    "ledger_account_category_categories",
    "ledger_account_category_paths",
    "ledger_account_category_closure",
)
CHECK = "every row references rows that exist in its own ledger"


async def book(client: LedgerdClient, funds: int) -> tuple[str, str, str, str]:
    """(ledger, cash, wallet, settlement) with `funds` posted into the wallet."""
    ledger = await create_ledger(client)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    settlement = await create_account(client, ledger.id, "Settlement", normal_balance=DEBIT_NORMAL)
    await create_transaction(client, transfer(cash.id, wallet.id, funds, status=POSTED))
    return ledger.id, cash.id, wallet.id, settlement.id


async def fill(client: LedgerdClient) -> tuple[str, str, str]:
    """One ledger with a row of every kind: (ledger, wallet, category)."""
    ledger, _, wallet, settlement = await book(client, 1_000)
    await create_monitor(client, wallet, alert_condition=below(500), description="low")
    held = await client.holds.PlaceHold(place(wallet, settlement, 600, idempotency_key=f"h-{uuid.uuid4()}"))
    assert held.decision == APPROVED  # 400 left: the monitor flips, an alert
    declined = await client.holds.PlaceHold(place(wallet, settlement, 5_000, idempotency_key=f"d-{uuid.uuid4()}"))
    assert declined.decision == DECLINED  # changes nothing, yet its key is stored under the ledger
    await client.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=held.hold.id, amount=100))
    parent, child = [(await create_category(client, ledger, name)).id for name in ("Parent", "Child")]
    await nest(client, parent, child)
    await add_account(client, child, wallet)
    return ledger, wallet, parent


async def organization_of(pool: asyncpg.Pool, ledger_id: str) -> uuid.UUID:
    organization: uuid.UUID = await pool.fetchval(
        "SELECT organization_id FROM ledgers WHERE id = $1", uuid.UUID(ledger_id)
    )
    return organization


async def test_every_writer_files_its_rows_under_their_ledger(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    ledgers = {uuid.UUID((await fill(client))[0]) for _ in range(2)}
    for table in KEYED_TABLES:
        found = await pool.fetch(f"SELECT DISTINCT ledger_id FROM {table} WHERE ledger_id = ANY($1::uuid[])", ledgers)
        assert {r["ledger_id"] for r in found} == ledgers, table
    organization = await organization_of(pool, str(next(iter(ledgers))))
    for table in ("idempotency_keys", "audit_events"):
        filed = await pool.fetch(f"SELECT ledger_id FROM {table} WHERE organization_id = $1", organization)
        assert filed and {r["ledger_id"] for r in filed} == ledgers, table
    assert not (await verify(pool))[CHECK]


async def test_concurrent_writes_to_two_ledgers_of_one_organization_stay_exact(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    # One organization's writes share batches (core/coalescer.py), so a batch may carry both
    # ledgers: it is then one statement of one call per ledger, all or nothing.
    books = [await book(client, 1_000) for _ in range(2)]
    requests = [place(wallet, settlement, 10) for _ in range(150) for _, _, wallet, settlement in books]
    answers = await asyncio.gather(*(client.holds.PlaceHold(r) for r in requests))
    for ledger, _, wallet, _ in books:
        approved = [a for a in answers if a.decision == APPROVED and a.hold.ledger_account_id == wallet]
        assert len(approved) == 100  # 1,000 of funds in tens
        rows = await pool.fetchval(
            "SELECT count(*) FROM holds WHERE ledger_account_id = $1 AND ledger_id = $2",
            uuid.UUID(wallet),
            uuid.UUID(ledger),
        )
        assert rows == 100
    assert {check: rows for check, rows in (await verify(pool)).items() if rows} == {}


async def test_verify_names_a_row_filed_under_another_ledger(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    ledger, wallet, _ = await fill(client)
    other = (await create_ledger(client, "Other")).id
    entry = await pool.fetchval("SELECT id FROM ledger_entries WHERE ledger_account_id = $1 LIMIT 1", uuid.UUID(wallet))
    await pool.execute("UPDATE ledger_entries SET ledger_id = $1 WHERE id = $2", uuid.UUID(other), entry)
    try:
        assert (await verify(pool))[CHECK] == [{"rows": "ledger_entries", "id": str(entry)}]
    finally:
        await pool.execute("UPDATE ledger_entries SET ledger_id = $1 WHERE id = $2", uuid.UUID(ledger), entry)
    assert not (await verify(pool))[CHECK]


async def test_the_batch_write_refuses_a_row_of_another_ledger_and_writes_nothing(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    ledger, *_ = await book(client, 10)
    other = (await create_ledger(client, "Other")).id
    organization = await organization_of(pool, ledger)
    event = uuid.uuid4()
    with pytest.raises(asyncpg.RaiseError, match="is not of ledger"):
        await pool.execute(
            "SELECT * FROM ledgerd_write_batch($1, now(), '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',"
            " '{}', '{}', '{}', '{}', ARRAY[ROW($2, $3, NULL, 'test', '{}', now(), $4)::audit_events])",
            uuid.UUID(ledger),
            event,
            organization,
            uuid.UUID(other),
        )
    assert await pool.fetchval("SELECT count(*) FROM audit_events WHERE id = $1", event) == 0


async def test_the_migration_files_existing_rows_under_their_ledger(own_database_url: str) -> None:
    connection = await asyncpg.connect(own_database_url)
    try:
        await apply_migrations(connection, until=13)
        organization, ledger, category, child = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        cash, wallet, transaction = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await connection.execute("INSERT INTO organizations VALUES ($1, 'Before', now())", organization)
        await connection.execute(
            "INSERT INTO ledgers VALUES ($1, $2, 'Ledger', '', '{}', now(), now())", ledger, organization
        )
        for account in (cash, wallet):
            await connection.execute(
                """INSERT INTO ledger_accounts
                   VALUES ($1, $2, 'A', '', 'credit', 'USD', 2, '{}', 5, 5, 0, 0, 1, now(), now())""",
                account,
                ledger,
            )
        await connection.execute(
            """INSERT INTO ledger_transactions (id, ledger_id, description, status, effective_at, posted_at, metadata,
                   request_fingerprint, created_at, updated_at)
               VALUES ($1, $2, '', 'posted', now(), now(), '{}', '', now(), now())""",
            transaction,
            ledger,
        )
        for account, direction in ((cash, "debit"), (wallet, "credit")):
            await connection.execute(
                "INSERT INTO ledger_entries VALUES (gen_random_uuid(), $1, $2, $3, 5, 1, '{}', now(), NULL)",
                transaction,
                account,
                direction,
            )
            await connection.execute(
                "INSERT INTO ledger_account_versions VALUES ($1, 1, $2, 5, 5, 0, 0, now())", account, transaction
            )
            monitor = await connection.fetchval(
                """INSERT INTO ledger_account_balance_monitors VALUES (gen_random_uuid(), $1,
                       'posted_balance_amount', 'less_than', 1, '', '{}', false, 1, now(), now()) RETURNING id""",
                account,
            )
            await connection.execute(
                """INSERT INTO ledger_account_balance_monitor_alerts
                   VALUES (gen_random_uuid(), $1, $2, false, 1, now())""",
                monitor,
                account,
            )
        await connection.execute(
            """INSERT INTO ledger_transaction_versions (ledger_transaction_id, version, description, status,
                   effective_at, metadata, ledger_entries, created_at)
               VALUES ($1, 0, '', 'posted', now(), '{}', '[]', now())""",
            transaction,
        )
        for each in (category, child):
            await connection.execute(
                """INSERT INTO ledger_account_categories
                   VALUES ($1, $2, 'C', '', 'credit', 'USD', 2, '{}', 1, now(), now())""",
                each,
                ledger,
            )
            await connection.execute("INSERT INTO ledger_account_category_paths VALUES ($1, $1, 0)", each)
            await connection.execute("INSERT INTO ledger_account_category_closure VALUES ($1, $2)", each, wallet)
        await connection.execute("INSERT INTO ledger_account_category_paths VALUES ($1, $2, 1)", category, child)
        await connection.execute(
            "INSERT INTO ledger_account_category_categories VALUES ($1, $2, now())", category, child
        )
        await connection.execute("INSERT INTO ledger_account_category_accounts VALUES ($1, $2, now())", child, wallet)

        recorded = await connection.fetchval(
            """INSERT INTO audit_events VALUES (gen_random_uuid(), $1, NULL, 'test', ARRAY[$2::uuid], now())
               RETURNING id""",
            organization,
            transaction,
        )

        assert (await apply_migrations(connection))[0].version == 14
        for table in KEYED_TABLES:
            filed = await connection.fetch(f"SELECT ledger_id FROM {table}")
            assert filed and {r["ledger_id"] for r in filed} == {ledger}, table
        # 0016: an audit event from before 0014 is filed under the ledger of the transaction it records.
        assert await connection.fetchval("SELECT ledger_id FROM audit_events WHERE id = $1", recorded) == ledger
    finally:
        await connection.close()
