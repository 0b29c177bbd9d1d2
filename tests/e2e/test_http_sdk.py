"""Modern Treasury's REST API on ledgerd, driven by MT's own Python SDK with only its base URL
changed: the seeds' digital-wallet tutorial with its exact numbers, the transaction lifecycle,
refusals that write nothing, idempotency, pagination, categories, reversals and tenancy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import modern_treasury
import pytest
from modern_treasury import AsyncModernTreasury

from ledgerd.client import LedgerdClient
from ledgerd.v1 import ledger_pb2, transaction_pb2

from .http_helpers import Organization, mt_client, new_organization
from .ledger_helpers import CREDIT, DEBIT, POSTED, entry


@pytest.fixture
async def organization(pool: asyncpg.Pool) -> Organization:
    return await new_organization(pool)


@pytest.fixture
async def mt(http_base: str, organization: Organization) -> AsyncIterator[AsyncModernTreasury]:
    async with mt_client(http_base, organization) as client:
        yield client


def error_of(refusal: modern_treasury.APIStatusError) -> dict[str, Any]:
    """MT's error object: {"code", "message", "parameter"} (and ledgerd's "reason")."""
    assert isinstance(refusal.body, dict)
    errors: dict[str, Any] = refusal.body["errors"]
    return errors


async def wallet_ledger(mt: AsyncModernTreasury) -> tuple[str, str, str, str]:
    """The tutorial's chart of accounts: (ledger, cash, Jane, John) ids."""
    ledger = await mt.ledgers.create(name="SendCash Ledger", description="Represents our USD funds and user balances")
    cash = await mt.ledger_accounts.create(
        name="Cash Account", description="Tracks our cash", normal_balance="debit", currency="USD", ledger_id=ledger.id
    )
    jane = await mt.ledger_accounts.create(
        name="Jane Doe Wallet",
        description="Tracks balance held on behalf of Jane Doe",
        normal_balance="credit",
        currency="USD",
        ledger_id=ledger.id,
    )
    john = await mt.ledger_accounts.create(
        name="John Doe Wallet",
        description="Tracks balance held on behalf of John Doe",
        normal_balance="credit",
        currency="USD",
        ledger_id=ledger.id,
    )
    return ledger.id, cash.id, jane.id, john.id


def move(
    debit_id: str, credit_id: str, amount: int
) -> list[modern_treasury.types.shared_params.LedgerEntryCreateRequest]:
    return [
        {"amount": amount, "direction": "debit", "ledger_account_id": debit_id},
        {"amount": amount, "direction": "credit", "ledger_account_id": credit_id},
    ]


async def test_the_digital_wallet_tutorial_gives_janes_balances_and_lock_version(mt: AsyncModernTreasury) -> None:
    ledger_id, cash, jane, john = await wallet_ledger(mt)
    deposit = await mt.ledger_transactions.create(
        description="Jane Doe cash deposit",
        effective_date="2020-08-27",
        status="posted",
        external_id="97dbb8b1-e6f2-485e-a0ec-6267e3c60718",
        ledger_entries=move(cash, jane, 10000),
    )
    await mt.ledger_transactions.create(
        description="Jane Doe wallet transfer to John Doe",
        effective_date="2020-08-29",
        status="posted",
        external_id="c006a6df-72ff-4cbf-aa4a-c18dde4b05c5",
        ledger_entries=move(jane, john, 5000),
    )
    await mt.ledger_transactions.create(
        description="John Doe cash withdrawal",
        effective_date="2020-08-30",
        status="posted",
        external_id="a9a7fd22-8922-498a-b8b3-def4df72d5e4",
        ledger_entries=move(john, cash, 5000),
    )
    account = await mt.ledger_accounts.retrieve(jane)
    assert account.object == "ledger_account"
    assert account.ledger_id == ledger_id
    assert account.name == "Jane Doe Wallet"
    assert account.normal_balance == "credit"
    assert account.lock_version == 2
    for balance in (account.balances.pending_balance, account.balances.posted_balance):
        assert (balance.credits, balance.debits, balance.amount) == (10000, 5000, 5000)
        assert (balance.currency, balance.currency_exponent) == ("USD", 2)
        assert (balance.credits_string, balance.debits_string, balance.amount_string) == ("10000", "5000", "5000")
    assert account.balances.available_balance.amount == 5000
    assert deposit.status == "posted"
    assert str(deposit.effective_date) == "2020-08-27"
    assert deposit.ledger_id == ledger_id
    cash_account = await mt.ledger_accounts.retrieve(cash)
    assert cash_account.balances.posted_balance.amount == 5000


