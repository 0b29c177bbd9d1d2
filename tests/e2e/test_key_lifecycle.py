"""API keys from the command line to their end: `keys create` with a role and ledgers, `keys list`
(never a secret), `keys revoke` refused by every process of `serve --workers 2` within the key cache
period, expiry, and no key in any line a server printed (docs/security.md)."""

from __future__ import annotations

import asyncio
import os
import re
import uuid

import asyncpg
import grpc
import pytest

from ledgerd.client import LedgerdClient, error_details
from ledgerd.server.core.api_keys import create_api_key
from ledgerd.server.domain import limits
from ledgerd.server.domain.roles import Role
from ledgerd.v1 import ledger_pb2

from .ledger_helpers import create_ledger, refused, run_ledgerd
from .serving_helpers import Served

WORKER_STOPPED = re.compile(r"ledgerd worker (\d+) stopping after (\d+) calls")
# Each channel its own connection, so that the kernel spreads them over the workers (SO_REUSEPORT
# hashes connections): with 16, all on one of two workers has odds of 2**-15.
CHANNELS = 16
OWN_CONNECTION = [("grpc.use_local_subchannel_pool", 1)]


async def new_key(database_url: str, *arguments: str) -> str:
    code, output = await run_ledgerd("keys", "create", *arguments, database_url=database_url)
    assert code == 0, output
    key = output.strip().splitlines()[-1]
    assert key.startswith("ldg_")
    return key


async def key_list(database_url: str, organization: str) -> list[dict[str, str]]:
    code, output = await run_ledgerd("keys", "list", "--organization", organization, database_url=database_url)
    assert code == 0, output
    header, *rows = output.strip().splitlines()
    assert header.split() == ["id", "role", "ledgers", "created", "last", "used", "expires", "revoked"]
    names = ["id", "role", "ledgers", "created", "last used", "expires", "revoked"]
    return [dict(zip(names, row.split(), strict=True)) for row in rows]


async def list_ledgers(client: LedgerdClient) -> None:
    await client.ledgers.ListLedgers(ledger_pb2.ListLedgersRequest(), timeout=30)


async def test_keys_list_shows_roles_ledgers_and_times_and_never_a_secret(
    database_url: str, target: str, pool: asyncpg.Pool
) -> None:
    organization = f"list-{uuid.uuid4()}"
    admin_key = await new_key(database_url, "--organization", organization)
    async with LedgerdClient(target, admin_key) as admin:
        ledger = await create_ledger(admin)
    reader_key = await new_key(
        database_url, "--organization", organization, "--role", "reader", "--ledger", ledger.id, "--expires-in", "3600"
    )
    rows = await key_list(database_url, organization)
    assert [(row["role"], row["ledgers"]) for row in rows] == [("admin", "all"), ("reader", ledger.id)]
    assert rows[0]["expires"] == "-" and rows[1]["expires"] != "-"
    assert all(row["revoked"] == "-" for row in rows)
    code, output = await run_ledgerd("keys", "list", "--organization", organization, database_url=database_url)
    hashes = [bytes(row["key_hash"]).hex() for row in await pool.fetch("SELECT key_hash FROM api_keys")]
    assert admin_key not in output and reader_key not in output and not any(h in output for h in hashes)

    async with LedgerdClient(target, reader_key) as reader:
        await reader.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=ledger.id))

    code, output = await run_ledgerd("keys", "revoke", rows[1]["id"], database_url=database_url)
    assert code == 0 and rows[1]["id"] in output, output
    assert [row["revoked"] != "-" for row in await key_list(database_url, organization)] == [False, True]


async def test_keys_create_refuses_a_ledger_the_organization_does_not_have(database_url: str) -> None:
    code, output = await run_ledgerd(
        "keys",
        "create",
        "--organization",
        f"o-{uuid.uuid4()}",
        "--ledger",
        str(uuid.uuid4()),
        database_url=database_url,
    )
    assert code == 2 and "no ledger" in output


async def test_keys_revoke_of_an_unknown_key_says_so(database_url: str) -> None:
    code, output = await run_ledgerd("keys", "revoke", str(uuid.uuid4()), database_url=database_url)
    assert code == 2 and "no such API key" in output
    code, output = await run_ledgerd("keys", "revoke", "neither", database_url=database_url)
    assert code == 2


async def test_an_expired_key_is_unauthenticated(pool: asyncpg.Pool, target: str) -> None:
    _, key = await create_api_key(pool, f"expiring-{uuid.uuid4()}", role=Role.READER, expires_in_seconds=1)
    async with LedgerdClient(target, key) as client:
        await list_ledgers(client)
        # The cache trusts the key only until it expires, so after that second it is refused.
        await asyncio.sleep(1.1)
        await refused(list_ledgers(client), grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED")


async def test_a_revoked_key_is_refused_by_every_worker_within_the_cache_period_and_no_log_holds_a_key(
    own_database_url: str,
) -> None:
    assert limits.api_key_cache_seconds <= 5  # the promise in docs/security.md
    organization = "revocation"
    # Made before the server starts, so that it prints no first key of its own.
    key = await new_key(own_database_url, "--organization", organization)
    reader_key = await new_key(own_database_url, "--organization", organization, "--role", "reader")
    served = await Served.start(
        "--workers", "2", "--address", "127.0.0.1:0", env={**os.environ, "DATABASE_URL": own_database_url}
    )
    clients = [LedgerdClient(served.address, key, options=OWN_CONNECTION) for _ in range(CHANNELS)]
    try:
        # Every connection's worker verifies the key and caches it.
        await asyncio.gather(*(list_ledgers(client) for client in clients))
        async with LedgerdClient(served.address, reader_key) as reader:
            await refused(
                reader.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="No")),
                grpc.StatusCode.PERMISSION_DENIED,
                "API_KEY_ROLE_FORBIDS_METHOD",
            )
        async with LedgerdClient(served.address, "ldg_" + "x" * 43) as impostor:
            await refused(list_ledgers(impostor), grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED")

        key_id = (await key_list(own_database_url, organization))[0]["id"]
        code, output = await run_ledgerd("keys", "revoke", key, database_url=own_database_url)
        assert code == 0 and key_id in output, output
        # Past the cache period, every connection, on whichever worker cached the key, is refused,
        # and so is a new one.
        await asyncio.sleep(limits.api_key_cache_seconds)
        for client in [*clients, LedgerdClient(served.address, key, options=OWN_CONNECTION)]:
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await list_ledgers(client)
            assert error_details(raised.value).code == grpc.StatusCode.UNAUTHENTICATED
            await client.close()
    finally:
        for client in clients:
            await client.close()
        assert await served.stop() == 0

    output = served.output()
    calls = dict(WORKER_STOPPED.findall(output))
    assert len(calls) == 2 and all(int(count) > 0 for count in calls.values()), output
    # The refusals are in the log with the key's id, and no line holds a key.
    assert f"API key {key_id} was revoked" in output
    assert "api_key_id=" in output and "reason=ERROR_REASON_API_KEY_ROLE_FORBIDS_METHOD" in output
    for secret in (key, reader_key, "ldg_" + "x" * 43):
        assert secret not in output
    # "last used" was written by the servers (at most once a cache period, and at their stop).
    rows = await key_list(own_database_url, organization)
    assert rows[0]["last used"] != "-" and rows[1]["last used"] != "-"
