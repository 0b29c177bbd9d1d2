"""Bad input gets a clear answer and writes nothing: the right gRPC code, an ErrorInfo reason (domain
"ledgerd.v1"), every field violation of an INVALID_ARGUMENT at once, never INTERNAL. Every refusal is
checked against everything the organization has written, through the API and in the database."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from ledgerd.client import LedgerdClient
from ledgerd.server.core.api_keys import hash_key
from ledgerd.server.domain import limits
from ledgerd.v1 import balance_pb2, common_pb2, errors_pb2, hold_pb2, ledger_pb2, transaction_pb2

from .ledger_helpers import (
    ARCHIVED,
    CREDIT,
    CREDIT_NORMAL,
    DEBIT,
    DEBIT_NORMAL,
    PENDING,
    POSTED,
    amounts,
    create_account,
    create_ledger,
    create_transaction,
    entry,
    get_account,
    refused,
    transfer,
)

INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
ABORTED = grpc.StatusCode.ABORTED
INT64_MIN = -(2**63)

# Everything an organization has written, row by row, in the order of the ids.
ROWS = {
    "ledgers": "SELECT l.* FROM ledgers l WHERE l.organization_id = $1 ORDER BY l.id",
    "ledger_accounts": """SELECT a.* FROM ledger_accounts a JOIN ledgers l ON l.id = a.ledger_id
                          WHERE l.organization_id = $1 ORDER BY a.id""",
    "ledger_transactions": """SELECT t.* FROM ledger_transactions t JOIN ledgers l ON l.id = t.ledger_id
                              WHERE l.organization_id = $1 ORDER BY t.id""",
    "ledger_entries": """SELECT e.* FROM ledger_entries e
                         JOIN ledger_transactions t ON t.id = e.ledger_transaction_id
                         JOIN ledgers l ON l.id = t.ledger_id
                         WHERE l.organization_id = $1 ORDER BY e.id""",
    "ledger_account_versions": """SELECT v.* FROM ledger_account_versions v
                                  JOIN ledger_accounts a ON a.id = v.ledger_account_id
                                  JOIN ledgers l ON l.id = a.ledger_id
                                  WHERE l.organization_id = $1 ORDER BY v.ledger_account_id, v.lock_version""",
    "holds": "SELECT h.* FROM holds h JOIN ledgers l ON l.id = h.ledger_id WHERE l.organization_id = $1 ORDER BY h.id",
    "idempotency_keys": """SELECT k.idempotency_key, k.request_fingerprint, k.response FROM idempotency_keys k
                           WHERE k.organization_id = $1 ORDER BY k.idempotency_key""",
}


async def every(list_call: Callable[[Any], Awaitable[Any]], request: Any, field: str) -> list[Any]:
    """Every item of a list RPC, page after page."""
    items: list[Any] = []
    while True:
        response = await list_call(request)
        items += getattr(response, field)
        if not response.next_page_token:
            return items
        request.page_token = response.next_page_token


class Organization:
    """One organization's client, and everything it has written, as its API and the database show it."""

    def __init__(self, client: LedgerdClient, pool: asyncpg.Pool, organization_id: uuid.UUID) -> None:
        self.client = client
        self.pool = pool
        self.id = organization_id

    async def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        async with self.pool.acquire() as connection:
            return {table: [tuple(r) for r in await connection.fetch(sql, self.id)] for table, sql in ROWS.items()}

    async def state(self) -> dict[str, Any]:
        c = self.client
        size = limits.page_size_max
        accounts = await every(
            c.ledgers.ListLedgerAccounts, ledger_pb2.ListLedgerAccountsRequest(page_size=size), "ledger_accounts"
        )
        read_one_by_one = [await get_account(c, a.id) for a in accounts]
        balances = (
            await c.balances.GetBalances(balance_pb2.GetBalancesRequest(ledger_account_ids=[a.id for a in accounts]))
            if accounts
            else None
        )
        return {
            "ledgers": await every(c.ledgers.ListLedgers, ledger_pb2.ListLedgersRequest(page_size=size), "ledgers"),
            "ledger_accounts": accounts,
            "read_ledger_accounts": read_one_by_one,
            "balances": balances,
            "ledger_transactions": await every(
                c.transactions.ListLedgerTransactions,
                transaction_pb2.ListLedgerTransactionsRequest(page_size=size),
                "ledger_transactions",
            ),
            "ledger_entries": await every(
                c.transactions.ListLedgerEntries,
                transaction_pb2.ListLedgerEntriesRequest(page_size=size, show_discarded=True),
                "ledger_entries",
            ),
            "holds": await every(c.holds.ListHolds, hold_pb2.ListHoldsRequest(page_size=size), "holds"),
            "rows": await self.rows(),
        }

    @asynccontextmanager
    async def writes_nothing(self) -> AsyncIterator[None]:
        """Asserts that what runs inside changes nothing the organization can see or the database holds."""
        before = await self.state()
        yield
        after = await self.state()
        for part in before:
            assert after[part] == before[part], f"{part} changed"


async def organization_of(pool: asyncpg.Pool, key: str) -> uuid.UUID:
    organization_id = await pool.fetchval("SELECT organization_id FROM api_keys WHERE key_hash = $1", hash_key(key))
    assert organization_id is not None
    return organization_id  # type: ignore[no-any-return]


class Book(Organization):
    """A ledger with Cash (debit normal) and a Wallet (credit normal) funded with 1,000 posted, and one
    pending transaction of 100 from the wallet."""

    async def open(self) -> Book:
        self.ledger = (await create_ledger(self.client, "Book")).id
        self.cash = (await create_account(self.client, self.ledger, "Cash", normal_balance=DEBIT_NORMAL)).id
        self.wallet = (await create_account(self.client, self.ledger, "Wallet")).id
        self.posted = await create_transaction(self.client, transfer(self.cash, self.wallet, 1_000, status=POSTED))
        self.pending = await create_transaction(self.client, transfer(self.wallet, self.cash, 100))
        return self

    async def refuses(self, call: Callable[[], Awaitable[Any]], code: grpc.StatusCode, reason: str) -> set[str]:
        """Makes the call, which must be refused and write nothing; the violated fields."""
        async with self.writes_nothing():
            details = await refused(call(), code, reason)
        return {field for field, _ in details.field_violations}

    async def invalid(self, call: Callable[[], Awaitable[Any]]) -> set[str]:
        return await self.refuses(call, INVALID, "INVALID_ARGUMENT")

    def create(self, *entries: transaction_pb2.LedgerEntryRequest, **fields: Any) -> Callable[[], Awaitable[Any]]:
        request = transaction_pb2.CreateLedgerTransactionRequest(ledger_entries=entries, **fields)
        return lambda: self.client.transactions.CreateLedgerTransaction(request)

    def update(self, **fields: Any) -> Callable[[], Awaitable[Any]]:
        request = transaction_pb2.UpdateLedgerTransactionRequest(**fields)
        return lambda: self.client.transactions.UpdateLedgerTransaction(request)

    def reverse(self, **fields: Any) -> Callable[[], Awaitable[Any]]:
        request = transaction_pb2.ReverseLedgerTransactionRequest(**fields)
        return lambda: self.client.transactions.ReverseLedgerTransaction(request)


