"""Idempotency keys: a replay returns the first response and writes nothing; another body is refused."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import grpc

from ledgerd.client import LedgerdClient
from ledgerd.v1 import ledger_pb2, transaction_pb2

from .ledger_helpers import (
    DEBIT_NORMAL,
    POSTED,
    amounts,
    create_account,
    create_ledger,
    create_transaction,
    get_account,
    refused,
    transfer,
)


async def accounts(client: LedgerdClient) -> tuple[str, str, str]:
    ledger = await create_ledger(client)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    return ledger.id, cash.id, wallet.id


async def transactions_of(client: LedgerdClient, ledger_id: str) -> list[str]:
    listed = await client.transactions.ListLedgerTransactions(
        transaction_pb2.ListLedgerTransactionsRequest(ledger_id=ledger_id)
    )
    return [t.id for t in listed.ledger_transactions]


async def test_a_replayed_create_returns_the_first_response_and_writes_nothing(client: LedgerdClient) -> None:
    ledger_id, cash, wallet = await accounts(client)
    request = transfer(cash, wallet, 500, status=POSTED, idempotency_key="deposit-1")
    first = await client.transactions.CreateLedgerTransaction(request)
    second = await client.transactions.CreateLedgerTransaction(request)
    assert second == first
    assert await transactions_of(client, ledger_id) == [first.ledger_transaction.id]
    after = await get_account(client, wallet)
    assert amounts(after) == (500, 500, 500) and after.lock_version == 1


async def test_the_same_key_with_another_body_is_refused_and_writes_nothing(client: LedgerdClient) -> None:
    ledger_id, cash, wallet = await accounts(client)
    first = await create_transaction(client, transfer(cash, wallet, 500, idempotency_key="k"))
    await refused(
        client.transactions.CreateLedgerTransaction(transfer(cash, wallet, 501, idempotency_key="k")),
        grpc.StatusCode.ALREADY_EXISTS,
        "IDEMPOTENCY_KEY_REUSED",
    )
    assert await transactions_of(client, ledger_id) == [first.id]
    assert (await get_account(client, wallet)).lock_version == 1


async def test_concurrent_requests_with_one_key_write_once_and_all_get_the_same_answer(client: LedgerdClient) -> None:
    ledger_id, cash, wallet = await accounts(client)
    request = transfer(cash, wallet, 7, status=POSTED, idempotency_key="burst")
    answers = await asyncio.gather(*(client.transactions.CreateLedgerTransaction(request) for _ in range(30)))
    assert len({a.SerializeToString(deterministic=True) for a in answers}) == 1
    assert len(await transactions_of(client, ledger_id)) == 1
    assert amounts(await get_account(client, wallet)) == (7, 7, 7)


async def test_updates_reversals_and_ledger_writes_replay_too(client: LedgerdClient) -> None:
    ledger_id, cash, wallet = await accounts(client)
    created = await create_transaction(client, transfer(cash, wallet, 40))
    post = transaction_pb2.UpdateLedgerTransactionRequest(id=created.id, status=POSTED, idempotency_key="post")
    assert await client.transactions.UpdateLedgerTransaction(post) == await client.transactions.UpdateLedgerTransaction(
        post
    )
    reverse = transaction_pb2.ReverseLedgerTransactionRequest(id=created.id, idempotency_key="reverse")
    first = await client.transactions.ReverseLedgerTransaction(reverse)
    assert await client.transactions.ReverseLedgerTransaction(reverse) == first
    assert len(await transactions_of(client, ledger_id)) == 2
    create_ledger_request = ledger_pb2.CreateLedgerRequest(name="Once", idempotency_key="ledger")
    ledger = await client.ledgers.CreateLedger(create_ledger_request)
    assert await client.ledgers.CreateLedger(create_ledger_request) == ledger
    listed = await client.ledgers.ListLedgers(ledger_pb2.ListLedgersRequest())
    assert [x.name for x in listed.ledgers].count("Once") == 1


async def test_a_batch_key_covers_each_item_so_a_replayed_batch_writes_nothing(client: LedgerdClient) -> None:
    ledger_id, cash, wallet = await accounts(client)
    batch = transaction_pb2.CreateLedgerTransactionsRequest(
        requests=[transfer(cash, wallet, n, status=POSTED) for n in (1, 2, 3)], idempotency_key="batch"
    )
    first = await client.transactions.CreateLedgerTransactions(batch)
    assert await client.transactions.CreateLedgerTransactions(batch) == first
    assert len(await transactions_of(client, ledger_id)) == 3
    # An item's key is "<batch key>/<index>": the single call with that key replays the item.
    single = transfer(cash, wallet, 2, status=POSTED, idempotency_key="batch/1")
    replayed = await client.transactions.CreateLedgerTransaction(single)
    assert replayed.ledger_transaction == first.results[1].ledger_transaction
    assert amounts(await get_account(client, wallet)) == (6, 6, 6)


async def test_concurrent_creates_with_one_external_id_write_once(client: LedgerdClient) -> None:
    ledger_id, cash, wallet = await accounts(client)
    request = transfer(cash, wallet, 9, status=POSTED, external_id="settlement-77")
    answers = await asyncio.gather(*(client.transactions.CreateLedgerTransaction(request) for _ in range(20)))
    assert len({a.ledger_transaction.id for a in answers}) == 1
    assert len(await transactions_of(client, ledger_id)) == 1
    assert amounts(await get_account(client, wallet)) == (9, 9, 9)


async def test_a_key_is_replayed_within_its_retention_and_free_after_the_sweep(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    from datetime import timedelta

    from ledgerd.server.core.sweeper import sweep_idempotency_keys
    from ledgerd.server.domain import limits

    ledger = await create_ledger(client)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    key = f"retention-{uuid.uuid4()}"
    first = await create_transaction(client, transfer(cash.id, wallet.id, 10, idempotency_key=key))
    assert (await create_transaction(client, transfer(cash.id, wallet.id, 10, idempotency_key=key))).id == first.id
    await sweep_idempotency_keys(pool)  # inside the retention: kept
    assert (await create_transaction(client, transfer(cash.id, wallet.id, 10, idempotency_key=key))).id == first.id

    # A day later (the stored row aged by hand): the sweep removes it, and the key is a new request.
    aged = timedelta(seconds=limits.idempotency_key_retention_seconds + 60)
    await pool.execute(
        "UPDATE idempotency_keys SET created_at = created_at - $1::interval WHERE idempotency_key = $2", aged, key
    )
    assert await sweep_idempotency_keys(pool) >= 1
    second = await create_transaction(client, transfer(cash.id, wallet.id, 25, idempotency_key=key))
    assert second.id != first.id
    assert (await get_account(client, wallet.id)).balances.pending_balance.amount == 35
