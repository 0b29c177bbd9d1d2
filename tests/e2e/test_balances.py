"""The three balance views of docs/design.md ("Balance formulas") on every account read and on GetBalances."""

from __future__ import annotations

import pytest

from ledgerd.client import LedgerdClient
from ledgerd.v1 import balance_pb2, transaction_pb2

from .ledger_helpers import (
    ARCHIVED,
    CREDIT_NORMAL,
    DEBIT_NORMAL,
    PENDING,
    POSTED,
    amounts,
    create_account,
    create_ledger,
    create_transaction,
    get_account,
    transfer,
)


def view(balance: object) -> tuple[int, int, int]:
    return balance.credits, balance.debits, balance.amount  # type: ignore[attr-defined]


@pytest.mark.parametrize("normal_balance", [CREDIT_NORMAL, DEBIT_NORMAL])
async def test_every_view_counts_pending_entries_in_both_directions(client: LedgerdClient, normal_balance: int) -> None:
    ledger = await create_ledger(client)
    account = await create_account(client, ledger.id, "Under test", normal_balance=normal_balance)
    other = await create_account(client, ledger.id, "Other side")
    # pc = 1000, pd = 300 posted; qc = 70, qd = 20 pending.
    await create_transaction(client, transfer(other.id, account.id, 1000, status=POSTED))
    await create_transaction(client, transfer(account.id, other.id, 300, status=POSTED))
    await create_transaction(client, transfer(other.id, account.id, 70, status=PENDING))
    await create_transaction(client, transfer(account.id, other.id, 20, status=PENDING))
    # An archived transaction never counts.
    await create_transaction(client, transfer(other.id, account.id, 5, status=ARCHIVED))

    balances = (await get_account(client, account.id)).balances
    sign = 1 if normal_balance == CREDIT_NORMAL else -1
    assert view(balances.posted_balance) == (1000, 300, sign * 700)
    assert view(balances.pending_balance) == (1070, 320, sign * 750)
    if normal_balance == CREDIT_NORMAL:
        assert view(balances.available_balance) == (1000, 320, 680)
    else:
        assert view(balances.available_balance) == (1070, 300, -770)
    assert (await get_account(client, account.id)).lock_version == 4


async def test_posting_and_archiving_move_pending_amounts_where_they_belong(client: LedgerdClient) -> None:
    ledger = await create_ledger(client)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    await create_transaction(client, transfer(cash.id, wallet.id, 1000, status=POSTED))
    hold = await create_transaction(client, transfer(wallet.id, cash.id, 400))
    assert amounts(await get_account(client, wallet.id)) == (600, 1000, 600)

    await client.transactions.UpdateLedgerTransaction(
        transaction_pb2.UpdateLedgerTransactionRequest(id=hold.id, status=POSTED)
    )
    assert amounts(await get_account(client, wallet.id)) == (600, 600, 600)

    released = await create_transaction(client, transfer(wallet.id, cash.id, 100))
    assert amounts(await get_account(client, wallet.id)) == (500, 600, 500)
    await client.transactions.UpdateLedgerTransaction(
        transaction_pb2.UpdateLedgerTransactionRequest(id=released.id, status=ARCHIVED)
    )
    wallet_after = await get_account(client, wallet.id)
    assert amounts(wallet_after) == (600, 600, 600)
    assert wallet_after.lock_version == 5  # deposit, hold, post, second hold, archive


async def test_get_balances_answers_in_the_order_asked_with_lock_versions(client: LedgerdClient) -> None:
    ledger = await create_ledger(client)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    await create_transaction(client, transfer(cash.id, wallet.id, 250, status=POSTED))
    response = await client.balances.GetBalances(
        balance_pb2.GetBalancesRequest(ledger_account_ids=[wallet.id, cash.id, wallet.id])
    )
    answers = response.ledger_account_balances
    assert [a.ledger_account_id for a in answers] == [wallet.id, cash.id, wallet.id]
    assert [a.lock_version for a in answers] == [1, 1, 1]
    assert [a.balances.posted_balance.amount for a in answers] == [250, 250, 250]
    assert answers[0].balances == (await get_account(client, wallet.id)).balances


async def test_iso_currencies_take_their_exponent_and_custom_ones_need_one(client: LedgerdClient) -> None:
    ledger = await create_ledger(client)
    yen = await create_account(client, ledger.id, "Yen", currency="JPY")
    dinar = await create_account(client, ledger.id, "Dinar", currency="KWD")
    points = await create_account(client, ledger.id, "Points", currency="POINTS", currency_exponent=0)
    satoshis = await create_account(client, ledger.id, "Bitcoin", currency="BTC", currency_exponent=8)
    assert [a.currency_exponent for a in (yen, dinar, points, satoshis)] == [0, 3, 0, 8]
    other = await create_account(client, ledger.id, "Other BTC", currency="BTC", currency_exponent=8)
    await create_transaction(client, transfer(other.id, satoshis.id, 2_100_000_000_000_000, status=POSTED))
    posted = (await get_account(client, satoshis.id)).balances.posted_balance
    assert (posted.amount, posted.currency, posted.currency_exponent) == (2_100_000_000_000_000, "BTC", 8)


async def test_a_multi_currency_transaction_balances_per_currency(client: LedgerdClient) -> None:
    ledger = await create_ledger(client)
    usd_a = await create_account(client, ledger.id, "USD A")
    usd_b = await create_account(client, ledger.id, "USD B")
    eur_a = await create_account(client, ledger.id, "EUR A", currency="EUR")
    eur_b = await create_account(client, ledger.id, "EUR B", currency="EUR")
    request = transfer(usd_a.id, usd_b.id, 100, status=POSTED)
    request.ledger_entries.extend(transfer(eur_a.id, eur_b.id, 92).ledger_entries)
    created = await create_transaction(client, request)
    assert len(created.ledger_entries) == 4
    assert {e.ledger_account_currency for e in created.ledger_entries} == {"USD", "EUR"}
    assert (await get_account(client, eur_b.id)).balances.posted_balance.amount == 92