async def test_a_pending_transaction_posts_once_and_is_then_immutable(mt: AsyncModernTreasury) -> None:
    _, cash, jane, _ = await wallet_ledger(mt)
    pending = await mt.ledger_transactions.create(status="pending", ledger_entries=move(cash, jane, 700))
    before = await mt.ledger_accounts.retrieve(jane)
    assert (before.balances.pending_balance.amount, before.balances.posted_balance.amount) == (700, 0)
    posted = await mt.ledger_transactions.update(pending.id, status="posted")
    assert posted.status == "posted"
    assert posted.posted_at is not None
    with pytest.raises(modern_treasury.UnprocessableEntityError) as refused:
        await mt.ledger_transactions.update(pending.id, status="archived")
    assert refused.value.status_code == 422
    assert error_of(refused.value)["code"] == "parameter_invalid"
    after = await mt.ledger_accounts.retrieve(jane)
    assert after.balances.posted_balance.amount == 700
    assert (await mt.ledger_transactions.retrieve(pending.id)).status == "posted"
    versions = [v async for v in mt.ledger_transactions.versions.list(ledger_transaction_id=pending.id)]
    assert sorted((v.version, v.status) for v in versions) == [(0, "pending"), (1, "posted")]


async def test_a_failed_balance_condition_is_422_and_writes_nothing(mt: AsyncModernTreasury) -> None:
    _, cash, jane, john = await wallet_ledger(mt)
    await mt.ledger_transactions.create(status="posted", ledger_entries=move(cash, jane, 1000))
    before = await mt.ledger_accounts.retrieve(jane)
    with pytest.raises(modern_treasury.UnprocessableEntityError) as refused:
        await mt.ledger_transactions.create(
            status="pending",
            ledger_entries=[
                {
                    "amount": 1500,
                    "direction": "debit",
                    "ledger_account_id": jane,
                    "available_balance_amount": {"gte": 0},
                },
                {"amount": 1500, "direction": "credit", "ledger_account_id": john},
            ],
        )
    assert error_of(refused.value)["reason"] == "ERROR_REASON_BALANCE_CONDITION_FAILED"
    after = await mt.ledger_accounts.retrieve(jane)
    assert after.lock_version == before.lock_version
    assert after.balances == before.balances
    transactions = [t async for t in mt.ledger_transactions.list(ledger_account_id=john)]
    assert transactions == []


async def test_a_lock_version_that_moved_is_422(mt: AsyncModernTreasury) -> None:
    _, cash, jane, _ = await wallet_ledger(mt)
    await mt.ledger_transactions.create(status="posted", ledger_entries=move(cash, jane, 10))
    with pytest.raises(modern_treasury.UnprocessableEntityError) as refused:
        await mt.ledger_transactions.create(
            status="posted",
            ledger_entries=[
                {"amount": 5, "direction": "debit", "ledger_account_id": jane, "lock_version": 0},
                {"amount": 5, "direction": "credit", "ledger_account_id": cash},
            ],
        )
    assert error_of(refused.value)["reason"] == "ERROR_REASON_LOCK_VERSION_MISMATCH"
    assert (await mt.ledger_accounts.retrieve(jane)).lock_version == 1


