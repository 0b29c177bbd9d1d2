"""Short ways to build categories and to prove that a refused call wrote nothing, in e2e tests."""

from __future__ import annotations

from typing import Any

import asyncpg

from ledgerd.client import LedgerdClient
from ledgerd.server.core.verify import verify
from ledgerd.v1 import balance_pb2, ledger_pb2

from .ledger_helpers import CREDIT_NORMAL
from .test_tenancy import nobody_writes

# Asserts that the calls inside write no row of any table (the category tables included).
nothing_written = nobody_writes


async def create_category(
    client: LedgerdClient,
    ledger_id: str,
    name: str = "Category",
    *,
    normal_balance: int = CREDIT_NORMAL,
    currency: str = "USD",
    **fields: Any,
) -> ledger_pb2.LedgerAccountCategory:
    response = await client.ledgers.CreateLedgerAccountCategory(
        ledger_pb2.CreateLedgerAccountCategoryRequest(
            ledger_id=ledger_id, name=name, normal_balance=normal_balance, currency=currency, **fields
        )
    )
    return response.ledger_account_category


async def add_account(client: LedgerdClient, category_id: str, account_id: str) -> ledger_pb2.LedgerAccountCategory:
    request = ledger_pb2.AddLedgerAccountToCategoryRequest(
        ledger_account_category_id=category_id, ledger_account_id=account_id
    )
    return (await client.ledgers.AddLedgerAccountToCategory(request)).ledger_account_category


def nest_request(parent_id: str, child_id: str, **fields: Any) -> ledger_pb2.AddCategoryToCategoryRequest:
    return ledger_pb2.AddCategoryToCategoryRequest(
        ledger_account_category_id=parent_id, nested_ledger_account_category_id=child_id, **fields
    )


async def nest(client: LedgerdClient, parent_id: str, child_id: str) -> ledger_pb2.LedgerAccountCategory:
    return (await client.ledgers.AddCategoryToCategory(nest_request(parent_id, child_id))).ledger_account_category


async def get_category(client: LedgerdClient, category_id: str, **fields: Any) -> ledger_pb2.LedgerAccountCategory:
    request = ledger_pb2.GetLedgerAccountCategoryRequest(id=category_id, **fields)
    return (await client.ledgers.GetLedgerAccountCategory(request)).ledger_account_category


async def category_balances(
    client: LedgerdClient, category_id: str, **fields: Any
) -> balance_pb2.LedgerAccountCategoryBalances:
    request = balance_pb2.GetBalancesRequest(ledger_account_category_id=category_id, **fields)
    return (await client.balances.GetBalances(request)).ledger_account_category_balances


async def assert_verified(pool: asyncpg.Pool) -> None:
    assert {check: rows for check, rows in (await verify(pool)).items() if rows} == {}
