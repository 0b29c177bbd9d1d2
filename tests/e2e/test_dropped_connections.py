"""The server's database connections are killed under it (pg_terminate_backend, as a PostgreSQL
restart or a failover does) while calls are in flight: every call either succeeds or is UNAVAILABLE
with ErrorInfo DATABASE_UNAVAILABLE and RetryInfo (never INTERNAL or UNKNOWN), and once the killing
stops the server answers again by itself (the pool replaces the dead connections)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import asyncpg
import grpc
from google.rpc import error_details_pb2, status_pb2

from ledgerd.client import LedgerdClient, error_details
from ledgerd.server.app import RunningServer
from ledgerd.server.core.api_keys import create_api_key
from ledgerd.v1 import balance_pb2, ledger_pb2

from .ledger_helpers import DEBIT_NORMAL, POSTED, create_account, create_ledger, create_transaction, transfer

# Rounds of killing, each while a wave of calls is in flight; the test stops early once enough calls
# have met a killed connection.
KILL_ROUNDS_MAX = 60
CALLS_PER_WAVE = 24
UNAVAILABLE_WANTED = 10


def retry_info(error: grpc.aio.AioRpcError) -> error_details_pb2.RetryInfo | None:
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.RetryInfo()
                if detail.Unpack(info):
                    return info
    return None


async def test_killed_database_connections_give_unavailable_with_retry_info_and_the_server_recovers(
    own_server: tuple[RunningServer, asyncpg.Pool], own_database_url: str
) -> None:
    server, pool = own_server
    _, key = await create_api_key(pool, f"killed-{uuid.uuid4()}")
    async with LedgerdClient(f"127.0.0.1:{server.port}", key) as client:
        ledger = (await create_ledger(client)).id
        cash = (await create_account(client, ledger, "Cash", normal_balance=DEBIT_NORMAL)).id
        wallet = (await create_account(client, ledger, "Wallet")).id
        codes: Counter[str] = Counter()

        async def one_call(n: int) -> None:
            try:
                if n % 3 == 0:
                    await create_transaction(client, transfer(cash, wallet, 1, status=POSTED))
                elif n % 3 == 1:
                    await client.balances.GetBalances(balance_pb2.GetBalancesRequest(ledger_account_ids=[wallet]))
                else:
                    await client.ledgers.ListLedgerAccounts(ledger_pb2.ListLedgerAccountsRequest(ledger_id=ledger))
                codes["OK"] += 1
            except grpc.aio.AioRpcError as error:
                details = error_details(error)
                codes[details.code.name] += 1
                assert details.code is grpc.StatusCode.UNAVAILABLE, details
                assert details.reason == "ERROR_REASON_DATABASE_UNAVAILABLE", details
                delay = retry_info(error)
                assert delay is not None and delay.retry_delay.ToNanoseconds() > 0, details

        killer = await asyncpg.connect(own_database_url)
        try:
            for _ in range(KILL_ROUNDS_MAX):
                wave = [asyncio.create_task(one_call(n)) for n in range(CALLS_PER_WAVE)]
                await asyncio.sleep(0)  # let the wave reach the server before its connections go
                await killer.fetch(
                    """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                       WHERE datname = current_database() AND pid <> pg_backend_pid()"""
                )
                await asyncio.gather(*wave)
                if codes["UNAVAILABLE"] >= UNAVAILABLE_WANTED:
                    break
        finally:
            await killer.close()
        assert codes["UNAVAILABLE"] > 0, codes  # the killing did reach calls in flight
        # Recovered: every call succeeds again, without a restart.
        for n in range(CALLS_PER_WAVE):
            codes.clear()
            await one_call(n)
            assert codes == {"OK": 1}
