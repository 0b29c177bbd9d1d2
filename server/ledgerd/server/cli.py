"""The `ledgerd` command line: serve, migrate, keys create/list/revoke, verify, export, sync, adapters serve."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import asyncpg
import uvloop

import ledgerd.adapters
from ledgerd.server.core import api_keys
from ledgerd.server.core.verify import verify
from ledgerd.server.domain import limits
from ledgerd.server.domain.errors import LedgerError
from ledgerd.server.domain.roles import Role
from ledgerd.server.export import command as export_command
from ledgerd.server.logs import configure_logging
from ledgerd.server.serving import serve_until_stopped
from ledgerd.server.store import distribution
from ledgerd.server.store import organizations as organizations_store
from ledgerd.server.store.embedded import database_url
from ledgerd.server.store.migrate import apply_migrations
from ledgerd.server.store.pool import close_pool, create_pool
from ledgerd.server.supervisor import run_workers
from ledgerd.server.sync_command import add_sync_command
from ledgerd.server.tls import tls_files
from ledgerd.server.workers import WorkerSettings

DEFAULT_ADDRESS = "127.0.0.1:50051"
# The organization of the key printed at the first start, so a new user can call at once.
FIRST_ORGANIZATION = "default"

log = logging.getLogger("ledgerd")


async def _migrated_pool(url: str | None = None, *, citus: bool = False, **options: Any) -> asyncpg.Pool:
    """A pool on a migrated database; on a Citus coordinator (or, with `citus`, required to be one)
    laid out for Citus too (store/distribution.py)."""
    pool = await create_pool(url or database_url(), **options)
    try:
        async with pool.acquire() as connection:
            for migration in await apply_migrations(connection):
                log.info("applied migration %04d_%s", migration.version, migration.name)
            if (citus or await distribution.is_citus(connection)) and await distribution.distribute(connection):
                log.info("distributed the ledger tables over the Citus workers by ledger_id")
    except BaseException:
        await pool.close()
        raise
    return pool


async def serve(arguments: argparse.Namespace) -> int:
    """Migrations and the first key once; then this process serves, or, with several workers, it
    supervises them, each serving with its own pool."""
    try:
        tls = tls_files(arguments.tls_cert, arguments.tls_key, arguments.tls_client_ca)
    except ValueError as error:
        print(f"ledgerd serve: {error}", file=sys.stderr)
        return 2
    url = database_url()
    alone = arguments.workers == 1
    pool = await _migrated_pool(url, **({"max_size": arguments.pool_size} if alone else {"min_size": 1, "max_size": 1}))
    try:
        await _create_first_key(pool)
        if alone:
            return await serve_until_stopped(pool, arguments.address, http_address=arguments.http_address, tls=tls)
    finally:
        await close_pool(pool)
    return await run_workers(
        WorkerSettings(url, arguments.address, arguments.pool_size, arguments.http_address, tls), arguments.workers
    )


async def _create_first_key(pool: asyncpg.Pool) -> None:
    if not await api_keys.has_api_keys(pool):
        _, key = await api_keys.create_api_key(pool, FIRST_ORGANIZATION)
        print(
            f"No API key existed: created one for organization {FIRST_ORGANIZATION!r} "
            "(shown once; send it as 'authorization: Bearer <key>'):",
            flush=True,
        )
        print(key, flush=True)


async def migrate(arguments: argparse.Namespace) -> int:
    try:
        pool = await _migrated_pool(citus=arguments.citus, min_size=1, max_size=1)
    except distribution.NotCitus as error:
        print(f"ledgerd migrate --citus: {error}", file=sys.stderr)
        return 2
    await pool.close()
    print("migrations applied", flush=True)
    return 0


async def create_key(arguments: argparse.Namespace) -> int:
    pool = await _migrated_pool(min_size=1, max_size=1)
    try:
        organization_id, key = await api_keys.create_api_key(
            pool,
            arguments.organization,
            role=Role(arguments.role),
            ledger_ids=arguments.ledger,
            expires_in_seconds=arguments.expires_in,
        )
    except LedgerError as error:
        print(f"ledgerd keys create: {error.message}", file=sys.stderr)
        return 2
    finally:
        await pool.close()
    confined = ", ".join(map(str, arguments.ledger)) if arguments.ledger else "every ledger"
    print(
        f"organization {arguments.organization!r} ({organization_id}): new {arguments.role} API key for "
        f"{confined}, shown once:"
    )
    print(key, flush=True)
    return 0


KEY_COLUMNS = ("id", "role", "ledgers", "created", "last used", "expires", "revoked")


async def list_keys(arguments: argparse.Namespace) -> int:
    """One line a key, never its secret (only its hash is stored anyway)."""
    pool = await _migrated_pool(min_size=1, max_size=1)
    try:
        rows = await organizations_store.api_keys_of_organization(pool, arguments.organization)
    finally:
        await pool.close()
    if rows is None:
        print(f"ledgerd keys list: no organization {arguments.organization!r}", file=sys.stderr)
        return 2
    table = [KEY_COLUMNS] + [
        (
            str(row["id"]),
            row["role"],
            ",".join(map(str, row["ledger_ids"])) or "all",
            _when(row["created_at"]),
            _when(row["last_used_at"]),
            _when(row["expires_at"]),
            _when(row["revoked_at"]),
        )
        for row in rows
    ]
    widths = [max(len(line[column]) for line in table) for column in range(len(KEY_COLUMNS))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
    return 0


def _when(moment: Any) -> str:
    return "-" if moment is None else moment.isoformat(timespec="seconds")


async def revoke_key(arguments: argparse.Namespace) -> int:
    pool = await _migrated_pool(min_size=1, max_size=1)
    try:
        revoked = await api_keys.revoke_api_key(pool, arguments.key_or_id)
    except LedgerError as error:
        print(f"ledgerd keys revoke: {error.message}", file=sys.stderr)
        return 2
    finally:
        await pool.close()
    if revoked is None:
        print("ledgerd keys revoke: no such API key", file=sys.stderr)
        return 2
    key_id, revoked_at = revoked
    print(
        f"API key {key_id} revoked at {_when(revoked_at)}: refused by every server within "
        f"{limits.api_key_cache_seconds:g} s"
    )
    return 0


async def verify_command(arguments: argparse.Namespace) -> int:
    pool = await _migrated_pool(min_size=1, max_size=2)
    try:
        results = await verify(pool)
    finally:
        await pool.close()
    failed = {check: rows for check, rows in results.items() if rows}
    for check in results:
        print(f"{'FAIL' if check in failed else 'ok  '} {check}")
        for row in failed.get(check, ()):
            print("     " + json.dumps(row, default=str))
    return 1 if failed else 0


def bounded(low: int, high: int, limit_names: str) -> Callable[[str], int]:
    """An argparse type: an integer in low..high, else a usage error naming the limits."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be in {low}..{high} ({limit_names} in domain/limits.py), got {value}"
            )
        return value

    return parse


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="ledgerd", description="A double-entry ledger database served over gRPC.")
    commands = top.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve gRPC (DATABASE_URL, else the embedded PostgreSQL)")
    serve_parser.add_argument("--address", default=DEFAULT_ADDRESS, help=f"HOST:PORT (default {DEFAULT_ADDRESS})")
    serve_parser.add_argument(
        "--http-address",
        help="HOST:PORT to serve HTTP on too: Modern Treasury's Ledgers REST API under /api (default: no HTTP)",
    )
    serve_parser.add_argument(
        "--pool-size",
        type=bounded(limits.pool_size_min, limits.pool_size_max, "pool_size_min..pool_size_max"),
        default=20,
        help="database connections per process (default 20)",
    )
    serve_parser.add_argument(
        "--workers",
        type=bounded(1, limits.workers_max, "workers_max"),
        default=1,
        help=f"server processes on the one address, SO_REUSEPORT (default 1, at most {limits.workers_max})",
    )
    serve_parser.add_argument("--tls-cert", type=Path, help="PEM certificate chain: serve TLS (else plaintext)")
    serve_parser.add_argument("--tls-key", type=Path, help="PEM private key of --tls-cert")
    serve_parser.add_argument(
        "--tls-client-ca", type=Path, help="PEM CA: clients must present a certificate it signed (mTLS)"
    )
    serve_parser.set_defaults(run=serve)
    migrating = commands.add_parser("migrate", help="apply pending migrations (and the Citus layout on a coordinator)")
    migrating.add_argument(
        "--citus", action="store_true", help="require a Citus coordinator with workers and lay the tables out for it"
    )
    migrating.set_defaults(run=migrate)
    keys = commands.add_parser("keys", help="API keys").add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", help="create an API key (and the organization, if new)")
    create.add_argument("--organization", required=True, help="organization name")
    create.add_argument(
        "--role",
        choices=[role.value for role in Role],
        default=Role.ADMIN.value,
        help="what the key may call (default admin)",
    )
    create.add_argument(
        "--ledger",
        type=uuid.UUID,
        action="append",
        default=[],
        metavar="LEDGER_ID",
        help="confine the key to this ledger (repeat for several; default every ledger)",
    )
    create.add_argument(
        "--expires-in",
        type=bounded(1, limits.api_key_expires_in_seconds_max, "api_key_expires_in_seconds_max"),
        metavar="SECONDS",
        help="the key stops working this long from now (default never)",
    )
    create.set_defaults(run=create_key)
    listing = keys.add_parser("list", help="list an organization's API keys (never the keys themselves)")
    listing.add_argument("--organization", required=True, help="organization name")
    listing.set_defaults(run=list_keys)
    revoke = keys.add_parser("revoke", help="revoke an API key, named by itself or by its id")
    revoke.add_argument("key_or_id", metavar="KEY_OR_ID")
    revoke.set_defaults(run=revoke_key)
    commands.add_parser("verify", help="check every invariant on the database").set_defaults(run=verify_command)
    export = commands.add_parser("export", help="write one table of a ledger as CSV or Parquet (DATABASE_URL)")
    export_command.add_arguments(export)
    export.set_defaults(run=export_command.export)
    add_sync_command(commands, _migrated_pool, bounded)
    adapters = commands.add_parser("adapters", help="card-issuer webhook adapters (HTTP)")
    adapters_commands = adapters.add_subparsers(dest="adapters_command", required=True)
    adapters_serve = adapters_commands.add_parser("serve", help="serve Lithic, Marqeta and Stripe Issuing webhooks")
    ledgerd.adapters.add_serve_arguments(adapters_serve)
    adapters_serve.set_defaults(run=ledgerd.adapters.serve)
    return top


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    configure_logging()
    run: Callable[[argparse.Namespace], Coroutine[Any, Any, int]] = arguments.run
    return uvloop.run(run(arguments))


if __name__ == "__main__":
    sys.exit(main())
