"""Balances of the past through the gRPC API: as of an effective time (back-dated transactions,
current statuses, archived and discarded entries left out), for accounts and categories; as of an
account's lock_version, equal to what each version's entries show; and every bad as-of request
refused with the right code and reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from ledgerd.client import LedgerdClient
from ledgerd.v1 import balance_pb2, ledger_pb2, transaction_pb2

from .category_helpers import add_account, category_balances, create_category, get_category, nothing_written
from .ledger_helpers import (
    ARCHIVED,
    CREDIT,
    DEBIT,
    DEBIT_NORMAL,
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
JANUARY = datetime(2024, 1, 1, tzinfo=UTC)


def at(day: int, microseconds: int = 0) -> Timestamp:
    """A moment of January 2024."""
    stamp = Timestamp()
    stamp.FromDatetime(JANUARY + timedelta(days=day - 1, microseconds=microseconds))
    return stamp


async def balances_of(client: LedgerdClient, account_id: str, **as_of: Any) -> balance_pb2.LedgerAccountBalances:
    request = balance_pb2.GetBalancesRequest(ledger_account_ids=[account_id], **as_of)
    (answer,) = (await client.balances.GetBalances(request)).ledger_account_balances
    return answer


def triple(balances: Any) -> tuple[int, int, int]:
    """(pending, posted, available) amounts."""
    return balances.pending_balance.amount, balances.posted_balance.amount, balances.available_balance.amount


async def test_balances_between_two_back_dated_transactions_are_exact_for_each_moment(client: LedgerdClient) -> None:
    ledger = await create_ledger(client)
    cash = (await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    # Written out of order: the later-dated one first, then one back-dated before it.
    await create_transaction(client, transfer(cash, wallet, 50, status=POSTED, effective_at=at(20)))
    await create_transaction(client, transfer(cash, wallet, 100, status=POSTED, effective_at=at(10)))
    # A pending one on the 12th, posted since: it counts as posted at every moment after the 12th.
    pending = await create_transaction(client, transfer(cash, wallet, 7, effective_at=at(12)))
    await client.transactions.UpdateLedgerTransaction(
        transaction_pb2.UpdateLedgerTransactionRequest(id=pending.id, status=POSTED)
    )
    # Still pending on the 15th: an outgoing 3. Archived on the 11th: never counts.
    await create_transaction(client, transfer(wallet, cash, 3, effective_at=at(15)))
    await create_transaction(client, transfer(wallet, cash, 1000, status=ARCHIVED, effective_at=at(11)))
    current = await get_account(client, wallet)
    expected = [
        (at(5), (0, 0, 0)),
        (at(10, -1), (0, 0, 0)),
        (at(10), (100, 100, 100)),  # inclusive of the exact moment
        (at(11), (100, 100, 100)),
        (at(12), (107, 107, 107)),
        (at(15), (104, 107, 104)),
        (at(19), (104, 107, 104)),
        (at(20), (154, 157, 154)),
        (at(400), (154, 157, 154)),
    ]
    for moment, amounts_then in expected:
        answer = await balances_of(client, wallet, effective_at=moment)
        assert triple(answer.balances) == amounts_then, moment.ToJsonString()
        assert answer.lock_version == current.lock_version  # the state the answer was computed from
    between = await balances_of(client, wallet, effective_at=at(15))
    assert (between.balances.pending_balance.credits, between.balances.pending_balance.debits) == (107, 3)
    assert (between.balances.available_balance.credits, between.balances.available_balance.debits) == (107, 3)
    # GetLedgerAccount answers the same as of a time; the cash account's sign is its own.
    read = await client.ledgers.GetLedgerAccount(ledger_pb2.GetLedgerAccountRequest(id=cash, effective_at=at(12)))
    assert triple(read.ledger_account.balances) == (107, 107, 107)
    assert amounts(await get_account(client, wallet)) == amounts(current)


async def test_discarded_entries_of_an_updated_pending_transaction_never_count(client: LedgerdClient) -> None:
    ledger = await create_ledger(client)
    cash = (await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    pending = await create_transaction(client, transfer(cash, wallet, 40, effective_at=at(3)))
    await client.transactions.UpdateLedgerTransaction(
        transaction_pb2.UpdateLedgerTransactionRequest(
            id=pending.id, ledger_entries=transfer(cash, wallet, 25).ledger_entries, effective_at=at(8)
        )
    )
    assert triple((await balances_of(client, wallet, effective_at=at(5))).balances) == (0, 0, 0)
    assert triple((await balances_of(client, wallet, effective_at=at(8))).balances) == (25, 0, 0)


async def test_category_balances_as_of_a_time_sum_its_current_accounts(client: LedgerdClient) -> None:
    ledger = await create_ledger(client)
    cash = (await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
    first, second = [(await create_account(client, ledger.id, name)).id for name in ("First", "Second")]
    await create_transaction(client, transfer(cash, first, 10, status=POSTED, effective_at=at(2)))
    await create_transaction(client, transfer(cash, second, 200, status=POSTED, effective_at=at(4)))
    await create_transaction(client, transfer(cash, first, 3000, status=POSTED, effective_at=at(6)))
    category = (await create_category(client, ledger.id, "Both")).id
    await add_account(client, category, first)
    await add_account(client, category, second)
    for day, posted in ((1, 0), (2, 10), (5, 210), (6, 3210)):
        answer = await category_balances(client, category, effective_at=at(day))
        assert triple(answer.balances) == (posted, posted, posted) and answer.ledger_account_count == 2
        read = await get_category(client, category, effective_at=at(day))
        assert read.balances == answer.balances and read.balances_effective_at == at(day)
    assert not (await get_category(client, category)).HasField("balances_effective_at")


async def test_balances_as_of_each_lock_version_equal_what_that_versions_entries_show(client: LedgerdClient) -> None:
    ledger = await create_ledger(client)
    cash = (await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    await create_transaction(client, transfer(cash, wallet, 100, status=POSTED))  # v1
    incoming = await create_transaction(client, transfer(cash, wallet, 30))  # v2
    outgoing = await create_transaction(client, transfer(wallet, cash, 20))  # v3
    update = transaction_pb2.UpdateLedgerTransactionRequest
    await client.transactions.UpdateLedgerTransaction(update(id=incoming.id, status=POSTED))  # v4, no new entry
    await client.transactions.UpdateLedgerTransaction(update(id=outgoing.id, status=ARCHIVED))  # v5, no new entry
    replaced = await create_transaction(client, transfer(cash, wallet, 5))  # v6
    await client.transactions.UpdateLedgerTransaction(
        update(id=replaced.id, ledger_entries=[entry(cash, DEBIT, 7), entry(wallet, CREDIT, 7)])  # v7
    )
    expected = [(0, 0, 0), (100, 100, 100), (130, 100, 100), (110, 100, 80), (110, 130, 110), (130, 130, 130)]
    expected += [(135, 130, 130), (137, 130, 130)]
    assert (await get_account(client, wallet)).lock_version == len(expected) - 1
    listed = await client.transactions.ListLedgerEntries(
        transaction_pb2.ListLedgerEntriesRequest(ledger_account_id=wallet, show_discarded=True)
    )
    shown = {e.ledger_account_lock_version: e.resulting_ledger_account_balances for e in listed.ledger_entries}
    assert sorted(shown) == [1, 2, 3, 6, 7]
    for version, amounts_then in enumerate(expected):
        answer = await balances_of(client, wallet, as_of_lock_version=version)
        assert (answer.lock_version, triple(answer.balances)) == (version, amounts_then)
        if version in shown:
            assert answer.balances == shown[version]
        read = await client.ledgers.GetLedgerAccount(
            ledger_pb2.GetLedgerAccountRequest(id=wallet, as_of_lock_version=version)
        )
        assert (read.ledger_account.lock_version, read.ledger_account.balances) == (version, answer.balances)


async def test_bad_as_of_requests_are_refused_with_their_code_and_reason(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    ledger = await create_ledger(client)
    cash = (await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    category = (await create_category(client, ledger.id, "Wallets")).id
    await create_transaction(client, transfer(cash, wallet, 100, status=POSTED))
    get = client.balances.GetBalances
    request = balance_pb2.GetBalancesRequest
    too_late = Timestamp(seconds=253_402_300_800)  # 10000-01-01
    cases: list[tuple[Any, set[str]]] = [
        (request(ledger_account_ids=[wallet], as_of_lock_version=-1), {"as_of_lock_version"}),
        (request(ledger_account_ids=[wallet, cash], as_of_lock_version=1), {"as_of_lock_version"}),
        (request(ledger_account_ids=[wallet], as_of_lock_version=1, effective_at=at(1)), {"as_of_lock_version"}),
        (request(ledger_account_category_id=category, as_of_lock_version=0), {"as_of_lock_version"}),
        (request(ledger_account_ids=[wallet], effective_at=too_late), {"effective_at"}),
        (request(ledger_account_ids=[wallet], effective_at=Timestamp(seconds=0, nanos=-1)), {"effective_at"}),
        (request(), {"ledger_account_ids"}),
        (
            request(ledger_account_category_id="x", ledger_account_ids=[wallet]),
            {"ledger_account_category_id", "ledger_account_ids"},
        ),
    ]
    async with nothing_written(pool):
        for bad, fields in cases:
            details = await refused(get(bad), INVALID, "INVALID_ARGUMENT")
            assert {field for field, _ in details.field_violations} == fields, bad
        details = await refused(
            get(request(ledger_account_ids=[wallet], as_of_lock_version=2)),
            grpc.StatusCode.OUT_OF_RANGE,
            "LOCK_VERSION_OUT_OF_RANGE",
        )
        assert details.metadata == {"ledger_account_id": wallet, "lock_version": "1"}
        await refused(
            client.ledgers.GetLedgerAccount(ledger_pb2.GetLedgerAccountRequest(id=wallet, as_of_lock_version=9)),
            grpc.StatusCode.OUT_OF_RANGE,
            "LOCK_VERSION_OUT_OF_RANGE",
        )
        unknown = "0190c6a0-0000-7000-8000-000000000000"
        await refused(
            get(request(ledger_account_ids=[unknown], as_of_lock_version=0)), NOT_FOUND, "LEDGER_ACCOUNT_NOT_FOUND"
        )
        await refused(
            get(request(ledger_account_ids=[wallet, unknown], effective_at=at(1))),
            NOT_FOUND,
            "LEDGER_ACCOUNT_NOT_FOUND",
        )
        await refused(
            get(request(ledger_account_category_id=unknown, effective_at=at(1))),
            NOT_FOUND,
            "LEDGER_ACCOUNT_CATEGORY_NOT_FOUND",
        )
    # The edges of the range answer: before the first entry zeros, the last moment everything.
    assert triple((await balances_of(client, wallet, effective_at=Timestamp(seconds=-62_135_596_800))).balances) == (
        0,
        0,
        0,
    )
    last = Timestamp(seconds=253_402_300_799, nanos=999_999_999)
    assert triple((await balances_of(client, wallet, effective_at=last)).balances) == (100, 100, 100)