@pytest.fixture
async def organization_id(pool: asyncpg.Pool, api_key: str) -> uuid.UUID:
    return await organization_of(pool, api_key)


@pytest.fixture
async def book(client: LedgerdClient, pool: asyncpg.Pool, organization_id: uuid.UUID) -> Book:
    return await Book(client, pool, organization_id).open()


def timestamp(seconds: int, nanos: int = 0) -> Timestamp:
    return Timestamp(seconds=seconds, nanos=nanos)


# --- the shape of the entries ------------------------------------------------------------------


@pytest.mark.parametrize("status", [PENDING, POSTED], ids=["pending", "posted"])
async def test_unbalanced_entries_are_refused_and_write_nothing(book: Book, status: int) -> None:
    fields = await book.refuses(
        book.create(entry(book.wallet, DEBIT, 10), entry(book.cash, CREDIT, 9), status=status),
        INVALID,
        "UNBALANCED_ENTRIES",
    )
    assert fields == {"ledger_entries"}


async def test_unbalanced_replacement_entries_of_a_pending_transaction_are_refused_and_write_nothing(
    book: Book,
) -> None:
    fields = await book.refuses(
        book.update(id=book.pending.id, ledger_entries=[entry(book.wallet, DEBIT, 5), entry(book.cash, CREDIT, 6)]),
        INVALID,
        "UNBALANCED_ENTRIES",
    )
    assert fields == {"ledger_entries"}


@pytest.mark.parametrize("count", [0, 1])
async def test_fewer_than_two_entries_are_refused_and_write_nothing(book: Book, count: int) -> None:
    entries = [entry(book.wallet, DEBIT, 10)][:count]
    assert await book.invalid(book.create(*entries)) == {"ledger_entries"}


@pytest.mark.parametrize("direction", [DEBIT, CREDIT], ids=["only debits", "only credits"])
async def test_entries_on_one_side_only_are_refused_and_write_nothing(book: Book, direction: int) -> None:
    fields = await book.invalid(book.create(entry(book.wallet, direction, 10), entry(book.cash, direction, 10)))
    assert fields == {"ledger_entries"}


async def test_amounts_of_zero_or_below_are_refused_naming_each_entry_and_write_nothing(book: Book) -> None:
    fields = await book.invalid(
        book.create(
            entry(book.wallet, DEBIT, 0),
            entry(book.cash, CREDIT, -5),
            entry(book.cash, CREDIT, INT64_MIN),
            entry(book.cash, CREDIT, 5),
        )
    )
    assert fields == {"ledger_entries[0].amount", "ledger_entries[1].amount", "ledger_entries[2].amount"}


@pytest.mark.parametrize("count", [limits.entries_per_transaction_max + 1, 5 * limits.entries_per_transaction_max])
async def test_more_entries_than_entries_per_transaction_max_are_refused_and_write_nothing(
    book: Book, count: int
) -> None:
    entries = [entry(book.cash, DEBIT, count - 1)] + [entry(book.wallet, CREDIT, 1)] * (count - 1)
    async with book.writes_nothing():
        details = await refused(book.create(*entries)(), INVALID, "INVALID_ARGUMENT")
    assert {field for field, _ in details.field_violations} == {"ledger_entries"}
    assert any("entries_per_transaction_max" in description for _, description in details.field_violations)


async def test_exactly_entries_per_transaction_max_entries_are_accepted(book: Book) -> None:
    count = limits.entries_per_transaction_max
    entries = [entry(book.cash, DEBIT, count - 1)] + [entry(book.wallet, CREDIT, 1)] * (count - 1)
    created = await create_transaction(
        book.client, transaction_pb2.CreateLedgerTransactionRequest(ledger_entries=entries)
    )
    assert len(created.ledger_entries) == count


async def test_an_unspecified_or_unknown_direction_is_refused_and_writes_nothing(book: Book) -> None:
    fields = await book.invalid(
        book.create(entry(book.wallet, 0, 5), entry(book.cash, 7, 5), entry(book.cash, CREDIT, 5))
    )
    assert fields == {"ledger_entries[0].direction", "ledger_entries[1].direction"}


# --- balances past int64 --------------------------------------------------------------------


@pytest.mark.parametrize("status", [PENDING, POSTED], ids=["pending", "posted"])
async def test_a_balance_past_int64_is_refused_and_writes_nothing(book: Book, status: int) -> None:
    source = (await create_account(book.client, book.ledger, "Source", normal_balance=DEBIT_NORMAL)).id
    sink = (await create_account(book.client, book.ledger, "Sink")).id
    await create_transaction(book.client, transfer(source, sink, limits.INT64_MAX, status=POSTED))
    assert amounts(await get_account(book.client, sink)) == (limits.INT64_MAX,) * 3
    other_source = (await create_account(book.client, book.ledger, "Other source", normal_balance=DEBIT_NORMAL)).id
    await book.refuses(
        book.create(entry(other_source, DEBIT, 1), entry(sink, CREDIT, 1), status=status),
        PRECONDITION,
        "BALANCE_OVERFLOW",
    )


async def test_entries_that_together_take_one_account_past_int64_are_refused_and_write_nothing(book: Book) -> None:
    first = (await create_account(book.client, book.ledger, "First", normal_balance=DEBIT_NORMAL)).id
    second = (await create_account(book.client, book.ledger, "Second", normal_balance=DEBIT_NORMAL)).id
    sink = (await create_account(book.client, book.ledger, "Sink")).id
    await book.refuses(
        book.create(
            entry(first, DEBIT, limits.INT64_MAX),
            entry(second, DEBIT, 1),
            entry(sink, CREDIT, limits.INT64_MAX),
            entry(sink, CREDIT, 1),
            status=POSTED,
        ),
        PRECONDITION,
        "BALANCE_OVERFLOW",
    )


# --- unknown ids, ledgers and currencies -------------------------------------------------------


async def test_an_unknown_ledger_account_in_the_entries_is_not_found_and_writes_nothing(book: Book) -> None:
    unknown = str(uuid.uuid4())
    async with book.writes_nothing():
        details = await refused(
            book.create(entry(book.wallet, DEBIT, 5), entry(unknown, CREDIT, 5))(),
            NOT_FOUND,
            "LEDGER_ACCOUNT_NOT_FOUND",
        )
        assert details.metadata == {"ledger_account_id": unknown}
        await refused(
            book.update(id=book.pending.id, ledger_entries=[entry(book.wallet, DEBIT, 5), entry(unknown, CREDIT, 5)])(),
            NOT_FOUND,
            "LEDGER_ACCOUNT_NOT_FOUND",
        )


