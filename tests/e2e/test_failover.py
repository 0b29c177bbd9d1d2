"""Failover, as docs/operations.md sets it up: a primary with a synchronous streaming standby (both
clusters of the test's own), DATABASE_URL naming both hosts with target_session_attrs=read-write.
The primary crashes mid-load and the standby is promoted: ledgerd, never restarted, carries on
against the new primary by itself, and the new primary holds every hold acknowledged before."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import pytest

from ledgerd.client import LedgerdClient

from .cluster_helpers import Cluster, free_port
from .fault_helpers import FAST_RECONNECT, HoldLoad, assert_nothing_lost, card_program
from .ledger_helpers import run_ledgerd
from .serving_helpers import LINE_WAIT_SECONDS, Served
from .test_database_restart import DATABASE_UNAVAILABLE, RECOVERY_SECONDS_MAX, new_api_key, recovered

ANSWERS_BEFORE_FAILOVER = 400
# A COMMIT returns only once the standby has it (docs/operations.md, "A standby").
SYNCHRONOUS = {"synchronous_standby_names": "'standby'", "synchronous_commit": "on"}


@pytest.fixture
async def clusters() -> AsyncIterator[tuple[Cluster, Cluster]]:
    primary = await Cluster.create(SYNCHRONOUS)
    standby = None
    try:
        # Once promoted it has no standby of its own: naming one would make every COMMIT wait.
        standby = await primary.standby({"synchronous_standby_names": "''"})
        yield primary, standby
    finally:
        await primary.destroy()
        if standby is not None:
            await standby.destroy()


def both_hosts(primary: Cluster, standby: Cluster) -> str:
    return (
        f"postgresql://postgres@127.0.0.1:{primary.port},127.0.0.1:{standby.port}/postgres"
        "?target_session_attrs=read-write"
    )


async def test_after_the_primary_crashes_and_the_standby_is_promoted_ledgerd_carries_on_with_nothing_lost(
    clusters: tuple[Cluster, Cluster],
) -> None:
    primary, standby = clusters
    url = both_hosts(primary, standby)
    migrated, output = await run_ledgerd("migrate", database_url=url)
    assert migrated == 0, output
    api_key = await new_api_key(url)
    address = f"127.0.0.1:{free_port()}"
    served = await Served.start("--address", address, env={**os.environ, "DATABASE_URL": url})
    try:
        async with LedgerdClient(address, api_key, options=FAST_RECONNECT) as client:
            program = await card_program(client, wallets=20, funds=10_000)
            load = HoldLoad(client, program, concurrency=32)
            running = asyncio.create_task(load.run())
            await load.answered_at_least(ANSWERS_BEFORE_FAILOVER)
            await primary.stop("immediate")
            answered = len(load.answered)
            await standby.promote()
            recovery_seconds = await recovered(load, answered)
            await load.answered_at_least(len(load.answered) + ANSWERS_BEFORE_FAILOVER)
            await load.finish(running)
            print(f"failover after {recovery_seconds:.2f} s (bound {RECOVERY_SECONDS_MAX} s): {load.figures()}")
            assert set(load.outcomes) <= {"OK", DATABASE_UNAVAILABLE}, load.outcomes
            await assert_nothing_lost(standby.url, client, load)
    finally:
        assert await asyncio.wait_for(served.stop(), LINE_WAIT_SECONDS) == 0, served.output()
