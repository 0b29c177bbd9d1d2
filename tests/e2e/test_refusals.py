"""Bad input gets a clear answer and writes nothing: the right code, an ErrorInfo reason, every
field violation, never INTERNAL. Each test checks the refusal and that nothing changed."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import grpc
import pytest

from ledgerd.client import LedgerdClient
from ledgerd.server.domain import limits
from ledgerd.v1 import balance_pb2, common_pb2, errors_pb2, ledger_pb2, transaction_pb2

from .ledger_helpers import (
    ARCHIVED,
    CREDIT,
    DEBIT,
    DEBIT_NORMAL,
    PENDING,
    POSTED,
    create_account,
    create_ledger,
    create_transaction,
    entry,
    get_account,
    refused,
    transfer,
)

INVALID = grpc.StatusCode.INVALID_ARGUMENT
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
NOT_FOUND = grpc.StatusCode.NOT_FOUND
UNKNOWN_ID = "0190c6a0-0000-7000-8000-000000000000"


class Book:
    """A ledger with a funded wallet, and a way to prove that nothing was written since."""

    def __init__(self, client: LedgerdClient) -> None:
        self.client = client

    async def open(self) -> Book:
        self.ledger = await create_ledger(self.client)
        self.cash = (await create_account(self.client, self.ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
        self.wallet = (await create_account(self.client, self.ledger.id, "Wallet")).id
        await create_transaction(self.client, transfer(self.cash, self.wallet, 1_000, status=POSTED))
        self.snapshot = await self.state()
        return self

    async def state(self) -> tuple[Any, ...]:
        accounts = [await get_account(self.client, a) for a in (self.cash, self.wallet)]
        listed = await self.client.transactions.ListLedgerTransactions(
            transaction_pb2.ListLedgerTransactionsRequest(ledger_id=self.ledger.id, page_size=1000)
        )
        return (*((a.lock_version, a.balances) for a in accounts), len(listed.ledger_transactions))

    async def refuses(self, call: Awaitable[Any], code: grpc.StatusCode, reason: str) -> set[str]:
        """The violated fields; asserts that nothing changed."""
        details = await refused(call, code, reason)
        assert await self.state() == self.snapshot
        return {field for field, _ in details.field_violations}


@pytest.fixture
async def book(client: LedgerdClient) -> Book:
    return await Book(client).open()


async def test_unbalanced_entries_are_refused_and_write_nothing(book: Book) -> None:
    request = transaction_pb2.CreateLedgerTransactionRequest(
        ledger_entries=[entry(book.wallet, DEBIT, 10), entry(book.cash, CREDIT, 9)]
    )
    fields = await book.refuses(
        book.client.transactions.CreateLedgerTransaction(request), INVALID, "UNBALANCED_ENTRIES"
    )
    assert fields == {"ledger_entries"}


async def test_fewer_than_two_entries_and_one_sided_entries_are_refused(book: Book) -> None:
    one = transaction_pb2.CreateLedgerTransactionRequest(ledger_entries=[entry(book.wallet, DEBIT, 10)])
    assert await book.refuses(book.client.transactions.CreateLedgerTransaction(one), INVALID, "INVALID_ARGUMENT") == {
        "ledger_entries"
    }
    debits = transaction_pb2.CreateLedgerTransactionRequest(
        ledger_entries=[entry(book.wallet, DEBIT, 10), entry(book.cash, DEBIT, 10)]
    )
    await book.refuses(book.client.transactions.CreateLedgerTransaction(debits), INVALID, "INVALID_ARGUMENT")


async def test_amounts_of_zero_or_less_are_refused_naming_each_entry(book: Book) -> None:
    request = transaction_pb2.CreateLedgerTransactionRequest(
        ledger_entries=[entry(book.wallet, DEBIT, 0), entry(book.cash, CREDIT, -5), entry(book.cash, CREDIT, 5)]
    )
    fields = await book.refuses(book.client.transactions.CreateLedgerTransaction(request), INVALID, "INVALID_ARGUMENT")
    assert fields == {"ledger_entries[0].amount", "ledger_entries[1].amount"}


async def test_an_amount_above_int64_cannot_even_be_sent() -> None:
    # The wire type is int64: the client library refuses before anything reaches the server.
    with pytest.raises(ValueError, match="out of range"):
        transaction_pb2.LedgerEntryRequest(amount=limits.INT64_MAX + 1)


async def test_a_balance_that_would_overflow_is_refused(client: LedgerdClient) -> None:
    ledger = await create_ledger(client)
    source = await create_account(client, ledger.id, "Source", normal_balance=DEBIT_NORMAL)
    sink = await create_account(client, ledger.id, "Sink")
    await create_transaction(client, transfer(source.id, sink.id, limits.INT64_MAX, status=POSTED))
    before = await get_account(client, sink.id)
    await refused(
        client.transactions.CreateLedgerTransaction(transfer(source.id, sink.id, 1, status=POSTED)),
        PRECONDITION,
        "BALANCE_OVERFLOW",
    )
    assert await get_account(client, sink.id) == before


async def test_too_many_entries_are_refused_by_their_named_limit(book: Book) -> None:
    entries = [entry(book.wallet, DEBIT, 1)] * (limits.entries_per_transaction_max + 1)
    entries.append(entry(book.cash, CREDIT, limits.entries_per_transaction_max + 1))
    request = transaction_pb2.CreateLedgerTransactionRequest(ledger_entries=entries)
    details = await refused(book.client.transactions.CreateLedgerTransaction(request), INVALID, "INVALID_ARGUMENT")
    assert any("entries_per_transaction_max" in description for _, description in details.field_violations)
    assert await book.state() == book.snapshot


async def test_unknown_and_cross_ledger_accounts_are_refused(book: Book) -> None:
    client = book.client
    await book.refuses(
        client.transactions.CreateLedgerTransaction(transfer(book.wallet, UNKNOWN_ID, 1)),
        NOT_FOUND,
        "LEDGER_ACCOUNT_NOT_FOUND",
    )
    other_ledger = await create_ledger(client, "Other")
    elsewhere = await create_account(client, other_ledger.id, "Elsewhere")
    await book.refuses(
        client.transactions.CreateLedgerTransaction(transfer(book.wallet, elsewhere.id, 1)),
        PRECONDITION,
        "LEDGER_MISMATCH",
    )
    await refused(
        client.ledgers.CreateLedgerAccount(
            ledger_pb2.CreateLedgerAccountRequest(
                ledger_id=UNKNOWN_ID, name="x", normal_balance=common_pb2.NORMAL_BALANCE_CREDIT, currency="USD"
            )
        ),
        NOT_FOUND,
        "LEDGER_NOT_FOUND",
    )


async def test_a_currency_other_than_the_accounts_is_refused(book: Book) -> None:
    euros = await create_account(book.client, book.ledger.id, "Euros", currency="EUR")
    await book.refuses(
        book.client.transactions.CreateLedgerTransaction(transfer(book.wallet, euros.id, 5)),
        INVALID,
        "UNBALANCED_ENTRIES",
    )
    tagged = transaction_pb2.CreateLedgerTransactionRequest(
        ledger_entries=[entry(book.wallet, DEBIT, 5, currency="EUR"), entry(book.cash, CREDIT, 5)]
    )
    await book.refuses(book.client.transactions.CreateLedgerTransaction(tagged), PRECONDITION, "CURRENCY_MISMATCH")


async def test_status_changes_other_than_from_pending_are_refused(book: Book) -> None:
    client = book.client
    posted = await create_transaction(client, transfer(book.wallet, book.cash, 5, status=POSTED))
    pending = await create_transaction(client, transfer(book.wallet, book.cash, 5, status=PENDING))
    book.snapshot = await book.state()

    def update(**fields: Any) -> Awaitable[Any]:
        return client.transactions.UpdateLedgerTransaction(transaction_pb2.UpdateLedgerTransactionRequest(**fields))

    await book.refuses(update(id=posted.id, status=ARCHIVED), PRECONDITION, "INVALID_STATUS_TRANSITION")
    await book.refuses(update(id=posted.id, description="changed"), PRECONDITION, "LEDGER_TRANSACTION_IMMUTABLE")
    await book.refuses(update(id=posted.id, metadata={"k": "v"}), PRECONDITION, "LEDGER_TRANSACTION_IMMUTABLE")
    await book.refuses(
        update(id=posted.id, ledger_entries=[entry(book.wallet, DEBIT, 1), entry(book.cash, CREDIT, 1)]),
        PRECONDITION,
        "LEDGER_TRANSACTION_IMMUTABLE",
    )
    assert await book.refuses(update(id=pending.id, status=PENDING), INVALID, "INVALID_ARGUMENT") == {"status"}
    await book.refuses(
        client.transactions.ReverseLedgerTransaction(transaction_pb2.ReverseLedgerTransactionRequest(id=pending.id)),
        PRECONDITION,
        "REVERSAL_NOT_ALLOWED",
    )


async def test_malformed_ids_are_refused_with_their_field(book: Book) -> None:
    client = book.client
    cases = [
        (client.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id="not-a-uuid")), "id"),
        (client.ledgers.GetLedgerAccount(ledger_pb2.GetLedgerAccountRequest(id="")), "id"),
        (client.transactions.GetLedgerTransaction(transaction_pb2.GetLedgerTransactionRequest(id="x")), "id"),
        (client.transactions.GetLedgerEntry(transaction_pb2.GetLedgerEntryRequest(id="x")), "id"),
        (
            client.transactions.CreateLedgerTransaction(transfer("nope", book.cash, 1)),
            "ledger_entries[0].ledger_account_id",
        ),
        (
            client.balances.GetBalances(balance_pb2.GetBalancesRequest(ledger_account_ids=[book.wallet, "x"])),
            "ledger_account_ids[1]",
        ),
        (
            client.transactions.ListLedgerEntries(transaction_pb2.ListLedgerEntriesRequest(ledger_account_id="x")),
            "ledger_account_id",
        ),
    ]
    for call, field in cases:
        assert field in await book.refuses(call, INVALID, "INVALID_ARGUMENT")


async def test_oversize_text_and_metadata_are_refused_by_their_named_limits(book: Book) -> None:
    request = transfer(
        book.wallet,
        book.cash,
        1,
        description="d" * (limits.description_length_max + 1),
        external_id="e" * (limits.external_id_length_max + 1),
        metadata={f"k{n}": "v" for n in range(limits.metadata_keys_max + 1)},
    )
    fields = await book.refuses(book.client.transactions.CreateLedgerTransaction(request), INVALID, "INVALID_ARGUMENT")
    assert fields == {"description", "external_id", "metadata"}
    long_value = transfer(book.wallet, book.cash, 1, metadata={"k": "v" * (limits.metadata_value_length_max + 1)})
    assert await book.refuses(
        book.client.transactions.CreateLedgerTransaction(long_value), INVALID, "INVALID_ARGUMENT"
    ) == {"metadata[k]"}


async def test_ledger_and_account_fields_are_checked_all_at_once(client: LedgerdClient) -> None:
    details = await refused(
        client.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name=" ")), INVALID, "INVALID_ARGUMENT"
    )
    assert {f for f, _ in details.field_violations} == {"name"}
    ledger = await create_ledger(client)
    request = ledger_pb2.CreateLedgerAccountRequest(
        ledger_id=ledger.id, name="", currency="usd", currency_exponent=limits.currency_exponent_max + 1
    )
    details = await refused(client.ledgers.CreateLedgerAccount(request), INVALID, "INVALID_ARGUMENT")
    assert {f for f, _ in details.field_violations} >= {"name", "normal_balance", "currency"}
    custom = ledger_pb2.CreateLedgerAccountRequest(
        ledger_id=ledger.id, name="Points", normal_balance=common_pb2.NORMAL_BALANCE_CREDIT, currency="POINTS"
    )
    details = await refused(client.ledgers.CreateLedgerAccount(custom), INVALID, "INVALID_ARGUMENT")
    assert {f for f, _ in details.field_violations} == {"currency_exponent"}
    listed = await client.ledgers.ListLedgerAccounts(ledger_pb2.ListLedgerAccountsRequest(ledger_id=ledger.id))
    assert list(listed.ledger_accounts) == []


async def test_page_sizes_and_tokens_are_checked(client: LedgerdClient) -> None:
    for request, field in (
        (ledger_pb2.ListLedgersRequest(page_size=-1), "page_size"),
        (ledger_pb2.ListLedgersRequest(page_size=limits.page_size_max + 1), "page_size"),
        (ledger_pb2.ListLedgersRequest(page_token="garbage"), "page_token"),
    ):
        details = await refused(client.ledgers.ListLedgers(request), INVALID, "INVALID_ARGUMENT")
        assert {f for f, _ in details.field_violations} == {field}


async def test_balance_and_batch_requests_are_bounded(book: Book) -> None:
    client = book.client
    await book.refuses(client.balances.GetBalances(balance_pb2.GetBalancesRequest()), INVALID, "INVALID_ARGUMENT")
    too_many = balance_pb2.GetBalancesRequest(ledger_account_ids=[book.wallet] * (limits.balance_accounts_max + 1))
    await book.refuses(client.balances.GetBalances(too_many), INVALID, "INVALID_ARGUMENT")
    await book.refuses(
        client.transactions.CreateLedgerTransactions(transaction_pb2.CreateLedgerTransactionsRequest()),
        INVALID,
        "INVALID_ARGUMENT",
    )
    oversized = transaction_pb2.CreateLedgerTransactionsRequest(
        requests=[transfer(book.wallet, book.cash, 1)] * (limits.transactions_per_batch_max + 1)
    )
    await book.refuses(client.transactions.CreateLedgerTransactions(oversized), INVALID, "INVALID_ARGUMENT")


async def test_a_bad_batch_item_is_refused_alone_with_its_violations(book: Book) -> None:
    response = await book.client.transactions.CreateLedgerTransactions(
        transaction_pb2.CreateLedgerTransactionsRequest(
            requests=[
                transfer(book.wallet, book.cash, 1, status=POSTED),
                transaction_pb2.CreateLedgerTransactionRequest(
                    ledger_entries=[entry(book.wallet, DEBIT, 0), entry(book.cash, CREDIT, 0)]
                ),
                transfer(book.wallet, UNKNOWN_ID, 1),
                transfer(book.wallet, book.cash, 2, status=POSTED),
            ]
        )
    )
    kinds = [r.WhichOneof("result") for r in response.results]
    assert kinds == ["ledger_transaction", "error", "error", "ledger_transaction"]
    invalid, missing = response.results[1].error, response.results[2].error
    assert (invalid.code, errors_pb2.ErrorReason.Name(invalid.reason)) == (3, "ERROR_REASON_INVALID_ARGUMENT")
    assert {v.field for v in invalid.field_violations} == {"ledger_entries[0].amount", "ledger_entries[1].amount"}
    assert (missing.code, errors_pb2.ErrorReason.Name(missing.reason)) == (5, "ERROR_REASON_LEDGER_ACCOUNT_NOT_FOUND")
    assert (await get_account(book.client, book.wallet)).balances.posted_balance.amount == 997
