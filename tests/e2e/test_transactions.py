"""Transaction semantics: statuses, replaced entries, external ids, effective time, lock versions,
balance conditions, reversals, batches, lists and entries."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from ledgerd.client import LedgerdClient
from ledgerd.v1 import common_pb2, errors_pb2, transaction_pb2

from .ledger_helpers import (
    ARCHIVED,
    CREDIT,
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


async def funded_wallet(client: LedgerdClient, amount: int = 1000) -> tuple[str, str, str]:
    """(ledger id, cash id, wallet id) with `amount` posted into the wallet."""
    ledger = await create_ledger(client)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    if amount:
        await create_transaction(client, transfer(cash.id, wallet.id, amount, status=POSTED))
    return ledger.id, cash.id, wallet.id


def timestamp(value: datetime) -> Timestamp:
    message = Timestamp()
    message.FromDatetime(value)
    return message


async def update(client: LedgerdClient, **fields: object) -> transaction_pb2.LedgerTransaction:
    request = transaction_pb2.UpdateLedgerTransactionRequest(**fields)  # type: ignore[arg-type]
    return (await client.transactions.UpdateLedgerTransaction(request)).ledger_transaction


async def test_a_transaction_is_pending_unless_told_otherwise_and_posting_sets_posted_at(client: LedgerdClient) -> None:
    _, cash, wallet = await funded_wallet(client)
    created = await create_transaction(client, transfer(wallet, cash, 10))
    assert created.status == PENDING and not created.HasField("posted_at")
    assert all(e.status == PENDING for e in created.ledger_entries)
    posted = await update(client, id=created.id, status=POSTED)
    assert posted.status == POSTED and posted.HasField("posted_at")
    assert all(e.status == POSTED for e in posted.ledger_entries)
    fetched = await client.transactions.GetLedgerTransaction(transaction_pb2.GetLedgerTransactionRequest(id=created.id))
    assert fetched.ledger_transaction == posted


async def test_replacing_a_pending_transactions_entries_discards_the_old_ones(client: LedgerdClient) -> None:
    _, cash, wallet = await funded_wallet(client)
    created = await create_transaction(client, transfer(wallet, cash, 300))
    assert amounts(await get_account(client, wallet)) == (700, 1000, 700)
    replaced = await update(
        client,
        id=created.id,
        ledger_entries=[entry(wallet, DEBIT, 120), entry(cash, CREDIT, 120)],
        description="corrected",
        metadata={"reason": "typo"},
    )
    assert [e.amount for e in replaced.ledger_entries] == [120, 120]
    assert (replaced.description, dict(replaced.metadata)) == ("corrected", {"reason": "typo"})
    wallet_after = await get_account(client, wallet)
    assert amounts(wallet_after) == (880, 1000, 880) and wallet_after.lock_version == 3
    entries = await client.transactions.ListLedgerEntries(
        transaction_pb2.ListLedgerEntriesRequest(ledger_transaction_id=created.id, show_discarded=True)
    )
    assert sorted((e.amount, e.HasField("discarded_at")) for e in entries.ledger_entries) == [
        (120, False),
        (120, False),
        (300, True),
        (300, True),
    ]
    current = await client.transactions.ListLedgerEntries(
        transaction_pb2.ListLedgerEntriesRequest(ledger_transaction_id=created.id)
    )
    assert [e.amount for e in current.ledger_entries] == [120, 120]


async def test_an_external_id_is_unique_among_pending_and_posted_transactions(client: LedgerdClient) -> None:
    _, cash, wallet = await funded_wallet(client)
    first = await create_transaction(client, transfer(wallet, cash, 10, external_id="auth-1"))
    # The same body again is a retry: the original comes back and nothing new is written.
    again = await create_transaction(client, transfer(wallet, cash, 10, external_id="auth-1"))
    assert again == first
    assert (await get_account(client, wallet)).lock_version == 2
    await refused(
        client.transactions.CreateLedgerTransaction(transfer(wallet, cash, 11, external_id="auth-1")),
        grpc.StatusCode.ALREADY_EXISTS,
        "EXTERNAL_ID_ALREADY_EXISTS",
    )
    # Once archived, the external id is free again.
    await update(client, id=first.id, status=ARCHIVED)
    second = await create_transaction(client, transfer(wallet, cash, 11, external_id="auth-1"))
    assert second.id != first.id and second.external_id == "auth-1"


async def test_effective_at_is_kept_apart_from_created_and_posted_times(client: LedgerdClient) -> None:
    _, cash, wallet = await funded_wallet(client)
    back_dated = datetime(2024, 1, 31, 12, 0, tzinfo=UTC)
    created = await create_transaction(
        client, transfer(wallet, cash, 10, status=POSTED, effective_at=timestamp(back_dated))
    )
    assert created.effective_at.ToDatetime(tzinfo=UTC) == back_dated
    assert created.created_at.ToDatetime(tzinfo=UTC) > back_dated
    assert all(e.effective_at == created.effective_at for e in created.ledger_entries)
    in_range = await client.transactions.ListLedgerTransactions(
        transaction_pb2.ListLedgerTransactionsRequest(
            ledger_account_id=wallet,
            effective_at_lower_bound=timestamp(datetime(2024, 1, 1, tzinfo=UTC)),
            effective_at_upper_bound=timestamp(datetime(2024, 2, 1, tzinfo=UTC)),
        )
    )
    assert [t.id for t in in_range.ledger_transactions] == [created.id]


async def test_an_expected_lock_version_must_be_current(client: LedgerdClient) -> None:
    _, cash, wallet = await funded_wallet(client)
    account = await get_account(client, wallet)
    request = transaction_pb2.CreateLedgerTransactionRequest(
        ledger_entries=[entry(wallet, DEBIT, 5, lock_version=account.lock_version), entry(cash, CREDIT, 5)]
    )
    created = await create_transaction(client, request)
    wallet_entry = next(e for e in created.ledger_entries if e.ledger_account_id == wallet)
    assert wallet_entry.ledger_account_lock_version == account.lock_version + 1
    await refused(
        client.transactions.CreateLedgerTransaction(request), grpc.StatusCode.ABORTED, "LOCK_VERSION_MISMATCH"
    )
    assert (await get_account(client, wallet)).lock_version == account.lock_version + 1


async def test_a_balance_condition_guards_the_balance_after_the_whole_transaction(client: LedgerdClient) -> None:
    _, cash, wallet = await funded_wallet(client, 100)
    guard = common_pb2.BalanceCondition(gte=0)

    def spend(amount: int) -> transaction_pb2.CreateLedgerTransactionRequest:
        return transaction_pb2.CreateLedgerTransactionRequest(
            ledger_entries=[
                entry(wallet, DEBIT, amount, available_balance_amount=guard),
                entry(cash, CREDIT, amount),
            ]
        )

    await create_transaction(client, spend(60))
    details = await refused(
        client.transactions.CreateLedgerTransaction(spend(41)),
        grpc.StatusCode.FAILED_PRECONDITION,
        "BALANCE_CONDITION_FAILED",
    )
    assert details.metadata["ledger_account_id"] == wallet and details.metadata["amount"] == "-1"
    await create_transaction(client, spend(40))
    assert amounts(await get_account(client, wallet)) == (0, 100, 0)


async def test_a_reversal_swaps_directions_and_is_linked_both_ways(client: LedgerdClient) -> None:
    _, cash, wallet = await funded_wallet(client)
    original = await create_transaction(client, transfer(wallet, cash, 250, status=POSTED, metadata={"k": "v"}))
    reversal = (
        await client.transactions.ReverseLedgerTransaction(
            transaction_pb2.ReverseLedgerTransactionRequest(id=original.id)
        )
    ).ledger_transaction
    assert reversal.status == POSTED and reversal.reverses_ledger_transaction_id == original.id
    assert reversal.description == f"Reversal of {original.id}" and reversal.effective_at == original.effective_at
    assert sorted((e.ledger_account_id, e.direction, e.amount) for e in reversal.ledger_entries) == sorted(
        (e.ledger_account_id, CREDIT if e.direction == DEBIT else DEBIT, e.amount) for e in original.ledger_entries
    )
    fetched = await client.transactions.GetLedgerTransaction(
        transaction_pb2.GetLedgerTransactionRequest(id=original.id)
    )
    assert fetched.ledger_transaction.reversed_by_ledger_transaction_id == reversal.id
    assert amounts(await get_account(client, wallet)) == (1000, 1000, 1000)


async def test_a_batch_answers_each_item_in_order_and_a_refusal_spares_its_neighbours(client: LedgerdClient) -> None:
    _, cash, wallet = await funded_wallet(client, 100)
    guard = common_pb2.BalanceCondition(gte=0)

    def spend(amount: int) -> transaction_pb2.CreateLedgerTransactionRequest:
        return transaction_pb2.CreateLedgerTransactionRequest(
            status=POSTED,
            ledger_entries=[
                entry(wallet, DEBIT, amount, available_balance_amount=guard),
                entry(cash, CREDIT, amount),
            ],
        )

    response = await client.transactions.CreateLedgerTransactions(
        transaction_pb2.CreateLedgerTransactionsRequest(requests=[spend(70), spend(50), spend(30)])
    )
    kinds = [r.WhichOneof("result") for r in response.results]
    assert kinds == ["ledger_transaction", "error", "ledger_transaction"]
    error = response.results[1].error
    assert (error.code, errors_pb2.ErrorReason.Name(error.reason)) == (9, "ERROR_REASON_BALANCE_CONDITION_FAILED")
    versions = [
        next(
            e.ledger_account_lock_version for e in r.ledger_transaction.ledger_entries if e.ledger_account_id == wallet
        )
        for r in (response.results[0], response.results[2])
    ]
    assert versions == [2, 3]
    assert amounts(await get_account(client, wallet)) == (0, 0, 0)


async def test_lists_filter_and_page_through_every_transaction_once(client: LedgerdClient) -> None:
    ledger_id, cash, wallet = await funded_wallet(client, 0)
    created = [
        await create_transaction(
            client,
            transfer(
                cash, wallet, n, status=POSTED if n % 2 else PENDING, metadata={"parity": "odd" if n % 2 else "even"}
            ),
        )
        for n in range(1, 8)
    ]
    seen, token = [], ""
    while True:
        page = await client.transactions.ListLedgerTransactions(
            transaction_pb2.ListLedgerTransactionsRequest(ledger_id=ledger_id, page_size=3, page_token=token)
        )
        seen += [t.id for t in page.ledger_transactions]
        token = page.next_page_token
        if not token:
            break
    assert seen == [t.id for t in created]
    odd = await client.transactions.ListLedgerTransactions(
        transaction_pb2.ListLedgerTransactionsRequest(ledger_id=ledger_id, metadata={"parity": "odd"}, status=POSTED)
    )
    assert [t.ledger_entries[0].amount for t in odd.ledger_transactions] == [1, 3, 5, 7]
    debits = await client.transactions.ListLedgerEntries(
        transaction_pb2.ListLedgerEntriesRequest(ledger_account_id=wallet, direction=CREDIT, status=PENDING)
    )
    assert [e.amount for e in debits.ledger_entries] == [2, 4, 6]
    one = await client.transactions.GetLedgerEntry(
        transaction_pb2.GetLedgerEntryRequest(id=debits.ledger_entries[0].id)
    )
    assert one.ledger_entry == debits.ledger_entries[0]
