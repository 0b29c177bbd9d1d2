"""Invariant 6, the database's half: PostgreSQL restarted under `ledgerd serve` while it places
holds, on a cluster of the test's own. Once crashed (`pg_ctl stop -m immediate`: COMMITs in flight
have an unknown outcome for the server) and once shut down cleanly (`-m fast`). While it is down
every answer is UNAVAILABLE with ErrorInfo (DATABASE_UNAVAILABLE) and RetryInfo, never INTERNAL or
UNKNOWN; the server recovers by itself once it is back (its pool discards the dead connections); a
request whose answer was lost is applied exactly once by the retry with its idempotency key; the
database holds exactly what was acknowledged."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import asyncpg
import pytest

from ledgerd.client import LedgerdClient
from ledgerd.v1 import hold_pb2

from .cluster_helpers import Cluster, free_port
from .fault_helpers import FAST_RECONNECT, HoldLoad, assert_nothing_lost, card_program
from .ledger_helpers import run_ledgerd
from .serving_helpers import LINE_WAIT_SECONDS, Served

# Answers between two restarts: each restart lands in the middle of the load.
ANSWERS_BETWEEN_RESTARTS = 400
# How long the database stays down: long enough for every client to be answered while it is.
DOWN_SECONDS = 2.0
# The bound on recovery, generous for a noisy shared machine: the pool reconnects at the next call.
RECOVERY_SECONDS_MAX = 30.0
DATABASE_UNAVAILABLE = "UNAVAILABLE/DATABASE_UNAVAILABLE+retry"
POLL_SECONDS = 0.05


@pytest.fixture
async def cluster() -> AsyncIterator[Cluster]:
    cluster = await Cluster.create()
    yield cluster
    await cluster.destroy()


async def new_api_key(database_url: str) -> str:
    status, output = await run_ledgerd("keys", "create", "--organization", "faults", database_url=database_url)
    assert status == 0, output
    return output.strip().splitlines()[-1]


async def recovered(load: HoldLoad, answered_before: int) -> float:
    """Seconds until the next answer once the database is back (a figure to print, not asserted:
    the bound is RECOVERY_SECONDS_MAX)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    await load.answered_at_least(answered_before + 1, RECOVERY_SECONDS_MAX)
    return loop.time() - started


async def test_a_database_restart_answers_unavailable_then_recovers_and_loses_nothing(cluster: Cluster) -> None:
    address = f"127.0.0.1:{free_port()}"
    migrated, _ = await run_ledgerd("migrate", database_url=cluster.url)
    assert migrated == 0
    api_key = await new_api_key(cluster.url)
    served = await Served.start("--address", address, env={**os.environ, "DATABASE_URL": cluster.url})
    try:
        async with LedgerdClient(address, api_key, options=FAST_RECONNECT) as client:
            program = await card_program(client, wallets=20, funds=10_000)
            load = HoldLoad(client, program, concurrency=32)
            running = asyncio.create_task(load.run())
            recoveries = []
            for round_number, mode in enumerate(("immediate", "fast"), start=1):
                await load.answered_at_least(round_number * ANSWERS_BETWEEN_RESTARTS)
                await cluster.stop(mode)
                before = load.outcomes.copy()
                await asyncio.sleep(DOWN_SECONDS)
                while_down = load.outcomes - before
                # (An OK: a call whose COMMIT had returned before the stop, answered just after it.)
                assert DATABASE_UNAVAILABLE in while_down, while_down
                assert set(while_down) <= {"OK", DATABASE_UNAVAILABLE}, while_down
                answered = len(load.answered)
                await cluster.start()
                recoveries.append(await recovered(load, answered))
            await load.answered_at_least(3 * ANSWERS_BETWEEN_RESTARTS)
            await load.finish(running)
            print(f"PostgreSQL restarted x2, recovered after {[round(r, 2) for r in recoveries]} s: {load.figures()}")
            assert set(load.outcomes) <= {"OK", DATABASE_UNAVAILABLE}, load.outcomes
            await assert_nothing_lost(cluster.url, client, load)
    finally:
        assert await asyncio.wait_for(served.stop(), LINE_WAIT_SECONDS) == 0, served.output()


# Holds placed while COMMITs wait: those of the batches in flight are in doubt at the crash.
COMMITS_IN_DOUBT = 8


async def commits_waiting(database_url: str, count: int = 1) -> None:
    """Until `count` sessions wait for a synchronous standby to confirm their COMMIT."""
    connection = await asyncpg.connect(database_url)
    try:

        async def waiting() -> None:
            query = "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'"
            # Polled: PostgreSQL has no notification for a session's wait.
            while await connection.fetchval(query) < count:  # noqa: ASYNC110
                await asyncio.sleep(POLL_SECONDS)

        await asyncio.wait_for(waiting(), LINE_WAIT_SECONDS)
    finally:
        await connection.close()


async def test_a_hold_whose_commit_outcome_was_lost_is_applied_exactly_once_by_its_retry(cluster: Cluster) -> None:
    """The COMMIT outcome made unknown on purpose: a synchronous standby is named that does not
    exist, so each COMMIT is written locally and then waits for it; the database crashes then. The
    server lost the connection mid-COMMIT and answers UNAVAILABLE; after the restart the holds are
    there (the COMMIT was durable), and each client's retry with its key gets that hold: applied
    exactly once."""
    address = f"127.0.0.1:{free_port()}"
    migrated, _ = await run_ledgerd("migrate", database_url=cluster.url)
    assert migrated == 0
    api_key = await new_api_key(cluster.url)
    served = await Served.start("--address", address, env={**os.environ, "DATABASE_URL": cluster.url})
    try:
        async with LedgerdClient(address, api_key, options=FAST_RECONNECT) as client:
            program = await card_program(client, wallets=COMMITS_IN_DOUBT, funds=10_000)
            load = HoldLoad(client, program)
            cluster.configure({"synchronous_standby_names": "'nobody'"})
            await cluster.reload()
            placing = [
                asyncio.create_task(
                    load.until_answered(
                        hold_pb2.PlaceHoldRequest(
                            ledger_account_id=wallet_id,
                            counter_ledger_account_id=program.settlement_id,
                            amount=100,
                            idempotency_key=f"in-doubt-{index}",
                        )
                    )
                )
                for index, wallet_id in enumerate(program.wallet_ids)
            ]
            # The first request is a batch of its own (nothing else queued yet) whose COMMIT waits;
            # the next batch waits to build on its decisions, the others queue (core/coalescer.py).
            await commits_waiting(cluster.url)
            await cluster.stop("immediate")
            cluster.configure({"synchronous_standby_names": "''"})
            await cluster.start()
            await asyncio.wait_for(asyncio.gather(*placing), LINE_WAIT_SECONDS)
            print(f"COMMIT outcome unknown x{COMMITS_IN_DOUBT}: {load.figures()}")
            assert load.outcomes["OK"] == COMMITS_IN_DOUBT, load.figures()
            assert load.found_by_retry() >= 1, load.figures()
            assert set(load.outcomes) <= {"OK", DATABASE_UNAVAILABLE}, load.outcomes
            await assert_nothing_lost(cluster.url, client, load)
    finally:
        assert await asyncio.wait_for(served.stop(), LINE_WAIT_SECONDS) == 0, served.output()
