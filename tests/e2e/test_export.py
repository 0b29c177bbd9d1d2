"""`ledgerd export` as a user runs it, on a ledger written through the real server: the exact CSV
and Parquet content of every table, the refusal of an unknown ledger, the header of an empty one."""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from google.protobuf import timestamp_pb2

from ledgerd.client import LedgerdClient
from ledgerd.v1 import common_pb2, hold_pb2, ledger_pb2, transaction_pb2

from .ledger_helpers import (
    DEBIT_NORMAL,
    PENDING,
    POSTED,
    create_account,
    create_ledger,
    create_transaction,
    get_account,
    run_ledgerd,
    transfer,
)

Row = list[Any]


def instant(timestamp: timestamp_pb2.Timestamp) -> datetime | None:
    return timestamp.ToDatetime(tzinfo=UTC) if timestamp.seconds or timestamp.nanos else None


def word(enum_name: str) -> str:
    """NORMAL_BALANCE_CREDIT -> credit, LEDGER_TRANSACTION_STATUS_POSTED -> posted."""
    return enum_name.rsplit("_", 1)[1].lower()


def text_or_none(value: str) -> str | None:
    return value or None


def account_row(account: ledger_pb2.LedgerAccount) -> Row:
    posted, pending = account.balances.posted_balance, account.balances.pending_balance
    return [
        account.id,
        account.ledger_id,
        account.name,
        account.description,
        word(common_pb2.NormalBalance.Name(account.normal_balance)),
        account.currency,
        account.currency_exponent,
        posted.credits,
        posted.debits,
        pending.credits - posted.credits,
        pending.debits - posted.debits,
        account.lock_version,
        dict(account.metadata),
        instant(account.created_at),
        instant(account.updated_at),
    ]


def transaction_row(transaction: transaction_pb2.LedgerTransaction) -> Row:
    return [
        transaction.id,
        transaction.ledger_id,
        transaction.description,
        word(common_pb2.LedgerTransactionStatus.Name(transaction.status)),
        text_or_none(transaction.external_id),
        instant(transaction.effective_at),
        instant(transaction.posted_at),
        text_or_none(transaction.reverses_ledger_transaction_id),
        text_or_none(transaction.partially_posts_ledger_transaction_id),
        text_or_none(transaction.ledgerable_type),
        text_or_none(transaction.ledgerable_id),
        dict(transaction.metadata),
        instant(transaction.created_at),
        instant(transaction.updated_at),
    ]


def entry_row(entry: transaction_pb2.LedgerEntry) -> Row:
    return [
        entry.id,
        entry.ledger_transaction_id,
        entry.ledger_account_id,
        word(common_pb2.Direction.Name(entry.direction)),
        entry.amount,
        entry.ledger_account_currency,
        entry.ledger_account_currency_exponent,
        word(common_pb2.LedgerTransactionStatus.Name(entry.status)),
        instant(entry.effective_at),
        entry.ledger_account_lock_version,
        dict(entry.metadata),
        instant(entry.created_at),
        instant(entry.discarded_at),
    ]


def hold_row(hold: hold_pb2.Hold, currency_exponent: int) -> Row:
    return [
        hold.id,
        hold.ledger_id,
        hold.ledger_account_id,
        hold.counter_ledger_account_id,
        hold.amount,
        hold.captured_amount,
        hold.currency,
        currency_exponent,
        word(hold_pb2.HoldStatus.Name(hold.status)),
        text_or_none(hold.external_id),
        instant(hold.expires_at),
        hold.ledger_transaction_id,
        list(hold.capture_ledger_transaction_ids),
        hold.available_balance_floor,
        dict(hold.metadata),
        instant(hold.created_at),
        instant(hold.updated_at),
    ]


HEADERS = {
    "ledger_accounts": "id,ledger_id,name,description,normal_balance,currency,currency_exponent,posted_credits,"
    "posted_debits,pending_credits,pending_debits,lock_version,metadata,created_at,updated_at",
    "ledger_transactions": "id,ledger_id,description,status,external_id,effective_at,posted_at,"
    "reverses_ledger_transaction_id,partially_posts_ledger_transaction_id,ledgerable_type,ledgerable_id,metadata,"
    "created_at,updated_at",
    "ledger_entries": "id,ledger_transaction_id,ledger_account_id,direction,amount,ledger_account_currency,"
    "ledger_account_currency_exponent,status,effective_at,ledger_account_lock_version,metadata,created_at,"
    "discarded_at",
    "holds": "id,ledger_id,ledger_account_id,counter_ledger_account_id,amount,captured_amount,currency,"
    "currency_exponent,status,external_id,expires_at,ledger_transaction_id,capture_ledger_transaction_ids,"
    "available_balance_floor,metadata,created_at,updated_at",
}
METADATA_COLUMN = "metadata"


