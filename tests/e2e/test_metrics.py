"""GET /metrics of `ledgerd serve --http-address` as a scraper sees it: a real server process on a
database of its own, a known workload through gRPC, then the Prometheus text over HTTP, which must
hold exactly the counts the workload caused. With --workers 2 every scrape, whichever worker
answers it, shows the whole server."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping

import aiohttp
import asyncpg
import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ledgerd.client import LedgerdClient
from ledgerd.v1 import hold_pb2, ledger_pb2, transaction_pb2

from .ledger_helpers import DEBIT_NORMAL, POSTED, create_account, create_ledger, create_transaction, transfer
from .serving_helpers import Served

HOLD = "/ledgerd.v1.HoldService/PlaceHold"
OWN_CONNECTION = [("grpc.use_local_subchannel_pool", 1)]
STREAM_WAIT_SECONDS = 60
# How often a scrape is repeated while it has not caught up (a poll, not a measurement).
POLL_SECONDS = 0.05

Samples = Mapping[tuple[str, frozenset[tuple[str, str]]], float]


async def serve(database_url: str, *arguments: str) -> tuple[Served, str]:
    """`ledgerd serve --http-address` on an empty database, and the key it creates at its first start."""
    served = await Served.start(
        "--address",
        "127.0.0.1:0",
        "--http-address",
        "127.0.0.1:0",
        *arguments,
        env={**os.environ, "DATABASE_URL": database_url},
    )
    lines = served.lines
    key = lines[next(i for i, line in enumerate(lines) if line.startswith("No API key existed")) + 1]
    return served, key


def http_address(served: Served) -> str:
    line = next(line for line in served.lines if "serving HTTP on " in line)
    return line.rsplit(" ", 1)[1]


async def scrape(address: str) -> Samples:
    """One scrape on a new connection (with several workers, any of them may answer it)."""
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session,
        session.get(f"http://{address}/metrics") as response,
    ):
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    families = list(text_string_to_metric_families(text))
    assert families and all(family.name.startswith("ledgerd_") for family in families), text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in families
        for sample in family.samples
    }


async def scrape_counted(address: str) -> Samples:
    """A scrape that shows the whole workload. A refused call's status leaves the server before the
    call has finished unwinding through the interceptor that records it, so a scrape right after
    may come a moment early: scrape until it has caught up (an overshoot never does, and fails)."""
    failure: AssertionError | None = None

    async def caught_up() -> Samples:
        nonlocal failure
        while True:
            samples = await scrape(address)
            try:
                assert_workload_counted(samples)
                return samples
            except AssertionError as error:
                failure = error
            await asyncio.sleep(POLL_SECONDS)

    try:
        return await asyncio.wait_for(caught_up(), STREAM_WAIT_SECONDS)
    except TimeoutError:
        raise AssertionError(f"the scrapes never showed the workload: {failure}") from None


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def workload(clients: list[LedgerdClient], target: str) -> None:
    """One funding, 8 holds of 100 on 500 (5 approved, 3 declined), one refused hold, one call with a
    bad key."""
    client = clients[0]
    ledger = await create_ledger(client)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    settlement = await create_account(client, ledger.id, "Settlement", normal_balance=DEBIT_NORMAL)
    await create_transaction(client, transfer(cash.id, wallet.id, 500, status=POSTED))
    for n in range(8):
        await clients[n % len(clients)].holds.PlaceHold(
            hold_pb2.PlaceHoldRequest(ledger_account_id=wallet.id, counter_ledger_account_id=settlement.id, amount=100)
        )
    with pytest.raises(grpc.aio.AioRpcError):
        await client.holds.PlaceHold(
            hold_pb2.PlaceHoldRequest(ledger_account_id=wallet.id, counter_ledger_account_id=settlement.id, amount=0)
        )
    async with LedgerdClient(target, "not-a-key") as stranger:
        with pytest.raises(grpc.aio.AioRpcError):
            await stranger.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=ledger.id))


def assert_workload_counted(samples: Samples) -> None:
    rpc = "ledgerd_rpc_duration_seconds_count"
    assert value(samples, rpc, method=HOLD, code="OK") == 8  # a decline is an answer
    assert value(samples, rpc, method=HOLD, code="INVALID_ARGUMENT") == 1
    assert value(samples, rpc, method="/ledgerd.v1.LedgerService/GetLedger", code="UNAUTHENTICATED") == 1
    assert value(samples, rpc, method="/ledgerd.v1.TransactionService/CreateLedgerTransaction", code="OK") == 1
    assert value(samples, "ledgerd_hold_decisions_total", decision="approved", reason="") == 5
    assert value(samples, "ledgerd_hold_decisions_total", decision="declined", reason="insufficient_funds") == 3
    # The funding and the 8 holds went through group commit: 9 writes, each batch waited once.
    assert value(samples, "ledgerd_batch_writes_sum") == 9
    batches = value(samples, "ledgerd_batch_writes_count")
    assert 1 <= batches <= 9 and value(samples, "ledgerd_batch_queue_wait_seconds_count") == batches
    assert 1 <= value(samples, "ledgerd_batch_write_seconds_count") <= 9
    assert (
        value(samples, "ledgerd_pool_connections", state="in_use")
        + value(samples, "ledgerd_pool_connections", state="idle")
        >= 1
    )
    assert ("ledgerd_hold_expiry_lag_seconds", frozenset()) in samples


async def test_a_scrape_after_a_known_workload_finds_the_counts_it_caused(own_database_url: str) -> None:
    served, key = await serve(own_database_url)
    try:
        address = http_address(served)
        async with LedgerdClient(served.address, key) as client:
            await workload([client], served.address)
            stream = client.transactions.WatchLedgerTransactions(
                transaction_pb2.WatchLedgerTransactionsRequest(
                    ledger_id=(await client.ledgers.ListLedgers(ledger_pb2.ListLedgersRequest())).ledgers[0].id
                )
            )
            await asyncio.wait_for(stream.read(), STREAM_WAIT_SECONDS)
            samples = await scrape_counted(address)
            assert value(samples, "ledgerd_watchers", feed="ledger_transactions") == 1
            assert value(samples, "ledgerd_hold_expiry_lag_seconds") == 0  # nothing was due
            stream.cancel()
            # A database error: the call's query, waiting on a lock the test holds, is cancelled
            # by PostgreSQL; the call fails, and that is counted. (The code it fails with is the
            # error map's business.)
            blocker = await asyncpg.connect(own_database_url)
            try:
                held = blocker.transaction()
                await held.start()
                await blocker.execute("LOCK TABLE ledger_transactions IN ACCESS EXCLUSIVE MODE")
                call = asyncio.ensure_future(
                    client.transactions.ListLedgerTransactions(transaction_pb2.ListLedgerTransactionsRequest())
                )
                while True:
                    if await blocker.fetchval(
                        """SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = current_database()
                           AND application_name = 'ledgerd' AND wait_event_type = 'Lock'"""
                    ):
                        break
                    await asyncio.sleep(POLL_SECONDS)
                with pytest.raises(grpc.aio.AioRpcError):
                    await call
                await held.rollback()
            finally:
                await blocker.close()
            after = await scrape(address)
            assert sum(v for (name, _), v in after.items() if name == "ledgerd_database_errors_total") >= 1
    finally:
        assert await served.stop() == 0, served.output()


async def test_every_scrape_of_two_workers_shows_the_whole_server(own_database_url: str) -> None:
    served, key = await serve(own_database_url, "--workers", "2")
    try:
        address = http_address(served)
        clients = [LedgerdClient(served.address, key, options=OWN_CONNECTION) for _ in range(16)]
        try:
            await workload(clients, served.address)
        finally:
            for each in clients:
                await each.close()
        await scrape_counted(address)
        for _ in range(6):  # the kernel spreads the scrapes' connections over both workers
            assert_workload_counted(await scrape(address))
    finally:
        assert await served.stop() == 0, served.output()
    stopped = [line for line in served.lines if " stopping after " in line and "worker" in line]
    assert len(stopped) == 2 and all(not line.endswith(" 0 calls") for line in stopped), served.output()
