"""`ledgerd serve --workers N` as a user runs it: N real processes on one port (SO_REUSEPORT) and
one database. Correctness comes from the database, so 1,000 holds on one wallet through two
processes approve exactly what the funds allow; one process at a time runs the expirer (the holder
of the background lock), and when it is killed another takes over."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket

import asyncpg
import pytest

from ledgerd.client import LedgerdClient
from ledgerd.server.domain import limits
from ledgerd.server.store import background_lock
from ledgerd.server.store.pool import create_pool
from ledgerd.v1 import hold_pb2, ledger_pb2

from .ledger_helpers import (
    DEBIT_NORMAL,
    POSTED,
    amounts,
    create_account,
    create_ledger,
    create_transaction,
    get_account,
    run_ledgerd,
    transfer,
)
from .serving_helpers import LINE_WAIT_SECONDS, SERVING, Served

APPROVED = hold_pb2.HOLD_DECISION_APPROVED
DECLINED = hold_pb2.HOLD_DECISION_DECLINED
WORKER_SERVING = re.compile(r"ledgerd worker (\d+) serving on ")
WORKER_STOPPED = re.compile(r"ledgerd worker (\d+) stopping after (\d+) calls")
# The kernel spreads connections, not calls, over the workers, by a hash of each connection's
# ports: with 32 connections, all of them landing on one of two workers has odds of 2**-31.
CHANNELS = 32
# Each channel its own connection: gRPC otherwise shares one among channels to the same target.
OWN_CONNECTION = [("grpc.use_local_subchannel_pool", 1)]
# How often the lock and the holds are looked at while waiting (a poll, not a measurement).
POLL_SECONDS = 0.1


async def serve_workers(count: int, database_url: str) -> Served:
    return await Served.start(
        "--workers", str(count), "--address", "127.0.0.1:0", env={**os.environ, "DATABASE_URL": database_url}
    )


async def card_program(
    client: LedgerdClient, *, funds: int
) -> tuple[ledger_pb2.LedgerAccount, ledger_pb2.LedgerAccount]:
    """A wallet funded with `funds` and the settlement account its holds go to."""
    ledger = await create_ledger(client, "Card program")
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    settlement = await create_account(client, ledger.id, "Settlement", normal_balance=DEBIT_NORMAL)
    await create_transaction(client, transfer(cash.id, wallet.id, funds, status=POSTED))
    return wallet, settlement


def worker_pids(served: Served) -> list[int]:
    return [int(pid) for pid in WORKER_SERVING.findall(served.output())]


async def test_a_thousand_holds_on_one_wallet_through_two_workers_approve_exactly_what_the_funds_allow(
    database_url: str, api_key: str
) -> None:
    served = await serve_workers(2, database_url)
    try:
        assert f"{SERVING}127.0.0.1:" in served.output() and len(set(worker_pids(served))) == 2
        clients = [LedgerdClient(served.address, api_key, options=OWN_CONNECTION) for _ in range(CHANNELS)]
        try:
            client = clients[0]
            wallet, settlement = await card_program(client, funds=500 * 100)
            answers = await asyncio.gather(
                *(
                    clients[n % CHANNELS].holds.PlaceHold(
                        hold_pb2.PlaceHoldRequest(
                            ledger_account_id=wallet.id,
                            counter_ledger_account_id=settlement.id,
                            amount=100,
                            idempotency_key=f"auth-{n}",
                        )
                    )
                    for n in range(1_000)
                )
            )
            decisions = [answer.decision for answer in answers]
            assert (decisions.count(APPROVED), decisions.count(DECLINED)) == (500, 500)
            after = await get_account(client, wallet.id)
            assert amounts(after) == (0, 50_000, 0)
            assert after.lock_version == 1 + 500  # the funding, then one version per approved hold
            assert (await get_account(client, settlement.id)).balances.pending_balance.amount == -50_000
        finally:
            for each in clients:
                await each.close()
    finally:
        code = await served.stop()
    assert code == 0, served.output()
    # Each worker says how many calls it answered as it stops: both answered some.
    calls = {int(pid): int(count) for pid, count in WORKER_STOPPED.findall(served.output())}
    assert set(calls) == set(worker_pids(served)), served.output()
    assert all(count > 0 for count in calls.values()), calls
    code, output = await run_ledgerd("verify", database_url=database_url)
    assert code == 0, output


async def lock_holder(pool: asyncpg.Pool, *, other_than: int | None = None) -> int:
    """The pid of the worker holding the background lock (from its sessions' application_name),
    once one other than `other_than` holds it."""
    while True:
        async with pool.acquire() as connection:
            backends = await background_lock.holder_pids(connection)
            assert len(backends) <= 1, backends  # an advisory lock has one holder, or it is no lock
            names = await connection.fetch(
                "SELECT application_name FROM pg_stat_activity WHERE pid = ANY($1)", backends
            )
        pids = [int(match[1]) for row in names if (match := re.fullmatch(r"ledgerd worker (\d+)", row[0]))]
        if pids and pids[0] != other_than:
            return pids[0]
        await asyncio.sleep(POLL_SECONDS)


async def test_one_worker_holds_the_expirer_lock_and_another_takes_over_when_it_is_killed(
    own_database_url: str,
) -> None:
    # Its own database: the session's in-process server would be a third contender for the lock.
    served = await serve_workers(2, own_database_url)
    pool = await create_pool(own_database_url, min_size=1, max_size=2)
    try:
        key = await served.line("ldg_")  # a new database: the parent created the first key, once
        first, second = worker_pids(served)
        holder = await asyncio.wait_for(lock_holder(pool), LINE_WAIT_SECONDS)
        assert holder in (first, second)
        sessions = await pool.fetch(
            "SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = current_database()"
        )
        assert {f"ledgerd worker {first}", f"ledgerd worker {second}"} <= {row[0] for row in sessions}

        lines_before = len(served.lines)
        os.kill(holder, signal.SIGKILL)
        successor = await asyncio.wait_for(lock_holder(pool, other_than=holder), LINE_WAIT_SECONDS)
        # The parent replaced the killed worker (a new pid on the same port).
        replacement = int(WORKER_SERVING.match(await served.line("ledgerd worker ", after=lines_before))[1])  # type: ignore[index]
        assert replacement not in (first, second)
        assert successor in ({first, second} - {holder}) | {replacement}

        # The successor runs the expirer: a hold that comes due now is released.
        async with LedgerdClient(served.address, key) as client:
            wallet, settlement = await card_program(client, funds=100)
            placed = await client.holds.PlaceHold(
                hold_pb2.PlaceHoldRequest(
                    ledger_account_id=wallet.id, counter_ledger_account_id=settlement.id, amount=100, timeout_seconds=1
                )
            )
            assert placed.decision == APPROVED

            async def expired() -> None:
                while True:
                    hold = (await client.holds.GetHold(hold_pb2.GetHoldRequest(id=placed.hold.id))).hold
                    if hold.status == hold_pb2.HOLD_STATUS_EXPIRED:
                        return
                    await asyncio.sleep(POLL_SECONDS)

            await asyncio.wait_for(expired(), LINE_WAIT_SECONDS)
            after = await get_account(client, wallet.id)
            assert amounts(after) == (100, 100, 100)
            assert after.lock_version == 3  # funded, held, expired: once
    finally:
        await pool.close()
        code = await served.stop()
    assert code == 0, served.output()


async def test_workers_stop_when_their_parent_is_killed(database_url: str) -> None:
    served = await serve_workers(2, database_url)
    served.process.send_signal(signal.SIGKILL)
    # stop() returns once everything writing to the output has ended: the workers too.
    assert await served.stop() == -signal.SIGKILL
    stopped = {int(pid) for pid, _ in WORKER_STOPPED.findall(served.output())}
    assert stopped == set(worker_pids(served)), served.output()


@pytest.mark.parametrize("workers", ["0", str(limits.workers_max + 1), "two"])
async def test_a_worker_count_out_of_range_is_refused_before_anything_starts(workers: str) -> None:
    # No database answers there: had serve started anything, it would fail on connecting instead.
    code, output = await run_ledgerd("serve", "--workers", workers, database_url="postgresql://127.0.0.1:1/none")
    assert code == 2, output
    assert "argument --workers:" in output and SERVING not in output
    if workers != "two":
        assert f"must be in 1..{limits.workers_max} (workers_max in domain/limits.py)" in output


async def test_workers_that_cannot_serve_stop_the_serve_with_status_1(database_url: str) -> None:
    # A port held without SO_REUSEPORT: no worker can bind it, so none ever serves.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, output = await run_ledgerd(
            "serve", "--workers", "2", "--address", f"127.0.0.1:{port}", database_url=database_url
        )
    assert code == 1, output
    assert "before serving" in output and SERVING not in output
