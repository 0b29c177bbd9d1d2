"""Authentication and tenancy: a key sees only its organization; anyone else's id is NOT_FOUND,
never a hint that it exists. Health and reflection need no key."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from ledgerd.client import LedgerdClient
from ledgerd.server.core.api_keys import create_api_key
from ledgerd.v1 import balance_pb2, event_pb2, hold_pb2, ledger_pb2, ledger_pb2_grpc, monitor_pb2, transaction_pb2

from .ledger_helpers import DEBIT_NORMAL, POSTED, create_account, create_ledger, create_transaction, refused, transfer

NOT_FOUND = grpc.StatusCode.NOT_FOUND


@pytest.fixture
async def stranger(pool: asyncpg.Pool, target: str) -> AsyncIterator[LedgerdClient]:
    """A client of another organization."""
    _, key = await create_api_key(pool, f"stranger-{uuid.uuid4()}")
    async with LedgerdClient(target, key) as client:
        yield client


@pytest.mark.parametrize(
    "metadata",
    [(), (("authorization", "Bearer ldg_unknown"),), (("authorization", "Basic abc"),), (("authorization", "Bearer"),)],
    ids=["no key", "unknown key", "another scheme", "empty key"],
)
async def test_a_call_without_a_valid_key_is_unauthenticated(
    target: str, metadata: tuple[tuple[str, str], ...]
) -> None:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = ledger_pb2_grpc.LedgerServiceStub(channel)
        await refused(
            stub.ListLedgers(ledger_pb2.ListLedgersRequest(), metadata=metadata),
            grpc.StatusCode.UNAUTHENTICATED,
            "UNAUTHENTICATED",
        )


async def test_another_organizations_ids_are_not_found_everywhere(
    client: LedgerdClient, stranger: LedgerdClient
) -> None:
    ledger = await create_ledger(client)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    transaction = await create_transaction(client, transfer(cash.id, wallet.id, 100, status=POSTED))
    hold = (
        await client.holds.PlaceHold(
            hold_pb2.PlaceHoldRequest(ledger_account_id=wallet.id, counter_ledger_account_id=cash.id, amount=10)
        )
    ).hold
    theirs = await create_ledger(stranger)
    their_account = await create_account(stranger, theirs.id, "Theirs")

    calls = [
        (stranger.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=ledger.id)), "LEDGER_NOT_FOUND"),
        (stranger.ledgers.UpdateLedger(ledger_pb2.UpdateLedgerRequest(id=ledger.id, name="mine")), "LEDGER_NOT_FOUND"),
        (
            stranger.ledgers.GetLedgerAccount(ledger_pb2.GetLedgerAccountRequest(id=wallet.id)),
            "LEDGER_ACCOUNT_NOT_FOUND",
        ),
        (
            stranger.ledgers.UpdateLedgerAccount(ledger_pb2.UpdateLedgerAccountRequest(id=wallet.id, name="mine")),
            "LEDGER_ACCOUNT_NOT_FOUND",
        ),
        (
            stranger.ledgers.CreateLedgerAccount(
                ledger_pb2.CreateLedgerAccountRequest(
                    ledger_id=ledger.id, name="x", normal_balance=DEBIT_NORMAL, currency="USD"
                )
            ),
            "LEDGER_NOT_FOUND",
        ),
        (
            stranger.transactions.GetLedgerTransaction(transaction_pb2.GetLedgerTransactionRequest(id=transaction.id)),
            "LEDGER_TRANSACTION_NOT_FOUND",
        ),
        (
            stranger.transactions.ReverseLedgerTransaction(
                transaction_pb2.ReverseLedgerTransactionRequest(id=transaction.id)
            ),
            "LEDGER_TRANSACTION_NOT_FOUND",
        ),
        (
            stranger.transactions.GetLedgerEntry(
                transaction_pb2.GetLedgerEntryRequest(id=transaction.ledger_entries[0].id)
            ),
            "LEDGER_ENTRY_NOT_FOUND",
        ),
        (
            stranger.transactions.CreateLedgerTransaction(transfer(wallet.id, their_account.id, 1)),
            "LEDGER_ACCOUNT_NOT_FOUND",
        ),
        (
            stranger.balances.GetBalances(balance_pb2.GetBalancesRequest(ledger_account_ids=[wallet.id])),
            "LEDGER_ACCOUNT_NOT_FOUND",
        ),
        (stranger.holds.GetHold(hold_pb2.GetHoldRequest(id=hold.id)), "HOLD_NOT_FOUND"),
        (stranger.holds.ReleaseHold(hold_pb2.ReleaseHoldRequest(hold_id=hold.id)), "HOLD_NOT_FOUND"),
        (
            stranger.holds.PlaceHold(
                hold_pb2.PlaceHoldRequest(ledger_account_id=wallet.id, counter_ledger_account_id=cash.id, amount=1)
            ),
            "LEDGER_ACCOUNT_NOT_FOUND",
        ),
    ]
    for call, reason in calls:
        await refused(call, NOT_FOUND, reason)

    # A foreign id reads exactly like an id nobody has.
    foreign = await refused(
        stranger.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=ledger.id)), NOT_FOUND, "LEDGER_NOT_FOUND"
    )
    nobody_id = str(uuid.uuid4())
    nobody = await refused(
        stranger.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=nobody_id)), NOT_FOUND, "LEDGER_NOT_FOUND"
    )
    assert foreign.message.replace(ledger.id, "ID") == nobody.message.replace(nobody_id, "ID")


async def test_lists_show_only_the_callers_own_resources(client: LedgerdClient, stranger: LedgerdClient) -> None:
    ledger = await create_ledger(client, "Mine")
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    await create_transaction(client, transfer(cash.id, wallet.id, 100, status=POSTED))
    assert list((await stranger.ledgers.ListLedgers(ledger_pb2.ListLedgersRequest())).ledgers) == []
    assert (
        list((await stranger.ledgers.ListLedgerAccounts(ledger_pb2.ListLedgerAccountsRequest())).ledger_accounts) == []
    )
    listed = await stranger.transactions.ListLedgerTransactions(transaction_pb2.ListLedgerTransactionsRequest())
    assert list(listed.ledger_transactions) == []
    # Filtered by another organization's ledger or account: NOT_FOUND, as for an unknown one.
    for call, request in (
        (stranger.transactions.ListLedgerTransactions, transaction_pb2.ListLedgerTransactionsRequest),
        (stranger.ledgers.ListLedgerAccounts, ledger_pb2.ListLedgerAccountsRequest),
        (stranger.events.ListLedgerEventHandlers, event_pb2.ListLedgerEventHandlersRequest),
    ):
        await refused(call(request(ledger_id=ledger.id)), NOT_FOUND, "LEDGER_NOT_FOUND")
    for call, request in (
        (stranger.transactions.ListLedgerTransactions, transaction_pb2.ListLedgerTransactionsRequest),
        (stranger.transactions.ListLedgerEntries, transaction_pb2.ListLedgerEntriesRequest),
        (stranger.holds.ListHolds, hold_pb2.ListHoldsRequest),
        (stranger.monitors.ListLedgerAccountBalanceMonitors, monitor_pb2.ListLedgerAccountBalanceMonitorsRequest),
    ):
        await refused(call(request(ledger_account_id=wallet.id)), NOT_FOUND, "LEDGER_ACCOUNT_NOT_FOUND")
    transaction_id = (
        (
            await client.transactions.ListLedgerTransactions(
                transaction_pb2.ListLedgerTransactionsRequest(ledger_id=ledger.id)
            )
        )
        .ledger_transactions[0]
        .id
    )
    await refused(
        stranger.transactions.ListLedgerEntries(
            transaction_pb2.ListLedgerEntriesRequest(ledger_transaction_id=transaction_id)
        ),
        NOT_FOUND,
        "LEDGER_TRANSACTION_NOT_FOUND",
    )
    assert [x.name for x in (await client.ledgers.ListLedgers(ledger_pb2.ListLedgersRequest())).ledgers] == ["Mine"]


async def test_health_and_reflection_answer_without_a_key(target: str) -> None:
    async with grpc.aio.insecure_channel(target) as channel:
        health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        service = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="ledgerd.v1.TransactionService")
        )
        assert service.status == health_pb2.HealthCheckResponse.SERVING

        async def ask() -> AsyncIterator[reflection_pb2.ServerReflectionRequest]:
            yield reflection_pb2.ServerReflectionRequest(list_services="")

        answers = [a async for a in reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(ask())]
        names = {s.name for s in answers[0].list_services_response.service}
        assert {
            "ledgerd.v1.LedgerService",
            "ledgerd.v1.TransactionService",
            "ledgerd.v1.BalanceService",
            "ledgerd.v1.HoldService",
            "grpc.health.v1.Health",
        } <= names
