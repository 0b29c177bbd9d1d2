"""The `ledgerd` command line as a user runs it: keys, verify, migrate, and serve from nothing."""

from __future__ import annotations

import os
from pathlib import Path

import asyncpg
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ledgerd.client import LedgerdClient
from ledgerd.v1 import ledger_pb2

from .ledger_helpers import (
    DEBIT_NORMAL,
    POSTED,
    create_account,
    create_ledger,
    create_transaction,
    run_ledgerd,
    transfer,
)
from .serving_helpers import Served


async def test_keys_create_prints_a_working_key_on_the_last_line(database_url: str, target: str) -> None:
    code, output = await run_ledgerd("keys", "create", "--organization", "cli-test-org", database_url=database_url)
    assert code == 0, output
    key = output.strip().splitlines()[-1]
    assert key.startswith("ldg_")
    async with LedgerdClient(target, key) as client:
        created = await client.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="From the CLI"))
        assert created.ledger.name == "From the CLI"


async def test_migrate_is_idempotent(database_url: str) -> None:
    code, output = await run_ledgerd("migrate", database_url=database_url)
    assert code == 0 and "migrations applied" in output


async def test_verify_passes_on_a_sound_ledger_and_names_a_tampered_balance(
    client: LedgerdClient, pool: asyncpg.Pool, database_url: str
) -> None:
    ledger = await create_ledger(client)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    await create_transaction(client, transfer(cash.id, wallet.id, 100, status=POSTED))
    code, output = await run_ledgerd("verify", database_url=database_url)
    assert code == 0, output

    await pool.execute("UPDATE ledger_accounts SET posted_credits = posted_credits + 1 WHERE id = $1", wallet.id)
    try:
        code, output = await run_ledgerd("verify", database_url=database_url)
        assert code == 1
        assert "FAIL" in output and wallet.id in output
    finally:
        await pool.execute("UPDATE ledger_accounts SET posted_credits = posted_credits - 1 WHERE id = $1", wallet.id)
    code, output = await run_ledgerd("verify", database_url=database_url)
    assert code == 0, output


async def test_serve_without_database_url_starts_embedded_postgres_and_prints_a_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["LEDGERD_DATA_DIR"] = str(tmp_path / "pgdata")
    served = await Served.start("--address", "127.0.0.1:0", env=env, cwd=tmp_path)
    try:
        key = await served.line("ldg_")
        async with grpc.aio.insecure_channel(served.address) as channel:
            health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
            assert health.status == health_pb2.HealthCheckResponse.SERVING
        async with LedgerdClient(served.address, key) as client:
            ledger = await create_ledger(client, "First")
            assert ledger.name == "First"
    finally:
        assert await served.stop() == 0, served.output()