async def test_an_unknown_ledger_is_not_found_when_creating_an_account_and_writes_nothing(book: Book) -> None:
    unknown = str(uuid.uuid4())
    request = ledger_pb2.CreateLedgerAccountRequest(
        ledger_id=unknown, name="Orphan", normal_balance=CREDIT_NORMAL, currency="USD"
    )
    async with book.writes_nothing():
        details = await refused(book.client.ledgers.CreateLedgerAccount(request), NOT_FOUND, "LEDGER_NOT_FOUND")
    assert details.metadata == {"ledger_id": unknown}


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda b, i: b.client.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=i)), "LEDGER_NOT_FOUND"),
        (
            lambda b, i: b.client.ledgers.UpdateLedger(ledger_pb2.UpdateLedgerRequest(id=i, name="x")),
            "LEDGER_NOT_FOUND",
        ),
        (
            lambda b, i: b.client.ledgers.GetLedgerAccount(ledger_pb2.GetLedgerAccountRequest(id=i)),
            "LEDGER_ACCOUNT_NOT_FOUND",
        ),
        (
            lambda b, i: b.client.ledgers.UpdateLedgerAccount(ledger_pb2.UpdateLedgerAccountRequest(id=i, name="x")),
            "LEDGER_ACCOUNT_NOT_FOUND",
        ),
        (
            lambda b, i: b.client.transactions.GetLedgerTransaction(transaction_pb2.GetLedgerTransactionRequest(id=i)),
            "LEDGER_TRANSACTION_NOT_FOUND",
        ),
        (lambda b, i: b.update(id=i, status=POSTED)(), "LEDGER_TRANSACTION_NOT_FOUND"),
        (lambda b, i: b.reverse(id=i)(), "LEDGER_TRANSACTION_NOT_FOUND"),
        (
            lambda b, i: b.client.transactions.GetLedgerEntry(transaction_pb2.GetLedgerEntryRequest(id=i)),
            "LEDGER_ENTRY_NOT_FOUND",
        ),
        (
            lambda b, i: b.client.balances.GetBalances(
                balance_pb2.GetBalancesRequest(ledger_account_ids=[b.wallet, i])
            ),
            "LEDGER_ACCOUNT_NOT_FOUND",
        ),
    ],
    ids=[
        "GetLedger",
        "UpdateLedger",
        "GetLedgerAccount",
        "UpdateLedgerAccount",
        "GetLedgerTransaction",
        "UpdateLedgerTransaction",
        "ReverseLedgerTransaction",
        "GetLedgerEntry",
        "GetBalances",
    ],
)
async def test_an_unknown_id_is_not_found_and_writes_nothing(
    book: Book, call: Callable[[Book, str], Awaitable[Any]], reason: str
) -> None:
    await book.refuses(lambda: call(book, str(uuid.uuid4())), NOT_FOUND, reason)


async def test_entries_across_two_ledgers_are_refused_and_write_nothing(book: Book) -> None:
    other_ledger = (await create_ledger(book.client, "Other")).id
    elsewhere = (await create_account(book.client, other_ledger, "Elsewhere")).id
    await book.refuses(
        book.create(entry(book.wallet, DEBIT, 5), entry(elsewhere, CREDIT, 5)), PRECONDITION, "LEDGER_MISMATCH"
    )
    # Replacing the entries of a pending transaction with another ledger's accounts.
    other_cash = (await create_account(book.client, other_ledger, "Other cash", normal_balance=DEBIT_NORMAL)).id
    await book.refuses(
        book.update(id=book.pending.id, ledger_entries=[entry(other_cash, DEBIT, 5), entry(elsewhere, CREDIT, 5)]),
        PRECONDITION,
        "LEDGER_MISMATCH",
    )


async def test_entries_in_two_currencies_that_do_not_balance_per_currency_are_refused_and_write_nothing(
    book: Book,
) -> None:
    euros = (await create_account(book.client, book.ledger, "Euros", currency="EUR")).id
    async with book.writes_nothing():
        details = await refused(
            book.create(entry(book.wallet, DEBIT, 5), entry(euros, CREDIT, 5))(), INVALID, "UNBALANCED_ENTRIES"
        )
    assert [field for field, _ in details.field_violations] == ["ledger_entries", "ledger_entries"]
    descriptions = " ".join(description for _, description in details.field_violations)
    assert "EUR" in descriptions and "USD" in descriptions


async def test_an_entry_currency_other_than_its_accounts_is_refused_and_writes_nothing(book: Book) -> None:
    await create_account(book.client, book.ledger, "Euros", currency="EUR")
    await book.refuses(
        book.create(entry(book.wallet, DEBIT, 5, currency="EUR"), entry(book.cash, CREDIT, 5, currency="EUR")),
        PRECONDITION,
        "CURRENCY_MISMATCH",
    )
    await book.refuses(
        book.create(entry(book.wallet, DEBIT, 5, currency="USD"), entry(book.cash, CREDIT, 5, currency="EUR")),
        PRECONDITION,
        "CURRENCY_MISMATCH",
    )
    fields = await book.invalid(book.create(entry(book.wallet, DEBIT, 5, currency="usd"), entry(book.cash, CREDIT, 5)))
    assert fields == {"ledger_entries[0].currency"}


# --- status changes, immutability, reversals ------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "requested"), [(POSTED, ARCHIVED), (ARCHIVED, POSTED)], ids=["posted to archived", "archived to posted"]
)
async def test_a_status_change_other_than_from_pending_is_refused_and_writes_nothing(
    book: Book, current: int, requested: int
) -> None:
    transaction = await create_transaction(book.client, transfer(book.wallet, book.cash, 5, status=current))
    await book.refuses(book.update(id=transaction.id, status=requested), PRECONDITION, "INVALID_STATUS_TRANSITION")


CHANGES: dict[str, Callable[[Book], dict[str, Any]]] = {
    "description": lambda b: {"description": "changed"},
    "metadata": lambda b: {"metadata": {"k": "v"}},
    "entries": lambda b: {"ledger_entries": [entry(b.wallet, DEBIT, 1), entry(b.cash, CREDIT, 1)]},
    "effective_at": lambda b: {"effective_at": timestamp(1_700_000_000)},
}


@pytest.mark.parametrize("status", [POSTED, ARCHIVED], ids=["posted", "archived"])
@pytest.mark.parametrize("change", CHANGES)
async def test_a_posted_or_archived_transaction_never_changes_and_a_try_writes_nothing(
    book: Book, status: int, change: str
) -> None:
    transaction = await create_transaction(book.client, transfer(book.wallet, book.cash, 5, status=status))
    await book.refuses(
        book.update(id=transaction.id, **CHANGES[change](book)), PRECONDITION, "LEDGER_TRANSACTION_IMMUTABLE"
    )


@pytest.mark.parametrize("status", [PENDING, 99], ids=["pending", "unknown"])
async def test_updating_a_transaction_to_pending_or_an_unknown_status_is_an_invalid_argument(
    book: Book, status: int
) -> None:
    assert await book.invalid(book.update(id=book.pending.id, status=status)) == {"status"}
    assert await book.invalid(book.update(id=book.posted.id, status=status)) == {"status"}


