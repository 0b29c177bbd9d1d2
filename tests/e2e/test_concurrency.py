"""Many concurrent writers, then exact balances and every invariant re-proved by `verify`."""

from __future__ import annotations

import asyncio
import random

import asyncpg
import grpc

from ledgerd.client import LedgerdClient, error_details
from ledgerd.server.app import start_server
from ledgerd.server.core.verify import verify
from ledgerd.server.store.pool import create_pool
from ledgerd.v1 import common_pb2, transaction_pb2

from .ledger_helpers import (
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
    run_ledgerd,
    transfer,
)


async def assert_every_invariant_holds(pool: asyncpg.Pool) -> None:
    offenders = {check: rows for check, rows in (await verify(pool)).items() if rows}
    assert offenders == {}


async def test_concurrent_spends_never_take_the_available_balance_below_its_guard(
    client: LedgerdClient, database_url: str
) -> None:
    ledger = await create_ledger(client)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    await create_transaction(client, transfer(cash.id, wallet.id, 10_000, status=POSTED))
    guard = common_pb2.BalanceCondition(gte=0)
    spend = transaction_pb2.CreateLedgerTransactionRequest(
        ledger_entries=[entry(wallet.id, DEBIT, 37, available_balance_amount=guard), entry(cash.id, CREDIT, 37)]
    )

    async def attempt() -> str:
        try:
            await client.transactions.CreateLedgerTransaction(spend)
            return "approved"
        except grpc.aio.AioRpcError as error:
            return error_details(error).reason

    outcomes = await asyncio.gather(*(attempt() for _ in range(500)))

    approved = 10_000 // 37
    assert outcomes.count("approved") == approved
    assert outcomes.count("ERROR_REASON_BALANCE_CONDITION_FAILED") == 500 - approved
    after = await get_account(client, wallet.id)
    assert amounts(after) == (10_000 - 37 * approved, 10_000, 10_000 - 37 * approved)
    assert after.lock_version == 1 + approved
    code, output = await run_ledgerd("verify", database_url=database_url)
    assert code == 0, output


async def test_concurrent_transfers_in_every_direction_keep_exact_balances(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    ledger = await create_ledger(client)
    accounts = [await create_account(client, ledger.id, f"Wallet {n}") for n in range(8)]
    generator = random.Random(20261122)
    transfers = [(generator.randrange(8), generator.randrange(1, 8), generator.randrange(1, 1000)) for _ in range(400)]
    expected = [0] * 8
    requests = []
    for source, step, amount in transfers:
        target = (source + step) % 8
        expected[source] -= amount
        expected[target] += amount
        # Three entries on two accounts, so lock order and repeated accounts are both exercised.
        requests.append(
            transaction_pb2.CreateLedgerTransactionRequest(
                status=POSTED,
                ledger_entries=[
                    entry(accounts[source].id, DEBIT, amount - amount // 2),
                    entry(accounts[source].id, DEBIT, amount // 2),
                    entry(accounts[target].id, CREDIT, amount),
                ],
            )
            if amount > 1
            else transfer(accounts[source].id, accounts[target].id, amount, status=POSTED)
        )

    await asyncio.gather(*(client.transactions.CreateLedgerTransaction(r) for r in requests))

    for index, account in enumerate(accounts):
        after = await get_account(client, account.id)
        assert after.balances.posted_balance.amount == expected[index]
        touched = sum(1 for s, step, _ in transfers if index in (s, (s + step) % 8))
        assert after.lock_version == touched
    await assert_every_invariant_holds(pool)


async def test_concurrent_posts_and_archives_of_the_same_transactions_apply_once(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    ledger = await create_ledger(client)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    pending = [await create_transaction(client, transfer(wallet.id, cash.id, 10)) for _ in range(20)]

    async def change(transaction_id: str, status: int) -> bool:
        try:
            await client.transactions.UpdateLedgerTransaction(
                transaction_pb2.UpdateLedgerTransactionRequest(id=transaction_id, status=status)
            )
            return True
        except grpc.aio.AioRpcError as error:
            assert error_details(error).reason == "ERROR_REASON_INVALID_STATUS_TRANSITION"
            return False

    results = await asyncio.gather(
        *(change(t.id, status) for t in pending for status in (POSTED, common_pb2.LEDGER_TRANSACTION_STATUS_ARCHIVED))
    )
    assert sum(results) == 20  # exactly one of each pair won
    listed = await client.transactions.ListLedgerTransactions(
        transaction_pb2.ListLedgerTransactionsRequest(ledger_account_id=wallet.id, status=POSTED)
    )
    posted = len(listed.ledger_transactions)
    after = await get_account(client, wallet.id)
    assert amounts(after) == (-10 * posted, -10 * posted, -10 * posted)
    assert after.lock_version == 40
    await assert_every_invariant_holds(pool)


async def test_two_servers_on_one_database_never_overdraw_a_shared_wallet(
    client: LedgerdClient, api_key: str, database_url: str, pool: asyncpg.Pool
) -> None:
    # A second server with its own connection pool: only the database can keep the two in step.
    other_pool = await create_pool(database_url, min_size=2, max_size=10)
    other_server = await start_server(other_pool, "127.0.0.1:0")
    try:
        async with LedgerdClient(f"127.0.0.1:{other_server.port}", api_key) as other_client:
            ledger = await create_ledger(client)
            cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
            wallet = await create_account(client, ledger.id, "Wallet")
            await create_transaction(client, transfer(cash.id, wallet.id, 1_000, status=POSTED))
            guard = common_pb2.BalanceCondition(gte=0)
            spend = transaction_pb2.CreateLedgerTransactionRequest(
                ledger_entries=[entry(wallet.id, DEBIT, 3, available_balance_amount=guard), entry(cash.id, CREDIT, 3)]
            )

            async def attempt(via: LedgerdClient) -> bool:
                try:
                    await via.transactions.CreateLedgerTransaction(spend)
                    return True
                except grpc.aio.AioRpcError as error:
                    assert error_details(error).reason == "ERROR_REASON_BALANCE_CONDITION_FAILED"
                    return False

            outcomes = await asyncio.gather(*(attempt(client if n % 2 else other_client) for n in range(400)))
            assert sum(outcomes) == 1_000 // 3
            assert amounts(await get_account(other_client, wallet.id)) == (1, 1_000, 1)
    finally:
        await other_server.stop(0)
        await other_pool.close()
    await assert_every_invariant_holds(pool)
