"""`ledgerd-bench`: realistic card-authorization load on ledgerd, with same-run baselines, the CPU
each side spent, and a correctness check after the run (docs/api.md, "Command line").

    ledgerd-bench --scenario uniform --mode unary --duration 30 --output results/uniform-unary
    ledgerd-bench --scenario uniform --mode batch --batch-size 1000 --duration 20 --output results/batch
    ledgerd-bench --scenario uniform --mode unary --rate 400 --duration 20 --output results/open-loop
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import uvloop

try:
    from ledgerd.bench import baselines, checks, cpu, echo, load, report, results, servers
except ModuleNotFoundError as missing:  # hdrhistogram or matplotlib: the [bench] extra
    raise SystemExit(
        f"ledgerd-bench needs its extra: pip install 'ledgerd[bench]' ({missing.name} is missing)"
    ) from None
from ledgerd.bench.preload import Preloaded, preload
from ledgerd.bench.setup import create_chart, create_transfer_handler
from ledgerd.client import LedgerdClient
from ledgerd.server.domain import limits
from ledgerd.server.garbage_collection import tune_garbage_collector
from ledgerd.server.store.embedded import start_embedded
from ledgerd.server.store.pool import create_pool

DEFAULT_WALLETS = {"uniform": 10_000, "hot": 1, "transfers": 10_000, "events": 10_000}
# Concurrent requesters by mode: in batch mode each carries --batch-size holds, so a few calls in
# flight already give the server more holds at once than 64 unary requesters.
DEFAULT_CLIENTS = {"unary": 64, "stream": 64, "batch": 8}
DEFAULT_BATCH_SIZE = 1000


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="ledgerd-bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    top.add_argument("--scenario", choices=sorted(load.MIXES), required=True)
    top.add_argument(
        "--mode", choices=tuple(DEFAULT_CLIENTS), default="unary", help="batch: PlaceHoldBatch calls, holds only"
    )
    top.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help=f"holds per PlaceHoldBatch call in batch mode (default {DEFAULT_BATCH_SIZE})",
    )
    top.add_argument(
        "--rate",
        type=float,
        help="open loop: requests per second offered over all processes (calls/s in batch mode); "
        "--clients is then the bound on outstanding requests, and one due beyond it is dropped",
    )
    top.add_argument("--duration", type=float, required=True, help="seconds of load (and of each baseline)")
    top.add_argument("--clients", type=int, help="concurrent requesters (default 64; 8 in batch mode)")
    top.add_argument(
        "--client-processes", type=int, default=1, help="processes the requesters are spread over (default 1)"
    )
    top.add_argument("--streams", type=int, default=0, help="PlaceHolds streams in stream mode (default clients/16)")
    top.add_argument("--wallets", type=int, help="funded wallets (default 10000; 1 for hot)")
    top.add_argument(
        "--preload-entries", type=int, default=0, help="history COPYed into the database before the run (default 0)"
    )
    top.add_argument("--mix", help="operation weights, e.g. place=70,capture=20,release=5,balances=5,increase=5")
    top.add_argument("--output", type=Path, required=True, help="folder for result.json and report.png")
    where = top.add_mutually_exclusive_group()
    where.add_argument("--target", help="HOST:PORT of a running server (with --api-key or LEDGERD_API_KEY)")
    where.add_argument("--server-processes", type=int, default=1, help="servers to start (default 1)")
    top.add_argument("--api-key", default=os.environ.get("LEDGERD_API_KEY"))
    top.add_argument("--database-url", help="with --target: its database, for the baselines and the checks")
    top.add_argument("--skip-baselines", action="store_true", help="no pgbench, no SQL floor and no echo run")
    top.add_argument("--no-progress", action="store_true")
    return top


def checked(arguments: argparse.Namespace) -> argparse.Namespace:
    """The arguments with the mode's defaults filled in; SystemExit on a combination that makes
    no sense."""
    if arguments.clients is None:
        arguments.clients = DEFAULT_CLIENTS[arguments.mode]
    if not 1 <= arguments.client_processes <= arguments.clients:
        raise SystemExit("--client-processes must be 1 to --clients")
    if arguments.mode == "batch":
        if arguments.scenario not in ("uniform", "hot"):
            raise SystemExit("--mode batch places holds: use it with --scenario uniform or hot")
        if arguments.mix:
            raise SystemExit("--mode batch places holds only: no --mix")
        if not 1 <= arguments.batch_size <= limits.holds_per_place_batch_max:
            raise SystemExit(f"--batch-size must be 1 to {limits.holds_per_place_batch_max}")
    if arguments.rate is not None and arguments.rate <= 0:
        raise SystemExit("--rate must be positive")
    if arguments.preload_entries and arguments.target and not arguments.database_url:
        raise SystemExit("--preload-entries with --target needs --database-url (the history is COPYed)")
    return arguments


def parse_mix(text: str | None, scenario: str, mode: str) -> dict[str, int]:
    if mode == "batch":
        return dict(load.BATCH_MIX)
    if not text:
        return dict(load.MIXES[scenario])
    mix = {}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        if name not in load.OPERATIONS or not weight.isdigit():
            raise SystemExit(f"--mix: {part!r} is not OPERATION=WEIGHT with OPERATION in {', '.join(load.OPERATIONS)}")
        mix[name] = int(weight)
    return mix


def git_commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parent
    )
    return result.stdout.strip() or "unknown"


async def show_progress(recorder: load.Recorder, deadline: float) -> None:
    total = deadline - recorder.started
    while (now := time.monotonic()) < deadline:
        elapsed = now - recorder.started
        done = int(30 * elapsed / total)
        rate = recorder.latency.get_total_count() / max(elapsed, 1e-9)
        print(
            f"\r[{'#' * done}{'.' * (30 - done)}] {elapsed:5.1f}/{total:.0f} s  {rate:8.0f} ops/s",
            end="",
            file=sys.stderr,
            flush=True,
        )
        await asyncio.sleep(0.5)
    print(file=sys.stderr)


# Time for the client processes to start (a fresh interpreter, imports, channels) before the load.
CLIENT_PROCESS_START_SECONDS = 5.0


def shares(total: int, parts: int) -> list[int]:
    """`total` split into `parts` as evenly as whole numbers allow."""
    return [total // parts + (1 if index < total % parts else 0) for index in range(parts)]


def plans(arguments: argparse.Namespace, plan: load.Plan) -> list[load.Plan]:
    """`plan` (everything, from this process) split over --client-processes processes that start
    together; an open-loop rate is split evenly, each process's requests offset from the others'
    so that together they arrive at the rate."""
    processes = arguments.client_processes
    if processes <= 1:
        return [plan]
    requesters, stream_counts = shares(plan.requesters, processes), shares(plan.streams, processes)
    started = time.monotonic() + CLIENT_PROCESS_START_SECONDS
    return [
        replace(
            plan,
            requesters=requesters[index],
            streams=stream_counts[index],
            rate=plan.rate / processes if plan.rate else None,
            phase=index / plan.rate if plan.rate else 0.0,
            started=started,
        )
        for index in range(processes)
    ]


async def drive_everywhere(
    arguments: argparse.Namespace,
    clients: list[LedgerdClient],
    targets: list[str],
    api_key: str,
    plan: load.Plan,
    meter: cpu.Meter,
) -> load.Recorder:
    """The load from this process, or split across --client-processes processes over the same
    seconds (this one included; its progress bar shows its own share). `meter` measures this
    process, the servers and PostgreSQL; the other processes measure themselves."""
    progress = None if arguments.no_progress else show_progress
    mine, *others = plans(arguments, plan)
    if not others:
        return await load.drive(clients, mine, meter, progress)
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(len(others), mp_context=multiprocessing.get_context("spawn")) as executor:
        running = [
            loop.run_in_executor(executor, partial(load.drive_process, targets, api_key, other)) for other in others
        ]
        recorder = await load.drive(clients, mine, meter, progress)
        for wire in await asyncio.gather(*running):
            recorder.absorb(wire)
    return recorder


async def measure_baselines(
    arguments: argparse.Namespace, pool: Any, database_url: str, chart: Any, wallets: list[str]
) -> results.Baselines:
    """pgbench, the SQL floor and the gRPC echo, one after the other, before the load."""
    tpcb = await baselines.tpcb(database_url, arguments.clients, arguments.duration)
    # The SQL floor writes on the load's own accounts, as their organization.
    organization = await pool.fetchval("SELECT organization_id FROM ledgers WHERE id = $1", uuid.UUID(chart.ledger_id))
    sql = await baselines.sql_floor(
        pool,
        organization,
        chart,
        wallets,
        # events: the floor of the transfer each event becomes.
        "transfers" if arguments.scenario == "events" else arguments.scenario,
        # As many writes waiting at once as the load keeps in flight (in batch mode, every hold
        # of every call: with only K callers the floor measured a third of the unary one).
        arguments.clients * (arguments.batch_size if arguments.mode == "batch" else 1),
        arguments.duration,
    )
    return results.Baselines(tpcb, sql, await echo.measure(arguments.clients))


async def run(
    arguments: argparse.Namespace, started: list[servers.Server], api_key: str, database_url: str | None
) -> dict[str, Any]:
    mix = parse_mix(arguments.mix, arguments.scenario, arguments.mode)
    wallets_count = arguments.wallets or DEFAULT_WALLETS[arguments.scenario]
    targets = [server.target for server in started]
    clients = load.connect(targets, api_key)
    try:
        chart = await create_chart(clients[0], f"bench {arguments.scenario} {uuid.uuid4().hex[:8]}", wallets_count)
        preloaded = (
            await preload(database_url, chart, arguments.preload_entries)
            if arguments.preload_entries and database_url
            else Preloaded(0, 0.0)
        )
        if arguments.scenario == "events":
            await create_transfer_handler(clients[0], chart)
        wallets = chart.wallets[:1] if arguments.scenario == "hot" else chart.wallets
        measured = results.Baselines(None, None, None)
        pool = await create_pool(database_url, min_size=2, max_size=20) if database_url else None
        meter = cpu.Meter({"client": cpu.this_process(), "server": [cpu.Root(s.pid) for s in started if s.pid]})
        try:
            if pool is not None:
                # Statistics of the chart just written, as a database in service has them: without,
                # the first run on a fresh database measured plans made for empty tables (0.4x).
                await pool.execute("ANALYZE")
                async with pool.acquire() as connection:
                    meter.groups["postgres"] = await cpu.postmaster(connection)
                    meter.groups.update(await cpu.citus_workers(connection))
                if not arguments.skip_baselines:
                    measured = await measure_baselines(arguments, pool, database_url, chart, wallets)  # type: ignore[arg-type]
            streams = (arguments.streams or max(1, arguments.clients // 16)) if arguments.mode == "stream" else 0
            plan = load.Plan(
                chart,
                wallets,
                mix,
                arguments.clients,
                streams,
                arguments.duration,
                batch_size=arguments.batch_size if arguments.mode == "batch" else 0,
                rate=arguments.rate,
            )
            recorder = await drive_everywhere(arguments, clients, targets, api_key, plan, meter)
            elapsed = time.monotonic() - recorder.started
            verdict = await checks.check(pool, chart.wallets, recorder.acknowledged_holds) if pool else None
        finally:
            if pool is not None:
                await pool.close()
    finally:
        for client in clients:
            await client.close()
    return {
        "scenario": arguments.scenario,
        "mode": arguments.mode,
        "batch_size": plan.batch_size or None,
        "offered_rate_per_second": arguments.rate,
        "duration_s": elapsed,
        "clients": arguments.clients,
        "client_processes": arguments.client_processes,
        "server_processes": len(targets),
        "wallets": len(wallets),
        "preloaded_entries": preloaded.entries,
        "preload_seconds": preloaded.seconds,
        "mix": mix,
        **results.figures(arguments.scenario, recorder, elapsed, measured),
        "verify_ok": verdict.ok if verdict else None,
        # None where `ledgerd verify` does not run (Citus, docs/scaling.md): verify_ok then
        # rests on the wallets and the acknowledged holds alone.
        "verify_invariants": verdict.invariants_hold if verdict else None,
        "git_commit": git_commit(),
        "_recorder": recorder,
    }


def main(argv: list[str] | None = None) -> int:
    arguments = checked(parser().parse_args(argv))
    arguments.output.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        if arguments.target:
            if not arguments.api_key:
                raise SystemExit("--target needs --api-key (or LEDGERD_API_KEY)")
            started = [servers.Server(arguments.target, None)]
            api_key, database_url = arguments.api_key, arguments.database_url
        else:
            env = servers.environment(arguments.output / "pgdata")
            servers.ledgerd("migrate", env=env)
            api_key = servers.ledgerd("keys", "create", "--organization", f"bench-{uuid.uuid4()}", env=env)
            api_key = api_key.strip().splitlines()[-1]
            started = stack.enter_context(servers.started_servers(arguments.server_processes, env, arguments.output))
            database_url = env.get("DATABASE_URL") or start_embedded(Path(env["LEDGERD_DATA_DIR"]))
        # The server's collector settings for this process too: the load client and the SQL floor
        # (the server's write code in process) run here, beside the servers and the echo, which
        # have them (ledgerd.server.garbage_collection).
        tune_garbage_collector()
        result = uvloop.run(run(arguments, started, api_key, database_url))
    recorder = result.pop("_recorder")
    report.write_json(arguments.output, result)
    report.write_png(arguments.output, recorder, result, f"ledgerd-bench {arguments.scenario} / {arguments.mode}")
    print(report.table(result))
    return 0 if result["verify_ok"] is not False else 1