async def test_creating_or_reversing_with_an_unknown_status_is_an_invalid_argument(book: Book) -> None:
    assert await book.invalid(book.create(entry(book.wallet, DEBIT, 5), entry(book.cash, CREDIT, 5), status=9)) == {
        "status"
    }
    assert await book.invalid(book.reverse(id=book.posted.id, status=9)) == {"status"}


@pytest.mark.parametrize("status", [PENDING, ARCHIVED], ids=["pending", "archived"])
async def test_reversing_a_transaction_that_is_not_posted_is_refused_and_writes_nothing(
    book: Book, status: int
) -> None:
    transaction = await create_transaction(book.client, transfer(book.wallet, book.cash, 5, status=status))
    async with book.writes_nothing():
        details = await refused(book.reverse(id=transaction.id)(), PRECONDITION, "REVERSAL_NOT_ALLOWED")
    assert details.metadata["status"] == common_pb2.LedgerTransactionStatus.Name(status).rsplit("_", 1)[1].lower()


async def test_reversing_a_transaction_twice_is_refused_and_writes_nothing(book: Book) -> None:
    reversal = (await book.reverse(id=book.posted.id)()).ledger_transaction
    async with book.writes_nothing():
        details = await refused(book.reverse(id=book.posted.id)(), PRECONDITION, "ALREADY_REVERSED")
    assert details.metadata == {"reversed_by_ledger_transaction_id": reversal.id}
    # A reversal is itself a posted transaction that can be reversed once, but the original cannot again.
    await book.refuses(book.reverse(id=book.posted.id, status=PENDING), PRECONDITION, "ALREADY_REVERSED")


# --- optimistic and balance guards ------------------------------------------------------------


@pytest.mark.parametrize("offset", [-1, 1, -2], ids=["behind", "ahead", "far behind"])
async def test_an_expected_lock_version_that_is_not_current_is_aborted_and_writes_nothing(
    book: Book, offset: int
) -> None:
    current = (await get_account(book.client, book.wallet)).lock_version
    assert current == 2
    async with book.writes_nothing():
        details = await refused(
            book.create(entry(book.wallet, DEBIT, 5, lock_version=current + offset), entry(book.cash, CREDIT, 5))(),
            ABORTED,
            "LOCK_VERSION_MISMATCH",
        )
    assert details.metadata == {"ledger_account_id": book.wallet, "lock_version": str(current)}


async def test_a_negative_expected_lock_version_is_an_invalid_argument(book: Book) -> None:
    fields = await book.invalid(book.create(entry(book.wallet, DEBIT, 5, lock_version=-1), entry(book.cash, CREDIT, 5)))
    assert fields == {"ledger_entries[0].lock_version"}


async def test_a_failing_balance_condition_on_an_empty_wallet_is_refused_and_writes_nothing(book: Book) -> None:
    empty = (await create_account(book.client, book.ledger, "Empty wallet")).id
    guard = common_pb2.BalanceCondition(gte=0)
    async with book.writes_nothing():
        details = await refused(
            book.create(entry(empty, DEBIT, 1, available_balance_amount=guard), entry(book.cash, CREDIT, 1))(),
            PRECONDITION,
            "BALANCE_CONDITION_FAILED",
        )
    assert details.metadata == {"ledger_account_id": empty, "balance": "available_balance", "amount": "-1"}
    # The same guard on the pending and posted views of a posted debit.
    for view in ("pending_balance_amount", "posted_balance_amount"):
        await book.refuses(
            book.create(entry(empty, DEBIT, 1, **{view: guard}), entry(book.cash, CREDIT, 1), status=POSTED),
            PRECONDITION,
            "BALANCE_CONDITION_FAILED",
        )


# --- malformed ids -------------------------------------------------------------------------------

MALFORMED = "not-a-uuid"
MALFORMED_IDS: dict[str, tuple[Callable[[Book, str], Awaitable[Any]], str]] = {
    "GetLedger": (lambda b, i: b.client.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=i)), "id"),
    "UpdateLedger": (
        lambda b, i: b.client.ledgers.UpdateLedger(ledger_pb2.UpdateLedgerRequest(id=i, name="x")),
        "id",
    ),
    "CreateLedgerAccount": (
        lambda b, i: b.client.ledgers.CreateLedgerAccount(
            ledger_pb2.CreateLedgerAccountRequest(ledger_id=i, name="x", normal_balance=CREDIT_NORMAL, currency="USD")
        ),
        "ledger_id",
    ),
    "GetLedgerAccount": (
        lambda b, i: b.client.ledgers.GetLedgerAccount(ledger_pb2.GetLedgerAccountRequest(id=i)),
        "id",
    ),
    "UpdateLedgerAccount": (
        lambda b, i: b.client.ledgers.UpdateLedgerAccount(ledger_pb2.UpdateLedgerAccountRequest(id=i, name="x")),
        "id",
    ),
    "GetLedgerTransaction": (
        lambda b, i: b.client.transactions.GetLedgerTransaction(transaction_pb2.GetLedgerTransactionRequest(id=i)),
        "id",
    ),
    "UpdateLedgerTransaction": (lambda b, i: b.update(id=i, status=POSTED)(), "id"),
    "ReverseLedgerTransaction": (lambda b, i: b.reverse(id=i)(), "id"),
    "GetLedgerEntry": (
        lambda b, i: b.client.transactions.GetLedgerEntry(transaction_pb2.GetLedgerEntryRequest(id=i)),
        "id",
    ),
    "GetHold": (lambda b, i: b.client.holds.GetHold(hold_pb2.GetHoldRequest(id=i)), "id"),
}
MALFORMED_REFERENCES: dict[str, tuple[Callable[[Book, str], Awaitable[Any]], str]] = {
    "CreateLedgerTransaction entry": (
        lambda b, i: b.create(entry(b.wallet, DEBIT, 5), entry(i, CREDIT, 5))(),
        "ledger_entries[1].ledger_account_id",
    ),
    "UpdateLedgerTransaction entry": (
        lambda b, i: b.update(id=b.pending.id, ledger_entries=[entry(i, DEBIT, 5), entry(b.cash, CREDIT, 5)])(),
        "ledger_entries[0].ledger_account_id",
    ),
    "GetBalances": (
        lambda b, i: b.client.balances.GetBalances(balance_pb2.GetBalancesRequest(ledger_account_ids=[b.wallet, i])),
        "ledger_account_ids[1]",
    ),
    "ListLedgerAccounts ledger_id": (
        lambda b, i: b.client.ledgers.ListLedgerAccounts(ledger_pb2.ListLedgerAccountsRequest(ledger_id=i)),
        "ledger_id",
    ),
    "ListLedgerTransactions ledger_id": (
        lambda b, i: b.client.transactions.ListLedgerTransactions(
            transaction_pb2.ListLedgerTransactionsRequest(ledger_id=i)
        ),
        "ledger_id",
    ),
    "ListLedgerTransactions ledger_account_id": (
        lambda b, i: b.client.transactions.ListLedgerTransactions(
            transaction_pb2.ListLedgerTransactionsRequest(ledger_account_id=i)
        ),
        "ledger_account_id",
    ),
    "ListLedgerEntries ledger_account_id": (
        lambda b, i: b.client.transactions.ListLedgerEntries(
            transaction_pb2.ListLedgerEntriesRequest(ledger_account_id=i)
        ),
        "ledger_account_id",
    ),
    "ListLedgerEntries ledger_transaction_id": (
        lambda b, i: b.client.transactions.ListLedgerEntries(
            transaction_pb2.ListLedgerEntriesRequest(ledger_transaction_id=i)
        ),
        "ledger_transaction_id",
    ),
    "ListHolds ledger_account_id": (
        lambda b, i: b.client.holds.ListHolds(hold_pb2.ListHoldsRequest(ledger_account_id=i)),
        "ledger_account_id",
    ),
}