async def written_ledger(client: LedgerdClient) -> tuple[str, dict[str, list[Row]]]:
    """A ledger with every kind of row: two currencies, posted and pending transactions, an entry
    discarded by an update, a captured hold and a pending one. Returns its id and each table's
    expected rows (typed values, metadata as a dict), in id order."""
    ledger = await create_ledger(client, "Exported")
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL, description="the bank")
    wallet = await create_account(client, ledger.id, 'Wallet, "Jane"', metadata={"user_id": "42", "type": "w"})
    settlement = await create_account(client, ledger.id, "Settlement", normal_balance=DEBIT_NORMAL)
    yen = await create_account(client, ledger.id, "Yen cash", normal_balance=DEBIT_NORMAL, currency="JPY")
    yen_wallet = await create_account(client, ledger.id, "Yen wallet", currency="JPY")
    funding = await create_transaction(
        client,
        transfer(cash.id, wallet.id, 10_000, status=POSTED, external_id="deposit-1", metadata={"source": "ach"}),
    )
    pending = await create_transaction(client, transfer(cash.id, wallet.id, 700, status=PENDING))
    # Replacing the pending transaction's entries discards the first two.
    updated = (
        await client.transactions.UpdateLedgerTransaction(
            transaction_pb2.UpdateLedgerTransactionRequest(
                id=pending.id,
                ledger_entries=transfer(cash.id, wallet.id, 900).ledger_entries,
            )
        )
    ).ledger_transaction
    assert updated.ledger_entries[0].amount == 900
    await create_transaction(client, transfer(yen.id, yen_wallet.id, 5_000, status=POSTED))
    captured = await client.holds.PlaceHold(
        hold_pb2.PlaceHoldRequest(
            ledger_account_id=wallet.id,
            counter_ledger_account_id=settlement.id,
            amount=2_500,
            external_id="auth-1",
            metadata={"merchant": "Café"},
        )
    )
    await client.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=captured.hold.id, amount=2_000))
    held = await client.holds.PlaceHold(
        hold_pb2.PlaceHoldRequest(
            ledger_account_id=wallet.id, counter_ledger_account_id=settlement.id, amount=300, timeout_seconds=3600
        )
    )

    accounts = [await get_account(client, account.id) for account in (cash, wallet, settlement, yen, yen_wallet)]
    transactions = (
        await client.transactions.ListLedgerTransactions(
            transaction_pb2.ListLedgerTransactionsRequest(ledger_id=ledger.id, page_size=100)
        )
    ).ledger_transactions
    entries: list[transaction_pb2.LedgerEntry] = []
    for account in accounts:
        listed = await client.transactions.ListLedgerEntries(
            transaction_pb2.ListLedgerEntriesRequest(ledger_account_id=account.id, show_discarded=True, page_size=100)
        )
        entries += listed.ledger_entries
    holds = [(await client.holds.GetHold(hold_pb2.GetHoldRequest(id=hold.hold.id))).hold for hold in (captured, held)]
    exponent_of = {account.id: account.currency_exponent for account in accounts}
    assert funding.id in {t.id for t in transactions}
    assert any(e.discarded_at.seconds for e in entries), "the update discarded no entry"
    assert {len(t.ledger_entries) for t in transactions} == {2}
    return ledger.id, {
        "ledger_accounts": sorted((account_row(a) for a in accounts), key=lambda row: row[0]),
        "ledger_transactions": sorted((transaction_row(t) for t in transactions), key=lambda row: row[0]),
        "ledger_entries": sorted((entry_row(e) for e in entries), key=lambda row: row[0]),
        "holds": sorted((hold_row(h, exponent_of[h.ledger_account_id]) for h in holds), key=lambda row: row[0]),
    }


@pytest.fixture
async def exported(client: LedgerdClient) -> tuple[str, dict[str, list[Row]]]:
    return await written_ledger(client)


