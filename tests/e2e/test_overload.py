"""Load shedding, against `ledgerd serve` as a process: past calls_in_flight_max calls in flight, or
writes_queued_max writes waiting for a batch, a call is answered RESOURCE_EXHAUSTED (OVERLOADED,
with a RetryInfo) at once and writes nothing; gRPC core never answers CANCELLED on its own; the
process stays healthy and its memory bounded; every call admitted is answered once the database
moves again. To make the overload certain rather than a race with the server's speed, the test
holds a table lock that stops every batch's write while it floods the server."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import grpc
from google.rpc import code_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ledgerd.client import LedgerdClient
from ledgerd.server.domain import limits
from ledgerd.v1 import errors_pb2, hold_pb2

from .cluster_helpers import free_port
from .fault_helpers import APPROVED, CardProgram, card_program, outcome_name
from .serving_helpers import LINE_WAIT_SECONDS, Served

# More concurrent calls than the server admits: the rest must be refused at once.
CALLS = 3 * limits.calls_in_flight_max + 200
# Each channel its own connection, so the calls spread over several HTTP/2 connections.
CHANNELS = 8
OWN_CONNECTION = [("grpc.use_local_subchannel_pool", 1)]
OVERLOADED = "RESOURCE_EXHAUSTED/OVERLOADED+retry"
# The ceiling asserted on the server's memory under the flood: a bound, generous; the figure is printed.
RSS_BYTES_MAX = 1024 * 1024 * 1024
# A deadline for the calls that wait for the lock to go: a safety net, not a measurement.
CALL_TIMEOUT_SECONDS = 120.0


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


@asynccontextmanager
async def writes_stopped(database_url: str) -> AsyncIterator[None]:
    """While inside, no hold can be written (reads go on): every batch waits at its write."""
    connection = await asyncpg.connect(database_url)
    try:
        async with connection.transaction():
            await connection.execute("LOCK TABLE holds IN EXCLUSIVE MODE")
            yield
    finally:
        await connection.close()


async def holds_in(database_url: str, program: CardProgram) -> set[str]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch("SELECT id FROM holds WHERE ledger_id = $1", uuid.UUID(program.ledger_id))
    finally:
        await connection.close()
    return {str(row["id"]) for row in rows}


def hold_request(program: CardProgram, index: int) -> hold_pb2.PlaceHoldRequest:
    return hold_pb2.PlaceHoldRequest(
        ledger_account_id=program.wallet_ids[index % len(program.wallet_ids)],
        counter_ledger_account_id=program.settlement_id,
        amount=1,
        idempotency_key=str(uuid.uuid4()),
    )


async def serve(database_url: str) -> Served:
    return await Served.start("--address", f"127.0.0.1:{free_port()}", env={**os.environ, "DATABASE_URL": database_url})


async def healthy(address: str) -> bool:
    async with grpc.aio.insecure_channel(address) as channel:
        check = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=LINE_WAIT_SECONDS)
        return bool((await check).status == health_pb2.HealthCheckResponse.SERVING)


async def test_calls_past_the_in_flight_bound_are_refused_at_once_and_the_admitted_ones_all_answered(
    database_url: str, api_key: str
) -> None:
    served = await serve(database_url)
    clients = [LedgerdClient(served.address, api_key, options=OWN_CONNECTION) for _ in range(CHANNELS)]
    try:
        program = await card_program(clients[0], wallets=50, funds=1_000_000)
        outcomes: Counter[str] = Counter()
        approved: set[str] = set()
        refused = asyncio.Event()

        async def place(index: int) -> None:
            try:
                response = await clients[index % CHANNELS].holds.PlaceHold(
                    hold_request(program, index), timeout=CALL_TIMEOUT_SECONDS
                )
            except grpc.aio.AioRpcError as error:
                outcomes[outcome_name(error)] += 1
                if outcomes.total() - outcomes["OK"] == CALLS - limits.calls_in_flight_max:
                    refused.set()  # as many answered as must be refused (gRPC's own CANCELLED would count)
                return
            outcomes["OK"] += 1
            if response.decision == APPROVED:
                approved.add(response.hold.id)

        rss_before = rss_bytes(served.process.pid)
        async with writes_stopped(database_url):
            calls = asyncio.gather(*(place(index) for index in range(CALLS)))
            # Every call past the bound is answered while the admitted ones still wait on the lock.
            await asyncio.wait_for(refused.wait(), CALL_TIMEOUT_SECONDS)
            rss_flooded = rss_bytes(served.process.pid)
            assert await healthy(served.address)
        await calls
        print(
            f"overload: {CALLS} concurrent PlaceHolds, outcomes {dict(outcomes)}; "
            f"RSS {rss_before // 2**20} MiB before, {rss_flooded // 2**20} MiB flooded"
        )
        assert outcomes == {"OK": limits.calls_in_flight_max, OVERLOADED: CALLS - limits.calls_in_flight_max}
        assert rss_flooded < RSS_BYTES_MAX
        assert await holds_in(database_url, program) == approved and len(approved) == limits.calls_in_flight_max
        assert await healthy(served.address)
    finally:
        for client in clients:
            await client.close()
        assert await served.stop() == 0, served.output()


async def test_writes_past_the_queued_bound_are_refused_and_write_nothing(database_url: str, api_key: str) -> None:
    """PlaceHoldBatch calls, each one call carrying holds_per_place_batch_max writes: one call more
    than writes_queued_max allows gets its items refused (RESOURCE_EXHAUSTED) at once."""
    served = await serve(database_url)
    # The queue full before the last call arrives: that call's items are all refused.
    batches = limits.writes_queued_max // limits.holds_per_place_batch_max + 2
    async with LedgerdClient(served.address, api_key) as client:
        try:
            program = await card_program(client, wallets=50, funds=10**12)
            requests = [
                hold_pb2.PlaceHoldBatchRequest(
                    requests=[hold_request(program, index) for index in range(limits.holds_per_place_batch_max)]
                )
                for _ in range(batches)
            ]
            async with writes_stopped(database_url):
                calls = [
                    asyncio.ensure_future(client.holds.PlaceHoldBatch(request, timeout=CALL_TIMEOUT_SECONDS))
                    for request in requests
                ]
                # The call sent last finds the queue full: answered while the lock still stands.
                done, _ = await asyncio.wait(calls, timeout=CALL_TIMEOUT_SECONDS, return_when=asyncio.FIRST_COMPLETED)
                assert done, "no batch was answered while writes were stopped"
            answers = await asyncio.gather(*calls)
            outcomes: Counter[str] = Counter()
            approved = set()
            for answer in answers:
                for result in answer.results:
                    if result.HasField("error"):
                        error = result.error
                        outcomes[f"{code_pb2.Code.Name(error.code)}/{errors_pb2.ErrorReason.Name(error.reason)}"] += 1
                    else:
                        outcomes["OK"] += 1
                        approved.add(result.response.hold.id)
            print(f"queued writes: {batches} PlaceHoldBatch calls of {len(requests[0].requests)}: {dict(outcomes)}")
            # Those of the batches being decided at the lock are out of the queue.
            in_batches = limits.batches_in_flight_max * limits.writes_per_batch_max
            refused = batches * limits.holds_per_place_batch_max - limits.writes_queued_max - in_batches
            assert outcomes["RESOURCE_EXHAUSTED/ERROR_REASON_OVERLOADED"] >= refused, outcomes
            assert set(outcomes) == {"OK", "RESOURCE_EXHAUSTED/ERROR_REASON_OVERLOADED"}, outcomes
            assert await holds_in(database_url, program) == approved
        finally:
            assert await served.stop() == 0, served.output()