@pytest.mark.parametrize("case", [*MALFORMED_IDS, *MALFORMED_REFERENCES])
async def test_a_malformed_id_is_refused_with_its_field_path_and_writes_nothing(book: Book, case: str) -> None:
    call, field = {**MALFORMED_IDS, **MALFORMED_REFERENCES}[case]
    assert await book.invalid(lambda: call(book, MALFORMED)) == {field}


@pytest.mark.parametrize("case", [*MALFORMED_IDS, "CreateLedgerTransaction entry", "GetBalances"])
async def test_a_missing_required_id_is_refused_with_its_field_path_and_writes_nothing(book: Book, case: str) -> None:
    call, field = {**MALFORMED_IDS, **MALFORMED_REFERENCES}[case]
    assert await book.invalid(lambda: call(book, "")) == {field}


async def test_a_malformed_id_in_a_batch_item_is_that_items_error(book: Book) -> None:
    request = transaction_pb2.CreateLedgerTransactionsRequest(
        requests=[transfer(book.wallet, MALFORMED, 5), transfer(MALFORMED, book.cash, 5)]
    )
    async with book.writes_nothing():
        response = await book.client.transactions.CreateLedgerTransactions(request)
    errors = [r.error for r in response.results]
    assert [(e.code, errors_pb2.ErrorReason.Name(e.reason)) for e in errors] == [
        (3, "ERROR_REASON_INVALID_ARGUMENT")
    ] * 2
    assert [[v.field for v in e.field_violations] for e in errors] == [
        ["ledger_entries[1].ledger_account_id"],
        ["ledger_entries[0].ledger_account_id"],
    ]


# --- text and metadata limits ---------------------------------------------------------------------

LONG_KEY = "k" * (limits.metadata_key_length_max + 1)
TEXT_VIOLATIONS: dict[str, tuple[dict[str, Any], set[str]]] = {
    "description too long": ({"description": "d" * (limits.description_length_max + 1)}, {"description"}),
    "description with NUL": ({"description": "a\x00b"}, {"description"}),
    "too many metadata keys": (
        {"metadata": {f"k{n}": "v" for n in range(limits.metadata_keys_max + 1)}},
        {"metadata"},
    ),
    "metadata key too long": ({"metadata": {LONG_KEY: "v"}}, {f"metadata[{LONG_KEY[:40]}]"}),
    "metadata key empty": ({"metadata": {"": "v"}}, {"metadata[]"}),
    "metadata value too long": ({"metadata": {"k": "v" * (limits.metadata_value_length_max + 1)}}, {"metadata[k]"}),
    "metadata with NUL": ({"metadata": {"k": "a\x00"}}, {"metadata[k]"}),
    "idempotency key too long": (
        {"idempotency_key": "i" * (limits.idempotency_key_length_max + 1)},
        {"idempotency_key"},
    ),
}
TEXT_CALLS: dict[str, Callable[[Book, dict[str, Any]], Awaitable[Any]]] = {
    "CreateLedger": lambda b, f: b.client.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="L", **f)),
    "UpdateLedger": lambda b, f: b.client.ledgers.UpdateLedger(ledger_pb2.UpdateLedgerRequest(id=b.ledger, **f)),
    "CreateLedgerAccount": lambda b, f: b.client.ledgers.CreateLedgerAccount(
        ledger_pb2.CreateLedgerAccountRequest(
            ledger_id=b.ledger, name="A", normal_balance=CREDIT_NORMAL, currency="USD", **f
        )
    ),
    "UpdateLedgerAccount": lambda b, f: b.client.ledgers.UpdateLedgerAccount(
        ledger_pb2.UpdateLedgerAccountRequest(id=b.wallet, **f)
    ),
    "CreateLedgerTransaction": lambda b, f: b.create(entry(b.wallet, DEBIT, 5), entry(b.cash, CREDIT, 5), **f)(),
    "UpdateLedgerTransaction": lambda b, f: b.update(id=b.pending.id, **f)(),
    "ReverseLedgerTransaction": lambda b, f: b.reverse(id=b.posted.id, **f)(),
}


@pytest.mark.parametrize("violation", TEXT_VIOLATIONS)
@pytest.mark.parametrize("rpc", TEXT_CALLS)
async def test_text_and_metadata_beyond_their_limits_are_refused_and_write_nothing(
    book: Book, rpc: str, violation: str
) -> None:
    fields, expected = TEXT_VIOLATIONS[violation]
    assert await book.invalid(lambda: TEXT_CALLS[rpc](book, fields)) == expected


@pytest.mark.parametrize(
    "fields",
    [
        {"metadata": {"k": "a\x00"}},
        {"metadata": {f"k{n}": "v" for n in range(limits.metadata_keys_max + 1)}},
        {"metadata": {LONG_KEY: "v"}},
    ],
    ids=["NUL", "too many keys", "key too long"],
)
async def test_entry_metadata_beyond_its_limits_is_refused_and_writes_nothing(
    book: Book, fields: dict[str, Any]
) -> None:
    result = await book.invalid(book.create(entry(book.wallet, DEBIT, 5), entry(book.cash, CREDIT, 5, **fields)))
    assert result and all(f.startswith("ledger_entries[1].metadata") for f in result)


async def test_an_external_id_longer_than_external_id_length_max_is_refused_and_writes_nothing(book: Book) -> None:
    too_long = "e" * (limits.external_id_length_max + 1)
    assert await book.invalid(
        book.create(entry(book.wallet, DEBIT, 5), entry(book.cash, CREDIT, 5), external_id=too_long)
    ) == {"external_id"}
    assert await book.invalid(book.reverse(id=book.posted.id, external_id=too_long)) == {"external_id"}


async def test_text_and_metadata_at_their_limits_are_accepted(client: LedgerdClient) -> None:
    metadata = {f"{n:0{limits.metadata_key_length_max}d}": "v" for n in range(limits.metadata_keys_max - 1)}
    metadata["k"] = "v" * limits.metadata_value_length_max
    ledger = await create_ledger(client, "n" * limits.name_length_max)
    updated = await client.ledgers.UpdateLedger(
        ledger_pb2.UpdateLedgerRequest(
            id=ledger.id,
            description="d" * limits.description_length_max,
            metadata=metadata,
            idempotency_key="i" * limits.idempotency_key_length_max,
        )
    )
    assert len(updated.ledger.metadata) == limits.metadata_keys_max
    assert len(updated.ledger.description) == limits.description_length_max


