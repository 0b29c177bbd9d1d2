"""`ledgerd sync --to URL`: one run of the push into a warehouse (core/sync.py), from DATABASE_URL.
Runnable from cron: a run that finds another one writing into the same warehouse exits 1 at once."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from ledgerd.server.core.sync import SyncAlreadyRunning, SyncNotOnCitus, SyncReport, sync
from ledgerd.server.domain import limits
from ledgerd.server.store.warehouse import SCHEMA_NAME

APPLICATION_NAME = "ledgerd sync"


def _schema(text: str) -> str:
    if not SCHEMA_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a lower-case SQL name ([a-z_][a-z0-9_]*)")
    return text


def add_sync_command(
    commands: Any,
    migrated_pool: Callable[..., Awaitable[asyncpg.Pool]],
    bounded: Callable[[int, int, str], Callable[[str], int]],
) -> None:
    parser = commands.add_parser("sync", help="push every ledger table into another PostgreSQL (a warehouse)")
    parser.add_argument("--to", required=True, metavar="URL", help="the warehouse's PostgreSQL URL")
    parser.add_argument(
        "--schema", type=_schema, default="ledgerd", help="the warehouse schema to write into (default ledgerd)"
    )
    parser.add_argument(
        "--rows-per-transaction",
        type=bounded(1, limits.sync_rows_per_transaction_max, "sync_rows_per_transaction_max"),
        default=limits.sync_rows_per_transaction_default,
        help=f"rows per warehouse transaction (default {limits.sync_rows_per_transaction_default})",
    )

    async def run(arguments: argparse.Namespace) -> int:
        pool = await migrated_pool(min_size=1, max_size=1)
        try:
            warehouse = await asyncpg.connect(arguments.to, server_settings={"application_name": APPLICATION_NAME})
        except (OSError, asyncpg.PostgresError) as error:
            print(f"ledgerd sync: cannot connect to the warehouse: {error}", file=sys.stderr)
            await pool.close()
            return 1
        try:
            async with pool.acquire() as source:
                report = await sync(source, warehouse, arguments.schema, arguments.rows_per_transaction)
        except SyncAlreadyRunning as error:
            print(f"ledgerd sync: {error}", file=sys.stderr)
            return 1
        except SyncNotOnCitus as error:
            print(f"ledgerd sync: {error}", file=sys.stderr)
            return 2
        finally:
            await warehouse.close()
            await pool.close()
        _print(report)
        return 0

    parser.set_defaults(run=run)


def _print(report: SyncReport) -> None:
    for table, copied in report.copied.items():
        print(f"{table}: {copied} copied, {report.deleted.get(table, 0)} deleted")
    print(f"synced every row written below transaction {report.horizon}", flush=True)