async def test_an_idempotency_key_replays_its_first_answer_and_refuses_another_body(mt: AsyncModernTreasury) -> None:
    _, cash, jane, _ = await wallet_ledger(mt)
    first = await mt.ledger_transactions.create(
        status="posted", ledger_entries=move(cash, jane, 300), idempotency_key="deposit-1"
    )
    again = await mt.ledger_transactions.create(
        status="posted", ledger_entries=move(cash, jane, 300), idempotency_key="deposit-1"
    )
    assert again.id == first.id
    assert again.ledger_entries[0].id == first.ledger_entries[0].id
    with pytest.raises(modern_treasury.ConflictError) as refused:
        await mt.ledger_transactions.create(
            status="posted", ledger_entries=move(cash, jane, 301), idempotency_key="deposit-1"
        )
    assert error_of(refused.value)["reason"] == "ERROR_REASON_IDEMPOTENCY_KEY_REUSED"
    account = await mt.ledger_accounts.retrieve(jane)
    assert (account.balances.posted_balance.amount, account.lock_version) == (300, 1)


async def test_lists_auto_paginate_over_several_pages(mt: AsyncModernTreasury) -> None:
    ledger = await mt.ledgers.create(name="Paged")
    created = [
        (
            await mt.ledger_accounts.create(
                ledger_id=ledger.id,
                name=f"Wallet {n}",
                currency="USD",
                normal_balance="credit",
                metadata={"n": str(n % 2)},
            )
        ).id
        for n in range(7)
    ]
    first_page = await mt.ledger_accounts.list(ledger_id=ledger.id, per_page=3)
    assert len(first_page.items) == 3
    assert first_page.has_next_page()
    listed = [account.id async for account in mt.ledger_accounts.list(ledger_id=ledger.id, per_page=3)]
    assert sorted(listed) == sorted(created)
    odd = [
        account.id async for account in mt.ledger_accounts.list(ledger_id=ledger.id, metadata={"n": "1"}, per_page=2)
    ]
    assert sorted(odd) == sorted(created[1::2])


async def test_categories_sum_their_accounts_and_nested_categories(mt: AsyncModernTreasury) -> None:
    ledger_id, cash, jane, john = await wallet_ledger(mt)
    await mt.ledger_transactions.create(status="posted", ledger_entries=move(cash, jane, 4000))
    await mt.ledger_transactions.create(status="posted", ledger_entries=move(cash, john, 600))
    wallets = await mt.ledger_account_categories.create(
        ledger_id=ledger_id, name="User wallets", currency="USD", normal_balance="credit"
    )
    janes = await mt.ledger_account_categories.create(
        ledger_id=ledger_id, name="Jane's wallets", currency="USD", normal_balance="credit"
    )
    await mt.ledger_account_categories.add_ledger_account(jane, id=janes.id)
    await mt.ledger_account_categories.add_nested_category(janes.id, id=wallets.id)
    await mt.ledger_account_categories.add_ledger_account(john, id=wallets.id)
    category = await mt.ledger_account_categories.retrieve(wallets.id)
    assert category.balances.posted_balance.amount == 4600
    containing_jane = [c.id async for c in mt.ledger_account_categories.list(ledger_account_id=jane)]
    assert sorted(containing_jane) == sorted([wallets.id, janes.id])
    await mt.ledger_account_categories.remove_ledger_account(john, id=wallets.id)
    assert (await mt.ledger_account_categories.retrieve(wallets.id)).balances.posted_balance.amount == 4000
    await mt.ledger_account_categories.remove_nested_category(janes.id, id=wallets.id)
    assert (await mt.ledger_account_categories.retrieve(wallets.id)).balances.posted_balance.amount == 0


async def test_a_reversal_undoes_a_posted_transaction_once(mt: AsyncModernTreasury) -> None:
    _, cash, jane, _ = await wallet_ledger(mt)
    deposit = await mt.ledger_transactions.create(status="posted", ledger_entries=move(cash, jane, 2500))
    reversal = await mt.ledger_transactions.create_reversal(deposit.id, description="refund")
    assert reversal.reverses_ledger_transaction_id == deposit.id
    assert reversal.status == "posted"
    assert {(e.ledger_account_id, e.direction) for e in reversal.ledger_entries} == {(jane, "debit"), (cash, "credit")}
    assert (await mt.ledger_transactions.retrieve(deposit.id)).reversed_by_ledger_transaction_id == reversal.id
    assert (await mt.ledger_accounts.retrieve(jane)).balances.posted_balance.amount == 0
    with pytest.raises(modern_treasury.UnprocessableEntityError):
        await mt.ledger_transactions.create_reversal(deposit.id)
    assert (await mt.ledger_accounts.retrieve(jane)).balances.posted_balance.amount == 0