@pytest.mark.parametrize("rpc", ["UpdateLedger", "UpdateLedgerAccount", "UpdateLedgerTransaction"])
async def test_a_metadata_merge_beyond_metadata_keys_max_is_refused_and_writes_nothing(book: Book, rpc: str) -> None:
    full = {f"a{n}": "v" for n in range(limits.metadata_keys_max)}
    more = {f"b{n}": "v" for n in range(limits.metadata_keys_max)}
    call = TEXT_CALLS[rpc]
    await call(book, {"metadata": full})
    assert await book.invalid(lambda: call(book, {"metadata": more})) == {"metadata"}


@pytest.mark.parametrize(
    "name", ["", "   ", "n" * (limits.name_length_max + 1), "a\x00b"], ids=["empty", "blank", "too long", "NUL"]
)
async def test_a_missing_or_bad_name_is_refused_and_writes_nothing(book: Book, name: str) -> None:
    client = book.client
    assert await book.invalid(lambda: client.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name=name))) == {
        "name"
    }
    assert await book.invalid(
        lambda: client.ledgers.UpdateLedger(ledger_pb2.UpdateLedgerRequest(id=book.ledger, name=name))
    ) == {"name"}
    account = ledger_pb2.CreateLedgerAccountRequest(
        ledger_id=book.ledger, name=name, normal_balance=CREDIT_NORMAL, currency="USD"
    )
    assert await book.invalid(lambda: client.ledgers.CreateLedgerAccount(account)) == {"name"}
    assert await book.invalid(
        lambda: client.ledgers.UpdateLedgerAccount(ledger_pb2.UpdateLedgerAccountRequest(id=book.wallet, name=name))
    ) == {"name"}


# --- accounts: normal balance and currency ---------------------------------------------------------


def account_request(book: Book, **fields: Any) -> Callable[[], Awaitable[Any]]:
    values = {"ledger_id": book.ledger, "name": "New", "normal_balance": CREDIT_NORMAL, "currency": "USD", **fields}
    request = ledger_pb2.CreateLedgerAccountRequest(**values)
    return lambda: book.client.ledgers.CreateLedgerAccount(request)


@pytest.mark.parametrize("normal_balance", [0, 7], ids=["unspecified", "unknown"])
async def test_an_unknown_normal_balance_is_refused_and_writes_nothing(book: Book, normal_balance: int) -> None:
    assert await book.invalid(account_request(book, normal_balance=normal_balance)) == {"normal_balance"}


@pytest.mark.parametrize("currency", ["usd", "", "US D", "X" * (limits.currency_length_max + 1), "€", "US-D"])
async def test_a_malformed_currency_is_refused_and_writes_nothing(book: Book, currency: str) -> None:
    assert await book.invalid(account_request(book, currency=currency)) == {"currency"}


@pytest.mark.parametrize("currency", ["POINTS", "US", "BTC_SATS"])
async def test_a_custom_currency_without_currency_exponent_is_refused_and_writes_nothing(
    book: Book, currency: str
) -> None:
    assert await book.invalid(account_request(book, currency=currency)) == {"currency_exponent"}


@pytest.mark.parametrize("exponent", [limits.currency_exponent_max + 1, -1, 2**31 - 1])
async def test_a_currency_exponent_outside_its_range_is_refused_and_writes_nothing(book: Book, exponent: int) -> None:
    assert await book.invalid(account_request(book, currency="POINTS", currency_exponent=exponent)) == {
        "currency_exponent"
    }
    assert await book.invalid(account_request(book, currency="USD", currency_exponent=exponent)) == {
        "currency_exponent"
    }


async def test_a_malformed_currency_filter_is_refused(book: Book) -> None:
    request = ledger_pb2.ListLedgerAccountsRequest(currency="usd")
    assert await book.invalid(lambda: book.client.ledgers.ListLedgerAccounts(request)) == {"currency"}


# --- lists -------------------------------------------------------------------------------------------

LISTS: dict[str, Callable[[Book, dict[str, Any]], Awaitable[Any]]] = {
    "ListLedgers": lambda b, f: b.client.ledgers.ListLedgers(ledger_pb2.ListLedgersRequest(**f)),
    "ListLedgerAccounts": lambda b, f: b.client.ledgers.ListLedgerAccounts(ledger_pb2.ListLedgerAccountsRequest(**f)),
    "ListLedgerTransactions": lambda b, f: b.client.transactions.ListLedgerTransactions(
        transaction_pb2.ListLedgerTransactionsRequest(**f)
    ),
    "ListLedgerEntries": lambda b, f: b.client.transactions.ListLedgerEntries(
        transaction_pb2.ListLedgerEntriesRequest(**f)
    ),
    "ListHolds": lambda b, f: b.client.holds.ListHolds(hold_pb2.ListHoldsRequest(**f)),
}


@pytest.mark.parametrize("page_size", [-1, limits.page_size_max + 1, -(2**31)])
@pytest.mark.parametrize("rpc", LISTS)
async def test_a_page_size_outside_its_range_is_refused(book: Book, rpc: str, page_size: int) -> None:
    assert await book.invalid(lambda: LISTS[rpc](book, {"page_size": page_size})) == {"page_size"}


@pytest.mark.parametrize("rpc", LISTS)
async def test_a_page_size_of_page_size_max_is_accepted(book: Book, rpc: str) -> None:
    response = await LISTS[rpc](book, {"page_size": limits.page_size_max})
    assert response.next_page_token == ""


GARBAGE_TOKENS = {
    "word": "garbage",
    "punctuation": "!!!!",
    "other version": base64.urlsafe_b64encode(b"v2:" + uuid.uuid4().bytes).decode(),
    "short": base64.urlsafe_b64encode(b"v1:" + uuid.uuid4().bytes[:15]).decode(),
    "NUL": "\x00",
    "non ascii": "été",
}


@pytest.mark.parametrize("token", GARBAGE_TOKENS)
@pytest.mark.parametrize("rpc", LISTS)
async def test_a_page_token_this_server_did_not_issue_is_refused(book: Book, rpc: str, token: str) -> None:
    assert await book.invalid(lambda: LISTS[rpc](book, {"page_token": GARBAGE_TOKENS[token]})) == {"page_token"}


@pytest.mark.parametrize(
    ("rpc", "fields", "field"),
    [
        ("ListLedgerTransactions", {"status": 9}, "status"),
        ("ListLedgerEntries", {"status": 9}, "status"),
        ("ListLedgerEntries", {"direction": 9}, "direction"),
        ("ListHolds", {"status": 9}, "status"),
        ("ListLedgers", {"metadata": {"": "v"}}, "metadata[]"),
        ("ListLedgerTransactions", {"external_id": "e" * (limits.external_id_length_max + 1)}, "external_id"),
    ],
)
async def test_an_unknown_filter_value_is_refused(book: Book, rpc: str, fields: dict[str, Any], field: str) -> None:
    assert await book.invalid(lambda: LISTS[rpc](book, fields)) == {field}


