"""`ledgerd export ledger_entries` on a ledger of N entries (the harness's COPY preload), as CSV and
as Parquet: each export's wall time and the exporting process's peak RSS (its own rusage, from
wait4), at N and at N/10, so that constant memory shows as the same peak at both sizes.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/export_memory.py

Makes a fresh database of DATABASE_URL (dropped afterwards), or uses an embedded PostgreSQL; the
ledger is written through a real server (the chart), its history by COPY (bench/preload.py)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import uvloop

from ledgerd.bench.preload import preload
from ledgerd.bench.setup import create_chart
from ledgerd.client import LedgerdClient
from ledgerd.server.app import start_server
from ledgerd.server.core.api_keys import create_api_key
from ledgerd.server.store.embedded import start_embedded
from ledgerd.server.store.migrate import apply_migrations
from ledgerd.server.store.pool import create_pool

LEDGERD = str(Path(sys.executable).parent / "ledgerd")
WALLETS = 100


def exported(database_url: str, ledger_id: str, format_name: str, output: Path) -> tuple[float, int, int]:
    """(seconds, peak RSS in MiB, bytes written) of one `ledgerd export` process."""
    started = time.monotonic()
    process = subprocess.Popen(
        [LEDGERD, "export", "ledger_entries", "--ledger", ledger_id, "--format", format_name, "--output", str(output)],
        env={**os.environ, "DATABASE_URL": database_url},
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"ledgerd export exited with {status}")
    return seconds, usage.ru_maxrss // 1024, output.stat().st_size


async def ledger_with_entries(database_url: str, entries: int) -> str:
    pool = await create_pool(database_url, min_size=1, max_size=4)
    async with pool.acquire() as connection:
        await apply_migrations(connection)
    server = await start_server(pool, "127.0.0.1:0", background=False)
    try:
        _, key = await create_api_key(pool, f"export-bench-{uuid.uuid4()}")
        async with LedgerdClient(f"127.0.0.1:{server.port}", key) as client:
            chart = await create_chart(client, "Export bench", WALLETS)
    finally:
        await server.stop(0)
        await pool.close()
    loaded = await preload(database_url, chart, entries)
    print(f"preloaded {loaded.entries} entries in {loaded.seconds:.0f} s", flush=True)
    # The statistics a database in use has (autovacuum's), not those of empty tables.
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return chart.ledger_id


async def measure(database_url: str, entries: int, folder: Path) -> None:
    print(f"{'entries':>9} {'format':>8} {'seconds':>8} {'rows/s':>9} {'peak RSS MiB':>13} {'file MiB':>9}")
    for count in (entries // 10, entries):
        ledger_id = await ledger_with_entries(database_url, count)
        for format_name in ("csv", "parquet"):
            seconds, rss, size = exported(database_url, ledger_id, format_name, folder / f"entries.{format_name}")
            print(
                f"{count:>9} {format_name:>8} {seconds:8.1f} {count / seconds:9.0f} {rss:13} {size / 2**20:9.1f}",
                flush=True,
            )


async def main(entries: int) -> None:
    server_url = os.environ.get("DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder:
        if not server_url:
            await measure(start_embedded(Path(folder) / "pgdata"), entries, Path(folder))
            return
        name = f"ledgerd_export_bench_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(server_url)
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            await measure(server_url.rsplit("/", 1)[0] + "/" + name, entries, Path(folder))
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="entries of the larger ledger (1,000,000)")
    uvloop.run(main(parser.parse_args().entries))
