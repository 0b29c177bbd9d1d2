"""The rest of /api with MT's SDK: balance monitors, statements, entries as of a lock version, and
(through the SDK's generic post, as MT's SDK 1.80 no longer wraps them) the event-handler tutorial's
handler and event, sent exactly as printed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from modern_treasury import AsyncModernTreasury

from .event_helpers import TOP_UP_EVENT, TOP_UP_HANDLER
from .http_helpers import Organization, mt_client, new_organization


@pytest.fixture
async def mt(http_base: str, pool: asyncpg.Pool) -> AsyncIterator[AsyncModernTreasury]:
    organization: Organization = await new_organization(pool)
    async with mt_client(http_base, organization) as client:
        yield client


async def two_accounts(mt: AsyncModernTreasury) -> tuple[str, str, str]:
    ledger = await mt.ledgers.create(name="Wallets")
    cash = await mt.ledger_accounts.create(ledger_id=ledger.id, name="Cash", currency="USD", normal_balance="debit")
    wallet = await mt.ledger_accounts.create(
        ledger_id=ledger.id, name="Wallet", currency="USD", normal_balance="credit"
    )
    return ledger.id, cash.id, wallet.id


def move(debit_id: str, credit_id: str, amount: int) -> list[Any]:
    return [
        {"amount": amount, "direction": "debit", "ledger_account_id": debit_id},
        {"amount": amount, "direction": "credit", "ledger_account_id": credit_id},
    ]


async def test_a_balance_monitor_reports_whether_its_condition_holds(mt: AsyncModernTreasury) -> None:
    _, cash, wallet = await two_accounts(mt)
    monitor = await mt.ledger_account_balance_monitors.create(
        ledger_account_id=wallet,
        alert_condition={"field": "available_balance_amount", "operator": "greater_than", "value": 500},
        description="big balance",
    )
    assert monitor.alert_condition.operator == "greater_than"
    assert monitor.current_ledger_account_balance_state.triggered is False
    await mt.ledger_transactions.create(status="posted", ledger_entries=move(cash, wallet, 900))
    again = await mt.ledger_account_balance_monitors.retrieve(monitor.id)
    assert again.current_ledger_account_balance_state.triggered is True
    assert again.current_ledger_account_balance_state.ledger_account_lock_version == 1
    listed = [m.id async for m in mt.ledger_account_balance_monitors.list(ledger_account_id=wallet)]
    assert listed == [monitor.id]


async def test_a_statement_gives_the_periods_balances_and_entries(mt: AsyncModernTreasury) -> None:
    _, cash, wallet = await two_accounts(mt)
    for day, amount in ((1, 100), (10, 250), (20, 4000)):
        await mt.ledger_transactions.create(
            status="posted", effective_at=datetime(2025, 6, day, tzinfo=UTC), ledger_entries=move(cash, wallet, amount)
        )
    statement = await mt.ledger_account_statements.create(
        ledger_account_id=wallet,
        effective_at_lower_bound=datetime(2025, 6, 5, tzinfo=UTC),
        effective_at_upper_bound=datetime(2025, 6, 15, tzinfo=UTC),
    )
    assert statement.starting_balance.posted_balance.amount == 100
    assert statement.ending_balance.posted_balance.amount == 350
    assert statement.ledger_account_lock_version == 3
    assert [e["amount"] for e in statement.ledger_entries] == [250]  # type: ignore[attr-defined]


async def test_entries_list_as_of_a_lock_version(mt: AsyncModernTreasury) -> None:
    _, cash, wallet = await two_accounts(mt)
    for amount in (10, 20, 30):
        await mt.ledger_transactions.create(status="posted", ledger_entries=move(cash, wallet, amount))
    at_two = [e.amount async for e in mt.ledger_entries.list(ledger_account_id=wallet, as_of_lock_version=2)]
    assert sorted(at_two) == [10, 20]
    credits = [e.amount async for e in mt.ledger_entries.list(ledger_account_id=cash, direction="credit")]
    assert credits == []


async def test_the_event_handler_tutorials_handler_and_event_write_the_transaction(mt: AsyncModernTreasury) -> None:
    ledger = await mt.ledgers.create(name="Top ups")
    user = {"user_id": "1234567890"}
    wallet = await mt.ledger_accounts.create(
        ledger_id=ledger.id,
        name="Jane's Wallet",
        currency="USD",
        normal_balance="credit",
        metadata={**user, "type": "wallet"},
    )
    top_up = await mt.ledger_accounts.create(
        ledger_id=ledger.id, name="Top up", currency="USD", normal_balance="debit", metadata={**user, "type": "top_up"}
    )
    handler: Any = await mt.post(
        "/api/ledger_event_handlers", body={**TOP_UP_HANDLER, "ledger_id": ledger.id}, cast_to=object
    )
    assert handler["object"] == "ledger_event_handler"
    event: Any = await mt.post("/api/ledgerable_events", body={**TOP_UP_EVENT, "ledger_id": ledger.id}, cast_to=object)
    assert event["ledger_event_handler_id"] == handler["id"]
    transaction = await mt.ledger_transactions.retrieve(event["ledger_transaction_id"])
    assert transaction.description == "Top up for Jane's Wallet"
    assert transaction.metadata == {"external_transaction_id": "123456"}
    assert (await mt.ledger_accounts.retrieve(wallet.id)).balances.posted_balance.amount == 1500
    assert (await mt.ledger_accounts.retrieve(top_up.id)).balances.posted_balance.amount == 1500
    archived: Any = await mt.delete(f"/api/ledger_event_handlers/{handler['id']}", cast_to=object)
    assert archived["discarded_at"] is not None