# --- times -----------------------------------------------------------------------------------------

BAD_TIMES = {
    "after year 9999": timestamp(10**12),
    "before year 1": timestamp(-(10**12)),
    "negative nanos": timestamp(0, -1),
    "nanos of a second or more": timestamp(0, 10**9),
}
TIME_CALLS: dict[str, tuple[Callable[[Book, Timestamp], Awaitable[Any]], str]] = {
    "CreateLedgerTransaction": (
        lambda b, t: b.create(entry(b.wallet, DEBIT, 5), entry(b.cash, CREDIT, 5), effective_at=t)(),
        "effective_at",
    ),
    "UpdateLedgerTransaction": (lambda b, t: b.update(id=b.pending.id, effective_at=t)(), "effective_at"),
    "ReverseLedgerTransaction": (lambda b, t: b.reverse(id=b.posted.id, effective_at=t)(), "effective_at"),
    "ListLedgerTransactions": (
        lambda b, t: LISTS["ListLedgerTransactions"](b, {"effective_at_lower_bound": t}),
        "effective_at_lower_bound",
    ),
    "ListLedgerEntries": (
        lambda b, t: LISTS["ListLedgerEntries"](b, {"effective_at_upper_bound": t}),
        "effective_at_upper_bound",
    ),
    "PlaceHold": (
        lambda b, t: b.client.holds.PlaceHold(
            hold_pb2.PlaceHoldRequest(
                ledger_account_id=b.wallet, counter_ledger_account_id=b.cash, amount=1, expires_at=t
            )
        ),
        "expires_at",
    ),
}


@pytest.mark.parametrize("time", BAD_TIMES)
@pytest.mark.parametrize("rpc", TIME_CALLS)
async def test_a_timestamp_outside_its_valid_range_is_an_invalid_argument_and_writes_nothing(
    book: Book, rpc: str, time: str
) -> None:
    call, field = TIME_CALLS[rpc]
    assert await book.invalid(lambda: call(book, BAD_TIMES[time])) == {field}


# --- balances and batches -------------------------------------------------------------------------


async def test_get_balances_without_ids_or_with_more_than_balance_accounts_max_is_refused(book: Book) -> None:
    assert await book.invalid(lambda: book.client.balances.GetBalances(balance_pb2.GetBalancesRequest())) == {
        "ledger_account_ids"
    }
    too_many = [str(uuid.uuid4()) for _ in range(limits.balance_accounts_max + 1)]
    request = balance_pb2.GetBalancesRequest(ledger_account_ids=too_many)
    fields = await book.invalid(lambda: book.client.balances.GetBalances(request))
    assert fields == {"ledger_account_ids"}


