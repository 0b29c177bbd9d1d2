"""The adapters' HTTP server on a random port against the real ledgerd of the session, and a card
program per test: a ledger, its settlement account, a funding account, and wallets found by card
metadata."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from ledgerd.adapters.app import Settings, create_app
from ledgerd.adapters.ledger import CardLedger
from ledgerd.client import LedgerdClient
from ledgerd.v1 import hold_pb2, ledger_pb2, transaction_pb2
from tests.e2e.ledger_helpers import (
    DEBIT_NORMAL,
    POSTED,
    amounts,
    create_account,
    create_ledger,
    create_transaction,
    get_account,
    transfer,
)

LITHIC_SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()
STRIPE_SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()
MARQETA_USERNAME, MARQETA_PASSWORD = "ledgerd_gateway", "Gw-password-0123456789!"
# Far above any ledger call of a healthy test run: only the slow-ledger tests decline on time.
GENEROUS_BUDGET_SECONDS = 30.0


@dataclass
class Adapter:
    url: str
    http: aiohttp.ClientSession
    client: LedgerdClient
    ledger: CardLedger
    funding: ledger_pb2.LedgerAccount

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        async with self.http.post(self.url + path, data=body, headers=headers) as response:
            text = await response.text()
            return response.status, json.loads(text) if text else None, dict(response.headers)

    async def wallet(self, metadata_key: str, card: str, balance: int = 0, currency: str = "USD") -> str:
        """A credit-normal wallet of the program, funded with `balance` (posted)."""
        account = await create_account(
            self.client,
            self.ledger.settlement.ledger_id,
            f"Wallet {card}",
            currency=currency,
            metadata={metadata_key: card},
        )
        if balance:
            await create_transaction(self.client, transfer(self.funding.id, account.id, balance, status=POSTED))
        return str(account.id)

    async def balances(self, account_id: str) -> tuple[int, int, int]:
        """(pending, posted, available)."""
        return amounts(await get_account(self.client, account_id))

    async def holds(self, account_id: str) -> list[hold_pb2.Hold]:
        request = hold_pb2.ListHoldsRequest(ledger_account_id=account_id)
        return list((await self.client.holds.ListHolds(request)).holds)

    async def hold(self, external_id: str) -> hold_pb2.Hold:
        hold = await self.ledger.find_hold(external_id)
        assert hold is not None, f"no hold for {external_id}"
        return hold

    async def transactions(self, account_id: str) -> list[transaction_pb2.LedgerTransaction]:
        request = transaction_pb2.ListLedgerTransactionsRequest(ledger_account_id=account_id, page_size=100)
        return list((await self.client.transactions.ListLedgerTransactions(request)).ledger_transactions)


async def start_adapter(
    client: LedgerdClient, budget_seconds: float = GENEROUS_BUDGET_SECONDS
) -> tuple[web.AppRunner, CardLedger, ledger_pb2.LedgerAccount]:
    ledger_pb = await create_ledger(client, "Card program")
    settlement = await create_account(client, ledger_pb.id, "Settlement", normal_balance=DEBIT_NORMAL)
    funding = await create_account(client, ledger_pb.id, "Funding", normal_balance=DEBIT_NORMAL)
    ledger = await CardLedger.open(client, settlement.id)
    settings = Settings(
        lithic_webhook_secret=LITHIC_SECRET,
        stripe_webhook_secret=STRIPE_SECRET,
        marqeta_username=MARQETA_USERNAME,
        marqeta_password=MARQETA_PASSWORD,
        lithic_budget_seconds=budget_seconds,
        marqeta_budget_seconds=budget_seconds,
        stripe_budget_seconds=budget_seconds,
    )
    runner = web.AppRunner(create_app(ledger, settings))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, ledger, funding


async def adapter_with_budget(client: LedgerdClient, budget_seconds: float) -> AsyncIterator[Adapter]:
    runner, ledger, funding = await start_adapter(client, budget_seconds)
    port = runner.addresses[0][1]
    async with aiohttp.ClientSession() as http:
        yield Adapter(f"http://127.0.0.1:{port}", http, client, ledger, funding)
    await runner.cleanup()


@pytest.fixture
async def adapter(client: LedgerdClient) -> AsyncIterator[Adapter]:
    async for running in adapter_with_budget(client, GENEROUS_BUDGET_SECONDS):
        yield running


# The slow-ledger tests: a budget far below how long the test keeps the ledger blocked.
SMALL_BUDGET_SECONDS = 0.3


@pytest.fixture
async def impatient_adapter(client: LedgerdClient) -> AsyncIterator[Adapter]:
    async for running in adapter_with_budget(client, SMALL_BUDGET_SECONDS):
        yield running


class WalletLocked:
    """Holds the ledger's own advisory lock of one account in an open database transaction, as a
    concurrent writer would: every write on that account (a PlaceHold) waits until `release`."""

    def __init__(self, pool: asyncpg.Pool, account_id: str) -> None:
        self.pool, self.account_id = pool, account_id
        self.released = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> WalletLocked:
        locked = asyncio.Event()

        async def hold_lock() -> None:
            async with self.pool.acquire() as connection, connection.transaction():
                await connection.execute(
                    "SELECT pg_advisory_xact_lock(('x' || right(replace($1::text, '-', ''), 16))::bit(64)::bigint)",
                    self.account_id,
                )
                locked.set()
                await self.released.wait()

        self.task = asyncio.create_task(hold_lock())
        await locked.wait()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.released.set()
        assert self.task is not None
        await self.task


async def eventually(check: Callable[[], Awaitable[bool]], attempts: int = 200) -> None:
    """Waits (up to ~10 s) for something the adapter does after it answered."""
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("never happened")


async def eventually_released(adapter: Adapter, external_id: str) -> None:
    """Waits for the hold of `external_id` to be released (the late hold of a declined answer)."""

    async def released() -> bool:
        hold = await adapter.ledger.find_hold(external_id)
        return hold is not None and hold.status == hold_pb2.HOLD_STATUS_RELEASED

    await eventually(released)


def new_token() -> str:
    return str(uuid.uuid4())
