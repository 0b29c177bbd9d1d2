"""Invariant 6, the server's half: `ledgerd serve` killed with SIGKILL while it places holds (no
shutdown of any kind) loses nothing it acknowledged. Concurrent holds on funded wallets, all through
one settlement account, more than the funds allow (so declines too); the process is killed twice
and started again on the same port; every request is retried with its idempotency key until
answered. Afterwards the database holds exactly the acknowledged holds, each wallet is its funds
less those holds (never below 0), and `verify` passes."""

from __future__ import annotations

import asyncio
import os

from ledgerd.client import LedgerdClient

from .cluster_helpers import free_port
from .fault_helpers import FAST_RECONNECT, HoldLoad, assert_nothing_lost, card_program
from .serving_helpers import Served

KILLS = 2
# Holds answered between two kills: the kill lands in the middle of the load, not before it.
ANSWERS_BETWEEN_KILLS = 500
# What a client may see while the server is dead or starting: gRPC's own UNAVAILABLE (nothing
# listens), a deadline passed (the call died with the process), or the server's own UNAVAILABLE.
SEEN_DURING_A_CRASH = {"OK", "UNAVAILABLE", "DEADLINE_EXCEEDED", "UNAVAILABLE/SHUTTING_DOWN+retry"}


async def test_holds_acknowledged_before_a_kill_9_are_all_there_after_the_restart(
    database_url: str, api_key: str
) -> None:
    address = f"127.0.0.1:{free_port()}"
    env = {**os.environ, "DATABASE_URL": database_url}
    served = await Served.start("--address", address, env=env)
    async with LedgerdClient(address, api_key, options=FAST_RECONNECT) as client:
        program = await card_program(client, wallets=20, funds=10_000)
        load = HoldLoad(client, program, concurrency=32)
        running = asyncio.create_task(load.run())
        try:
            for kill in range(1, KILLS + 1):
                await load.answered_at_least(kill * ANSWERS_BETWEEN_KILLS)
                served.process.kill()
                await served.process.wait()
                await served.stop()
                served = await Served.start("--address", address, env=env)
            await load.answered_at_least((KILLS + 1) * ANSWERS_BETWEEN_KILLS)
            await load.finish(running)
            print(f"kill -9 x{KILLS}: {load.figures()}")
            assert set(load.outcomes) <= SEEN_DURING_A_CRASH, load.outcomes
            assert load.retried, "no call was in flight at a kill"
            await assert_nothing_lost(database_url, client, load)
        finally:
            load.stop.set()
            await served.stop()