def as_csv_field(value: Any) -> str:
    """How the export must spell a value in CSV (independently of how the exporter does it)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, list):
        return json.dumps(value)
    return str(value)


def with_metadata_parsed(header: list[str], rows: list[list[str]]) -> list[list[Any]]:
    """Metadata compared as the JSON object it is (PostgreSQL orders its keys its own way)."""
    index = header.index(METADATA_COLUMN)
    return [[json.loads(value) if i == index else value for i, value in enumerate(row)] for row in rows]


@pytest.mark.parametrize("table", sorted(HEADERS))
async def test_csv_export_has_the_header_and_exactly_one_line_per_row(
    table: str, exported: tuple[str, dict[str, list[Row]]], database_url: str
) -> None:
    ledger_id, expected = exported
    code, output = await run_ledgerd("export", table, "--ledger", ledger_id, database_url=database_url)
    assert code == 0, output
    lines = output.split("\n")
    assert lines[0] == HEADERS[table]
    assert lines[-1] == "", "the last line ends with a newline"
    parsed = list(csv.reader(io.StringIO(output)))
    header, rows = parsed[0], parsed[1:]
    index = header.index(METADATA_COLUMN)
    want = [[value if i == index else as_csv_field(value) for i, value in enumerate(row)] for row in expected[table]]
    assert with_metadata_parsed(header, rows) == want


ARROW_TYPES = {
    "ledger_accounts": ["string"] * 6 + ["int16"] + ["int64"] * 5 + ["string"] + ["timestamp[us, tz=UTC]"] * 2,
    "ledger_transactions": ["string"] * 5
    + ["timestamp[us, tz=UTC]"] * 2
    + ["string"] * 5
    + ["timestamp[us, tz=UTC]"] * 2,
    "ledger_entries": ["string"] * 4
    + ["int64", "string", "int16", "string", "timestamp[us, tz=UTC]", "int64", "string"]
    + ["timestamp[us, tz=UTC]"] * 2,
    "holds": ["string"] * 4
    + ["int64", "int64", "string", "int16", "string", "string", "timestamp[us, tz=UTC]", "string"]
    + ["list<element: string>"]
    + ["int64", "string"]
    + ["timestamp[us, tz=UTC]"] * 2,
}


@pytest.mark.parametrize("table", sorted(HEADERS))
async def test_parquet_export_reads_back_with_typed_columns_and_the_same_rows(
    table: str, exported: tuple[str, dict[str, list[Row]]], database_url: str, tmp_path: Path
) -> None:
    ledger_id, expected = exported
    path = tmp_path / f"{table}.parquet"
    code, output = await run_ledgerd(
        "export", table, "--ledger", ledger_id, "--format", "parquet", "--output", str(path), database_url=database_url
    )
    assert code == 0, output
    assert f"{len(expected[table])} rows of {table} written to {path}" in output
    assert os.listdir(tmp_path) == [path.name], "no temporary file is left behind"
    read = pq.read_table(path)
    assert read.schema.names == HEADERS[table].split(",")
    assert [str(field.type) for field in read.schema] == ARROW_TYPES[table]
    index = read.schema.names.index(METADATA_COLUMN)
    rows = [[json.loads(v) if i == index else v for i, v in enumerate(row.values())] for row in read.to_pylist()]
    assert rows == expected[table]


async def test_an_unknown_ledger_is_refused_with_status_1_and_no_output_file(database_url: str, tmp_path: Path) -> None:
    unknown = uuid.uuid4()
    path = tmp_path / "out.csv"
    code, output = await run_ledgerd(
        "export", "ledger_entries", "--ledger", str(unknown), "--output", str(path), database_url=database_url
    )
    assert (code, output.strip()) == (1, f"ledgerd export: ledger {unknown} not found")
    assert os.listdir(tmp_path) == []


async def test_a_database_without_ledgerd_tables_is_refused_with_status_1(own_database_url: str) -> None:
    code, output = await run_ledgerd(
        "export", "ledger_accounts", "--ledger", str(uuid.uuid4()), database_url=own_database_url
    )
    assert (code, output.strip()) == (
        1,
        "ledgerd export: the database has no ledgerd tables (run ledgerd migrate on it)",
    )


async def test_a_ledger_id_that_is_not_a_uuid_is_a_usage_error(database_url: str) -> None:
    code, output = await run_ledgerd("export", "holds", "--ledger", "wallets", database_url=database_url)
    assert code == 2 and "--ledger: invalid UUID value: 'wallets'" in output


@pytest.mark.parametrize("table", sorted(HEADERS))
async def test_an_empty_ledger_exports_the_header_alone(table: str, client: LedgerdClient, database_url: str) -> None:
    ledger = await create_ledger(client, "Empty")
    code, output = await run_ledgerd("export", table, "--ledger", ledger.id, database_url=database_url)
    assert (code, output) == (0, HEADERS[table] + "\n")


async def test_an_empty_ledger_exports_a_parquet_file_with_the_schema_and_no_row(
    client: LedgerdClient, database_url: str, tmp_path: Path
) -> None:
    ledger = await create_ledger(client, "Empty")
    path = tmp_path / "empty.parquet"
    code, output = await run_ledgerd(
        "export",
        "holds",
        "--ledger",
        ledger.id,
        "--format",
        "parquet",
        "--output",
        str(path),
        database_url=database_url,
    )
    assert code == 0, output
    read = pq.read_table(path)
    assert (read.num_rows, read.schema.names) == (0, HEADERS["holds"].split(","))
    assert read.schema.field("amount").type == pa.int64()
