"""Graceful shutdown of `ledgerd serve` (SIGTERM): new calls are answered UNAVAILABLE
(SHUTTING_DOWN, with a RetryInfo) at once, open WatchBalances streams end at once, the calls
admitted before, their batches included, are answered; the process exits 0 within
shutdown_grace_seconds + pool_close_seconds; nothing acknowledged is lost and nothing is cancelled."""

from __future__ import annotations

import asyncio
import os
import signal

import grpc

from ledgerd.client import LedgerdClient
from ledgerd.server.domain import limits
from ledgerd.v1 import balance_pb2

from .cluster_helpers import free_port
from .fault_helpers import FAST_RECONNECT, HoldLoad, assert_nothing_lost, card_program, outcome_name
from .ledger_helpers import get_account
from .serving_helpers import LINE_WAIT_SECONDS, Served
from .test_overload import CALL_TIMEOUT_SECONDS, hold_request, holds_in, serve, writes_stopped

# Calls in flight at the SIGTERM (the report: 190 of 256 were cancelled).
IN_FLIGHT = 256
STOPPING = "ledgerd stopping after "
SHUTTING_DOWN = "UNAVAILABLE/SHUTTING_DOWN+retry"
# The named bound on the exit, plus room for a slow, shared machine to start and stop a process.
EXIT_SECONDS_MAX = limits.shutdown_grace_seconds + limits.pool_close_seconds + 30.0


async def test_sigterm_finishes_the_calls_in_flight_refuses_new_ones_and_ends_watches_at_once(
    database_url: str, api_key: str
) -> None:
    served = await serve(database_url)
    async with LedgerdClient(served.address, api_key) as client:
        program = await card_program(client, wallets=16, funds=1_000_000)
        watch = client.balances.WatchBalances(
            balance_pb2.WatchBalancesRequest(ledger_account_ids=program.wallet_ids[:1])
        )
        assert (await watch.read()).ledger_account_balances.ledger_account_id == program.wallet_ids[0]
        async with writes_stopped(database_url):
            requests = [hold_request(program, index) for index in range(IN_FLIGHT)]
            calls = [
                asyncio.ensure_future(client.holds.PlaceHold(each, timeout=CALL_TIMEOUT_SECONDS)) for each in requests
            ]
            # Held at the lock. (Probes through the same channel, answered behind most of them: a
            # call that reaches the server only after the SIGTERM is refused, which is also right.)
            for _ in range(3):
                await get_account(client, program.wallet_ids[0])
            stopping_from = len(served.lines)
            served.process.send_signal(signal.SIGTERM)
            await served.line(STOPPING, after=stopping_from)
            # While the admitted calls still wait on the lock: the watch has ended, a new call is refused.
            try:
                await asyncio.wait_for(watch.read(), LINE_WAIT_SECONDS)
                raise AssertionError("the watch went on after SIGTERM")
            except grpc.aio.AioRpcError as error:
                assert outcome_name(error) == SHUTTING_DOWN, error
            try:
                await client.holds.PlaceHold(hold_request(program, 0), timeout=CALL_TIMEOUT_SECONDS)
                raise AssertionError("a call was admitted after SIGTERM")
            except grpc.aio.AioRpcError as error:
                assert outcome_name(error) == SHUTTING_DOWN, error
            answered_early = [call for call in calls if call.done()]
        outcomes = await asyncio.gather(*calls, return_exceptions=True)
        approved = {outcome.hold.id for outcome in outcomes if not isinstance(outcome, BaseException)}
        refused = [outcome for outcome in outcomes if isinstance(outcome, grpc.aio.AioRpcError)]
        print(f"SIGTERM with {IN_FLIGHT} calls held in flight: {len(approved)} approved, {len(refused)} refused")
        assert len(approved) + len(refused) == IN_FLIGHT
        assert all(outcome_name(error) == SHUTTING_DOWN for error in refused), refused
        # Only refusals were answered before the lock went; every admitted call was answered after.
        assert len(answered_early) == len(refused) < IN_FLIGHT
        assert await asyncio.wait_for(served.stop(), EXIT_SECONDS_MAX) == 0, served.output()
        assert await holds_in(database_url, program) == approved


async def test_sigterm_under_load_cancels_nothing_and_loses_nothing(database_url: str, api_key: str) -> None:
    """A steady load of 64 clients; SIGTERM; the server restarted; every request retried until
    answered. Each answer during the stop is OK or UNAVAILABLE (ledgerd's own, or gRPC's once the
    port is closed): never CANCELLED."""
    address = f"127.0.0.1:{free_port()}"
    env = {**os.environ, "DATABASE_URL": database_url}
    served = await Served.start("--address", address, env=env)
    async with LedgerdClient(address, api_key, options=FAST_RECONNECT) as client:
        program = await card_program(client, wallets=32, funds=20_000)
        load = HoldLoad(client, program, concurrency=64)
        running = asyncio.create_task(load.run())
        try:
            await load.answered_at_least(500)
            assert await asyncio.wait_for(served.stop(), EXIT_SECONDS_MAX) == 0, served.output()
            served = await Served.start("--address", address, env=env)
            await load.answered_at_least(len(load.answered) + 500)
            await load.finish(running)
            print(f"SIGTERM under load: {load.figures()}")
            assert set(load.outcomes) <= {"OK", SHUTTING_DOWN, "UNAVAILABLE"}, load.outcomes
            await assert_nothing_lost(database_url, client, load)
        finally:
            load.stop.set()
            await served.stop()
