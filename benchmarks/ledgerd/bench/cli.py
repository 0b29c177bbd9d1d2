"""`ledgerd-bench`: realistic card-authorization load on ledgerd, with same-run baselines and a
correctness check after the run (docs/api.md, "Command line").

    ledgerd-bench --scenario uniform --mode unary --duration 30 --output results/uniform-unary
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
from functools import partial
from pathlib import Path
from typing import Any

import uvloop

try:
    from ledgerd.bench import baselines, checks, load, report, servers
except ModuleNotFoundError as missing:  # hdrhistogram or matplotlib: the [bench] extra
    raise SystemExit(
        f"ledgerd-bench needs its extra: pip install 'ledgerd[bench]' ({missing.name} is missing)"
    ) from None
from ledgerd.bench.setup import create_chart, create_transfer_handler, preload
from ledgerd.client import LedgerdClient
from ledgerd.server.store.embedded import start_embedded
from ledgerd.server.store.pool import create_pool

DEFAULT_WALLETS = {"uniform": 10_000, "hot": 1, "transfers": 10_000, "events": 10_000}
# The operation counted as the scenario's main write (holds for the card scenarios).
MAIN_WRITES = {"transfers": "transfer", "events": "event"}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="ledgerd-bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    top.add_argument("--scenario", choices=sorted(load.MIXES), required=True)
    top.add_argument("--mode", choices=("unary", "stream"), default="unary")
    top.add_argument("--duration", type=float, required=True, help="seconds of load (and of each baseline)")
    top.add_argument("--clients", type=int, default=64, help="concurrent requesters (default 64)")
    top.add_argument(
        "--client-processes", type=int, default=1, help="processes the requesters are spread over (default 1)"
    )
    top.add_argument("--streams", type=int, default=0, help="PlaceHolds streams in stream mode (default clients/16)")
    top.add_argument("--wallets", type=int, help="funded wallets (default 10000; 1 for hot)")
    top.add_argument("--preload-entries", type=int, default=0, help="history written before the run (default 0)")
    top.add_argument("--mix", help="operation weights, e.g. place=70,capture=20,release=5,balances=5,increase=5")
    top.add_argument("--output", type=Path, required=True, help="folder for result.json and report.png")
    where = top.add_mutually_exclusive_group()
    where.add_argument("--target", help="HOST:PORT of a running server (with --api-key or LEDGERD_API_KEY)")
    where.add_argument("--server-processes", type=int, default=1, help="servers to start (default 1)")
    top.add_argument("--api-key", default=os.environ.get("LEDGERD_API_KEY"))
    top.add_argument("--database-url", help="with --target: its database, for the baselines and the checks")
    top.add_argument("--skip-baselines", action="store_true", help="no pgbench and no SQL floor run")
    top.add_argument("--no-progress", action="store_true")
    return top


def parse_mix(text: str | None, scenario: str) -> dict[str, int]:
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


async def drive_everywhere(
    arguments: argparse.Namespace,
    clients: list[LedgerdClient],
    targets: list[str],
    api_key: str,
    chart: Any,
    wallets: list[str],
    mix: dict[str, int],
    streams: int,
) -> load.Recorder:
    """The load from this process, or split across --client-processes processes over the same
    seconds (this one included; its progress bar shows its own share)."""
    progress = None if arguments.no_progress else show_progress
    processes = arguments.client_processes
    if processes <= 1:
        return await load.drive(
            clients,
            chart,
            wallets,
            mix,
            requesters=arguments.clients,
            streams=streams,
            seconds=arguments.duration,
            progress=progress,
        )
    requesters, stream_counts = shares(arguments.clients, processes), shares(streams, processes)
    started = time.monotonic() + CLIENT_PROCESS_START_SECONDS
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(processes - 1, mp_context=multiprocessing.get_context("spawn")) as executor:
        others = [
            loop.run_in_executor(
                executor,
                partial(
                    load.drive_process,
                    targets,
                    api_key,
                    chart,
                    wallets,
                    mix,
                    requesters=requesters[index],
                    streams=stream_counts[index],
                    seconds=arguments.duration,
                    started=started,
                ),
            )
            for index in range(1, processes)
        ]
        recorder = await load.drive(
            clients,
            chart,
            wallets,
            mix,
            requesters=requesters[0],
            streams=stream_counts[0],
            seconds=arguments.duration,
            progress=progress,
            started=started,
        )
        for wire in await asyncio.gather(*others):
            recorder.absorb(wire)
    return recorder


async def run(
    arguments: argparse.Namespace, targets: list[str], api_key: str, database_url: str | None
) -> dict[str, Any]:
    mix = parse_mix(arguments.mix, arguments.scenario)
    wallets_count = arguments.wallets or DEFAULT_WALLETS[arguments.scenario]
    clients = [LedgerdClient(t, api_key) for t in targets]
    try:
        chart = await create_chart(clients[0], f"bench {arguments.scenario} {uuid.uuid4().hex[:8]}", wallets_count)
        preloaded = await preload(clients[0], chart, arguments.preload_entries) if arguments.preload_entries else 0
        if arguments.scenario == "events":
            await create_transfer_handler(clients[0], chart)
        wallets = chart.wallets[:1] if arguments.scenario == "hot" else chart.wallets
        tpcb = sql = None
        pool = await create_pool(database_url, min_size=2, max_size=20) if database_url else None
        try:
            if pool is not None:
                # Statistics of the chart just written, as a database in service has them: without,
                # the first run on a fresh database measured plans made for empty tables (0.4x).
                await pool.execute("ANALYZE")
            if pool is not None and not arguments.skip_baselines:
                tpcb = await baselines.tpcb_tps(database_url, arguments.clients, arguments.duration)  # type: ignore[arg-type]
                # The SQL floor writes on the load's own accounts, as their organization.
                organization = await pool.fetchval(
                    "SELECT organization_id FROM ledgers WHERE id = $1", uuid.UUID(chart.ledger_id)
                )
                sql = await baselines.sql_floor(
                    # events: the floor of the transfer each event becomes.
                    pool,
                    organization,
                    chart,
                    wallets,
                    "transfers" if arguments.scenario == "events" else arguments.scenario,
                    arguments.clients,
                    arguments.duration,
                )
            streams = (arguments.streams or max(1, arguments.clients // 16)) if arguments.mode == "stream" else 0
            recorder = await drive_everywhere(arguments, clients, targets, api_key, chart, wallets, mix, streams)
            elapsed = time.monotonic() - recorder.started
            verdict = await checks.check(pool, chart.wallets, recorder.acknowledged_holds) if pool else None
        finally:
            if pool is not None:
                await pool.close()
    finally:
        for client in clients:
            await client.close()
    operations = recorder.latency.get_total_count()
    main_kind = MAIN_WRITES.get(arguments.scenario)
    main_writes = recorder.operations[main_kind] if main_kind else recorder.holds
    main_rate = main_writes / elapsed
    return {
        "scenario": arguments.scenario,
        "mode": arguments.mode,
        "duration_s": elapsed,
        "clients": arguments.clients,
        "client_processes": arguments.client_processes,
        "server_processes": len(targets),
        "wallets": len(wallets),
        "preloaded_entries": preloaded,
        "mix": mix,
        "operations": operations,
        "operations_by_kind": dict(recorder.operations),
        "operations_per_second": operations / elapsed,
        "holds_per_second": recorder.holds / elapsed,
        "latency_ms": report.latency_ms(recorder),
        "declined": recorder.declined,
        "errors": sum(recorder.errors.values()),
        "errors_by_code": dict(recorder.errors),
        "baseline_tpcb_tps": tpcb,
        "ratio_to_tpcb": main_rate / tpcb if tpcb else None,
        "baseline_sql_per_second": sql,
        "ratio_to_sql": main_rate / sql if sql else None,
        "verify_ok": verdict.ok if verdict else None,
        "git_commit": git_commit(),
        "_recorder": recorder,
    }


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    if not 1 <= arguments.client_processes <= arguments.clients:
        raise SystemExit("--client-processes must be 1 to --clients")
    arguments.output.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        if arguments.target:
            if not arguments.api_key:
                raise SystemExit("--target needs --api-key (or LEDGERD_API_KEY)")
            targets, api_key, database_url = [arguments.target], arguments.api_key, arguments.database_url
        else:
            env = servers.environment(arguments.output / "pgdata")
            servers.ledgerd("migrate", env=env)
            api_key = servers.ledgerd("keys", "create", "--organization", f"bench-{uuid.uuid4()}", env=env)
            api_key = api_key.strip().splitlines()[-1]
            targets = stack.enter_context(servers.started_servers(arguments.server_processes, env, arguments.output))
            database_url = env.get("DATABASE_URL") or start_embedded(Path(env["LEDGERD_DATA_DIR"]))
        result = uvloop.run(run(arguments, targets, api_key, database_url))
    recorder = result.pop("_recorder")
    report.write_json(arguments.output, result)
    report.write_png(arguments.output, recorder, f"ledgerd-bench {arguments.scenario} / {arguments.mode}")
    print(report.table(result))
    return 0 if result["verify_ok"] is not False else 1