async def test_get_balances_with_exactly_balance_accounts_max_ids_is_accepted(book: Book) -> None:
    ids = [book.wallet, book.cash] * (limits.balance_accounts_max // 2)
    response = await book.client.balances.GetBalances(balance_pb2.GetBalancesRequest(ledger_account_ids=ids))
    assert [b.ledger_account_id for b in response.ledger_account_balances] == ids


async def test_a_batch_without_items_is_refused(book: Book) -> None:
    request = transaction_pb2.CreateLedgerTransactionsRequest()
    assert await book.invalid(lambda: book.client.transactions.CreateLedgerTransactions(request)) == {"requests"}


async def test_a_batch_of_more_than_transactions_per_batch_max_items_is_refused_and_writes_nothing(book: Book) -> None:
    # Every item is good: the size alone is refused, before any of them is written.
    request = transaction_pb2.CreateLedgerTransactionsRequest(
        requests=[transfer(book.cash, book.wallet, 1, status=POSTED)] * (limits.transactions_per_batch_max + 1)
    )
    async with book.writes_nothing():
        details = await refused(book.client.transactions.CreateLedgerTransactions(request), INVALID, "INVALID_ARGUMENT")
    assert {field for field, _ in details.field_violations} == {"requests"}
    assert any("transactions_per_batch_max" in description for _, description in details.field_violations)


def item(code: grpc.StatusCode, reason: str, *fields: str) -> tuple[int, str, list[str]]:
    return code.value[0], f"ERROR_REASON_{reason}", list(fields)


async def test_a_bad_batch_item_carries_its_error_while_the_good_items_are_written(book: Book) -> None:
    client = book.client
    guard = common_pb2.BalanceCondition(gte=0)
    before = await book.state()
    wallet_before = await get_account(client, book.wallet)
    requests = [
        transfer(book.cash, book.wallet, 10, status=POSTED, description="good 1"),
        book_request(entry(book.wallet, DEBIT, 5), entry(book.cash, CREDIT, 4)),
        book_request(entry(book.wallet, DEBIT, 0), entry(book.cash, CREDIT, -1)),
        transfer(book.wallet, str(uuid.uuid4()), 5),
        book_request(
            entry(book.wallet, DEBIT, 1_000_000, available_balance_amount=guard), entry(book.cash, CREDIT, 1_000_000)
        ),
        book_request(entry(book.wallet, DEBIT, 1, lock_version=0), entry(book.cash, CREDIT, 1)),
        transfer(book.wallet, book.cash, 3, status=POSTED, description="good 2"),
        transfer(MALFORMED, book.cash, 5),
        transfer(book.wallet, book.cash, 4, status=7),
    ]
    response = await client.transactions.CreateLedgerTransactions(
        transaction_pb2.CreateLedgerTransactionsRequest(requests=requests)
    )
    kinds = [r.WhichOneof("result") for r in response.results]
    assert kinds == ["ledger_transaction", *["error"] * 5, "ledger_transaction", "error", "error"]
    errors = [
        (r.error.code, errors_pb2.ErrorReason.Name(r.error.reason), [v.field for v in r.error.field_violations])
        for r in response.results
        if r.HasField("error")
    ]
    assert errors == [
        item(INVALID, "UNBALANCED_ENTRIES", "ledger_entries"),
        item(INVALID, "INVALID_ARGUMENT", "ledger_entries[0].amount", "ledger_entries[1].amount"),
        item(NOT_FOUND, "LEDGER_ACCOUNT_NOT_FOUND"),
        item(PRECONDITION, "BALANCE_CONDITION_FAILED"),
        item(ABORTED, "LOCK_VERSION_MISMATCH"),
        item(INVALID, "INVALID_ARGUMENT", "ledger_entries[0].ledger_account_id"),
        item(INVALID, "INVALID_ARGUMENT", "status"),
    ]
    assert all(r.error.message for r in response.results if r.HasField("error"))

    # Exactly the good items were written, as they were answered.
    written = [r.ledger_transaction for r in response.results if r.HasField("ledger_transaction")]
    assert [t.description for t in written] == ["good 1", "good 2"]
    after = await book.state()
    assert after["ledger_transactions"] == [*before["ledger_transactions"], *written]
    for transaction in written:
        fetched = await client.transactions.GetLedgerTransaction(
            transaction_pb2.GetLedgerTransactionRequest(id=transaction.id)
        )
        assert fetched.ledger_transaction == transaction
    wallet = await get_account(client, book.wallet)
    assert wallet.lock_version == wallet_before.lock_version + 2
    posted = wallet_before.balances.posted_balance.amount
    assert wallet.balances.posted_balance.amount == posted + 10 - 3
    assert len(after["rows"]["ledger_entries"]) == len(before["rows"]["ledger_entries"]) + 4
    assert len(after["rows"]["ledger_account_versions"]) == len(before["rows"]["ledger_account_versions"]) + 4


def book_request(*entries: transaction_pb2.LedgerEntryRequest, **fields: Any) -> Any:
    return transaction_pb2.CreateLedgerTransactionRequest(ledger_entries=entries, **fields)


# --- every violation at once ----------------------------------------------------------------------

ALL_AT_ONCE: dict[str, tuple[Callable[[Book], Awaitable[Any]], set[str]]] = {
    "CreateLedger": (
        lambda b: b.client.ledgers.CreateLedger(
            ledger_pb2.CreateLedgerRequest(
                name="",
                description="d" * (limits.description_length_max + 1),
                metadata={
                    **{f"k{n}": "v" for n in range(limits.metadata_keys_max)},
                    LONG_KEY: "v",
                    "long": "v" * (limits.metadata_value_length_max + 1),
                },
                idempotency_key="i" * (limits.idempotency_key_length_max + 1),
            )
        ),
        {"name", "description", "metadata", f"metadata[{LONG_KEY[:40]}]", "metadata[long]", "idempotency_key"},
    ),
    "CreateLedgerAccount": (
        lambda b: b.client.ledgers.CreateLedgerAccount(
            ledger_pb2.CreateLedgerAccountRequest(
                ledger_id=MALFORMED,
                name=" ",
                description="d" * (limits.description_length_max + 1),
                normal_balance=0,
                currency="usd",
                metadata={"": "v"},
            )
        ),
        {"ledger_id", "name", "description", "normal_balance", "currency", "metadata[]"},
    ),
    "CreateLedgerAccount with its exponent": (
        lambda b: b.client.ledgers.CreateLedgerAccount(
            ledger_pb2.CreateLedgerAccountRequest(
                ledger_id=b.ledger,
                name="",
                normal_balance=CREDIT_NORMAL,
                currency="USD",
                currency_exponent=limits.currency_exponent_max + 1,
            )
        ),
        {"name", "currency_exponent"},
    ),
    "CreateLedgerAccount of a custom currency": (
        lambda b: b.client.ledgers.CreateLedgerAccount(
            ledger_pb2.CreateLedgerAccountRequest(ledger_id=b.ledger, name="", normal_balance=0, currency="POINTS")
        ),
        {"name", "normal_balance", "currency_exponent"},
    ),
    "CreateLedgerTransaction": (
        lambda b: b.create(
            entry(MALFORMED, DEBIT, 0),
            entry(b.cash, 0, 5, lock_version=-1, currency="usd"),
            status=9,
            description="d" * (limits.description_length_max + 1),
            external_id="e" * (limits.external_id_length_max + 1),
            metadata={"k": "v" * (limits.metadata_value_length_max + 1)},
        )(),
        {
            "ledger_entries[0].ledger_account_id",
            "ledger_entries[0].amount",
            "ledger_entries[1].direction",
            "ledger_entries[1].lock_version",
            "ledger_entries[1].currency",
            "status",
            "description",
            "external_id",
            "metadata[k]",
        },
    ),
    "CreateLedgerTransaction with too few entries": (
        lambda b: b.create(entry(MALFORMED, DEBIT, 0))(),
        {"ledger_entries[0].ledger_account_id", "ledger_entries[0].amount", "ledger_entries"},
    ),
    "UpdateLedgerTransaction": (
        lambda b: b.update(
            id=MALFORMED,
            status=PENDING,
            description="d" * (limits.description_length_max + 1),
            ledger_entries=[entry(b.wallet, DEBIT, -1), entry(b.cash, CREDIT, 0)],
        )(),
        {"id", "status", "description", "ledger_entries[0].amount", "ledger_entries[1].amount"},
    ),
    "ReverseLedgerTransaction": (
        lambda b: b.reverse(id="", status=9, external_id="e" * (limits.external_id_length_max + 1))(),
        {"id", "status", "external_id"},
    ),
    "ListLedgerTransactions": (
        lambda b: LISTS["ListLedgerTransactions"](
            b,
            {
                "page_size": -1,
                "page_token": "garbage",
                "ledger_id": MALFORMED,
                "ledger_account_id": MALFORMED,
                "status": 9,
                "metadata": {f"k{n}": "v" for n in range(limits.metadata_keys_max + 1)},
            },
        ),
        {"page_size", "page_token", "ledger_id", "ledger_account_id", "status", "metadata"},
    ),
    "ListLedgerEntries": (
        lambda b: LISTS["ListLedgerEntries"](
            b,
            {
                "page_size": limits.page_size_max + 1,
                "page_token": "garbage",
                "ledger_account_id": MALFORMED,
                "ledger_transaction_id": MALFORMED,
                "status": 9,
                "direction": 9,
            },
        ),
        {"page_size", "page_token", "ledger_account_id", "ledger_transaction_id", "status", "direction"},
    ),
    "GetBalances": (
        lambda b: b.client.balances.GetBalances(
            balance_pb2.GetBalancesRequest(ledger_account_ids=[MALFORMED, b.wallet, ""])
        ),
        {"ledger_account_ids[0]", "ledger_account_ids[2]"},
    ),
    "CreateLedgerTransactions": (
        lambda b: b.client.transactions.CreateLedgerTransactions(
            transaction_pb2.CreateLedgerTransactionsRequest(
                idempotency_key="i" * (limits.idempotency_key_length_max + 1)
            )
        ),
        {"requests", "idempotency_key"},
    ),
}


@pytest.mark.parametrize("rpc", ALL_AT_ONCE)
async def test_every_violation_of_a_request_is_listed_at_once_and_nothing_is_written(book: Book, rpc: str) -> None:
    call, expected = ALL_AT_ONCE[rpc]
    assert await book.invalid(lambda: call(book)) == expected


# --- the check itself ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "write",
    [
        lambda b: b.update(id=b.pending.id, status=POSTED)(),
        lambda b: b.client.ledgers.UpdateLedgerAccount(ledger_pb2.UpdateLedgerAccountRequest(id=b.wallet, name="W")),
        lambda b: b.client.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="L", idempotency_key="k")),
    ],
    ids=["a posting", "a rename", "a keyed ledger"],
)
async def test_the_nothing_written_check_sees_any_write(book: Book, write: Callable[[Book], Awaitable[Any]]) -> None:
    with pytest.raises(AssertionError, match="changed"):
        async with book.writes_nothing():
            await write(book)