async def test_another_organizations_ids_answer_404(
    mt: AsyncModernTreasury, http_base: str, pool: asyncpg.Pool
) -> None:
    ledger_id, cash, jane, _ = await wallet_ledger(mt)
    deposit = await mt.ledger_transactions.create(status="posted", ledger_entries=move(cash, jane, 100))
    async with mt_client(http_base, await new_organization(pool)) as other:
        for retrieve, resource_id in (
            (other.ledgers.retrieve, ledger_id),
            (other.ledger_accounts.retrieve, jane),
            (other.ledger_transactions.retrieve, deposit.id),
            (other.ledger_entries.retrieve, deposit.ledger_entries[0].id),
        ):
            with pytest.raises(modern_treasury.NotFoundError):
                await retrieve(resource_id)
        with pytest.raises(modern_treasury.NotFoundError):
            await other.ledger_transactions.create(status="posted", ledger_entries=move(cash, jane, 100))
        assert [t async for t in other.ledger_transactions.list()] == []
    assert (await mt.ledger_accounts.retrieve(jane)).balances.posted_balance.amount == 100


async def test_the_organization_name_or_id_with_its_key_is_accepted_and_nothing_else(
    http_base: str, organization: Organization, pool: asyncpg.Pool
) -> None:
    by_name = Organization(organization.name, organization.name, organization.api_key)
    async with mt_client(http_base, by_name) as client:
        assert [ledger async for ledger in client.ledgers.list()] == []
    other = await new_organization(pool)
    for wrong in (
        Organization(organization.id, organization.name, "ldg_not-a-key"),
        Organization(other.id, other.name, organization.api_key),
        Organization("someone", "someone", organization.api_key),
    ):
        async with mt_client(http_base, wrong) as client:
            with pytest.raises(modern_treasury.AuthenticationError):
                await client.ledgers.create(name="never written")
    async with mt_client(http_base, organization) as client:
        assert [ledger async for ledger in client.ledgers.list()] == []


async def test_a_transaction_written_over_rest_is_the_same_over_grpc(
    mt: AsyncModernTreasury, target: str, organization: Organization
) -> None:
    _, cash, jane, _ = await wallet_ledger(mt)
    written = await mt.ledger_transactions.create(
        status="posted", ledger_entries=move(cash, jane, 1234), metadata={"kind": "deposit"}, idempotency_key="shared"
    )
    async with LedgerdClient(target, organization.api_key) as grpc_client:
        # The same request over gRPC with the same key: one idempotency store, so a replay.
        replayed = await grpc_client.transactions.CreateLedgerTransaction(
            transaction_pb2.CreateLedgerTransactionRequest(
                ledger_entries=[entry(cash, DEBIT, 1234), entry(jane, CREDIT, 1234)],
                status=POSTED,
                metadata={"kind": "deposit"},
                idempotency_key="shared",
            )
        )
        assert replayed.ledger_transaction.id == written.id
        got = (
            await grpc_client.transactions.GetLedgerTransaction(
                transaction_pb2.GetLedgerTransactionRequest(id=written.id)
            )
        ).ledger_transaction
        account = (
            await grpc_client.ledgers.GetLedgerAccount(ledger_pb2.GetLedgerAccountRequest(id=jane))
        ).ledger_account
    assert got.id == written.id
    assert dict(got.metadata) == {"kind": "deposit"}
    assert sorted((e.id, e.ledger_account_id, e.amount) for e in got.ledger_entries) == sorted(
        (e.id, e.ledger_account_id, e.amount) for e in written.ledger_entries
    )
    over_rest = await mt.ledger_accounts.retrieve(jane)
    assert account.lock_version == over_rest.lock_version == 1
    assert account.balances.posted_balance.amount == over_rest.balances.posted_balance.amount == 1234
    assert account.balances.posted_balance.credits == over_rest.balances.posted_balance.credits == 1234
