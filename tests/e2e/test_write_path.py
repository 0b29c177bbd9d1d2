"""The write path's own guarantees (docs/write-path.md): a batch decided against a snapshot is
written only if nothing it guarded moved; unguarded accounts change by deltas and stay exact;
answers are settled against the state found under the lock; the last attempt under the locks;
notifications only while somebody listens; references checked by verify."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import asyncpg
import grpc
import pytest

from ledgerd.client import LedgerdClient
from ledgerd.server.app import start_server
from ledgerd.server.core import writer
from ledgerd.server.core.callers import Caller, calling
from ledgerd.server.core.holds import CaptureHold, PlaceHold
from ledgerd.server.core.verify import verify
from ledgerd.server.domain import limits
from ledgerd.server.domain.errors import InvariantViolation
from ledgerd.server.store import account_versions, batch_write
from ledgerd.server.store.batch_write import Moved, Snapshot
from ledgerd.server.store.pool import create_pool
from ledgerd.v1 import balance_pb2, hold_pb2

from .ledger_helpers import POSTED, create_account, create_transaction, get_account, transfer
from .test_holds import APPROVED, assert_verified, card_program, place

# The writes these tests send to the writer directly are a call's, as the server's are: each
# leaves its audit event, which `verify` looks for (docs/audit.md).
A_CALL = Caller(uuid.uuid4(), "tests/e2e/test_write_path.py")


async def organization_of(pool: asyncpg.Pool, account_id: str) -> uuid.UUID:
    organization: uuid.UUID = await pool.fetchval(
        "SELECT l.organization_id FROM ledger_accounts a JOIN ledgers l ON l.id = a.ledger_id WHERE a.id = $1",
        uuid.UUID(account_id),
    )
    return organization


def place_write(wallet: str, settlement: str, amount: int) -> PlaceHold:
    return PlaceHold(
        ledger_account_id=uuid.UUID(wallet),
        counter_ledger_account_id=uuid.UUID(settlement),
        amount=amount,
        currency=None,
        external_id=None,
        expires_at=None,
        timeout_seconds=None,
        allow_partial=False,
        available_balance_floor=0,
        metadata={},
        fingerprint=uuid.uuid4().bytes,
    )


async def decided(
    pool: asyncpg.Pool, organization: uuid.UUID, writes: list[writer.Write]
) -> tuple[writer.BatchState, list[writer.Outcome]]:
    """A batch read and decided, not yet written."""
    async with pool.acquire() as connection:
        state = await writer._read(connection, organization, writes, lock=False)
    return state, writer._decide(state, writes, [A_CALL] * len(writes))


async def another_wallet(client: LedgerdClient, wallet: str, cash: str, funds: int) -> str:
    """A funded wallet in the ledger of `wallet`."""
    ledger_id = (await get_account(client, wallet)).ledger_id
    other = await create_account(client, ledger_id, "Another wallet")
    await create_transaction(client, transfer(cash, other.id, funds, status=POSTED))
    return other.id


async def test_a_batch_whose_guarded_account_moved_writes_nothing(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    wallet, settlement, _ = await card_program(client, funds=1_000)
    organization = await organization_of(pool, wallet)
    stale, _ = await decided(pool, organization, [place_write(wallet, settlement, 600)])
    assert uuid.UUID(wallet) in stale.guarded
    # Another writer takes the wallet's funds after the snapshot was read.
    assert (await client.holds.PlaceHold(place(wallet, settlement, 700))).decision == APPROVED
    snapshot = Snapshot(stale.snapshot, stale.row_versions, frozenset(stale.guarded))
    async with pool.acquire() as connection:
        with pytest.raises(Moved):
            await batch_write.write(connection, stale.write_set, snapshot)
    account = await get_account(client, wallet)
    assert (account.lock_version, account.balances.available_balance.amount) == (2, 300)
    await assert_verified(pool)


async def test_an_unguarded_account_moved_by_others_is_written_at_its_real_version_and_answers_say_so(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    wallet, settlement, cash = await card_program(client, funds=1_000)
    other = await another_wallet(client, wallet, cash, 500)
    held = await client.holds.PlaceHold(place(wallet, settlement, 100))
    organization = await organization_of(pool, wallet)
    stale, outcomes = await decided(pool, organization, [CaptureHold(uuid.UUID(held.hold.id), 40, False)])
    assert uuid.UUID(settlement) not in stale.guarded
    # The settlement account moves (another wallet's hold) between the snapshot and the write.
    assert (await client.holds.PlaceHold(place(other, settlement, 50))).decision == APPROVED
    async with pool.acquire() as connection:
        (captured,) = await writer._write(connection, stale, outcomes)
    (entry,) = [e for e in captured.ledger_transaction.ledger_entries if str(e.ledger_account_id) == settlement]
    stored = await pool.fetchval("SELECT ledger_account_lock_version FROM ledger_entries WHERE id = $1", entry.id)
    account = await get_account(client, settlement)
    # Versions 1 and 2 were the two holds; the capture's posted transaction made version 3 (its
    # entry's), and the 60 left pending on the hold made version 4.
    assert (entry.ledger_account_lock_version, stored, account.lock_version) == (3, 3, 4)
    assert (entry.resulting_totals.posted_credits, entry.resulting_totals.pending_credits) == (40, 150)
    assert account.balances.posted_balance.credits == 40
    await assert_verified(pool)


async def test_the_last_attempt_decides_under_the_locks(
    client: LedgerdClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "optimistic_write_attempts_max", 0)
    wallet, settlement, _ = await card_program(client, funds=1_000)
    organization = await organization_of(pool, wallet)
    with calling(A_CALL):
        outcomes = await writer.execute(
            pool, organization, [place_write(wallet, settlement, a) for a in (600, 500, 400)]
        )
    assert [o.decision.value for o in outcomes] == ["approved", "declined", "approved"]
    assert (await get_account(client, wallet)).balances.available_balance.amount == 0
    await assert_verified(pool)


async def test_writes_notify_only_while_a_listener_is_registered(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    wallet, settlement, _ = await card_program(client, funds=1_000)
    assert await pool.fetchval("SELECT count(*) FROM ledgerd_balance_listeners") == 0
    heard: asyncio.Queue[str] = asyncio.Queue()

    def hear(*notification: object) -> None:
        heard.put_nowait(str(notification[-1]))

    async with pool.acquire() as connection:
        await connection.add_listener(account_versions.CHANNEL, hear)
        await client.holds.PlaceHold(place(wallet, settlement, 1))  # nobody registered: no notification
        await account_versions.register_listener(connection)
        await client.holds.PlaceHold(place(wallet, settlement, 2))
        payload = await asyncio.wait_for(heard.get(), 30)
        assert set(payload.split(",")) == {wallet, settlement}
        assert heard.empty()
        await account_versions.unregister_listener(connection)
        await connection.remove_listener(account_versions.CHANNEL, hear)
    # A watcher registers its server's listening connection while it watches.
    stream = client.balances.WatchBalances(balance_pb2.WatchBalancesRequest(ledger_account_ids=[wallet]))
    await stream.read()
    for _ in range(200):  # the listening connection registers itself beside the first read
        if await pool.fetchval("SELECT count(*) FROM ledgerd_balance_listeners") == 1:
            break
        await asyncio.sleep(0.05)
    assert await pool.fetchval("SELECT count(*) FROM ledgerd_balance_listeners") == 1
    stream.cancel()


async def test_verify_names_a_row_that_references_nothing(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    wallet, settlement, _ = await card_program(client, funds=1_000)
    held = await client.holds.PlaceHold(place(wallet, settlement, 10))
    hold_id = uuid.UUID(held.hold.id)
    backing = await pool.fetchval("SELECT ledger_transaction_id FROM holds WHERE id = $1", hold_id)
    await pool.execute("UPDATE holds SET ledger_transaction_id = $1 WHERE id = $2", uuid.uuid4(), hold_id)
    try:
        offenders = (await verify(pool))["every row references rows that exist in its own ledger"]
    finally:
        await pool.execute("UPDATE holds SET ledger_transaction_id = $1 WHERE id = $2", backing, hold_id)
    assert [(r["rows"], r["id"]) for r in offenders] == [("holds", held.hold.id)]
    await assert_verified(pool)


async def test_verify_names_a_hold_whose_captured_amount_is_not_what_its_captures_posted(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    wallet, settlement, _ = await card_program(client, funds=1_000)
    uncaptured = (await client.holds.PlaceHold(place(wallet, settlement, 10))).hold.id
    captured = (await client.holds.PlaceHold(place(wallet, settlement, 30))).hold.id
    await client.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=captured, amount=20, final=False))
    shift = "UPDATE holds SET captured_amount = captured_amount + $2 WHERE id = $1"
    for hold_id in (uncaptured, captured):  # one of each half of the check
        await pool.execute(shift, uuid.UUID(hold_id), 1)
    try:
        offenders = (await verify(pool))["a hold's captured amount is what its captures posted"]
    finally:
        for hold_id in (uncaptured, captured):
            await pool.execute(shift, uuid.UUID(hold_id), -1)
    assert sorted((str(r["id"]), r["captured_amount"], r["posted"]) for r in offenders) == sorted(
        [(uncaptured, 1, 0), (captured, 21, 20)]
    )
    await assert_verified(pool)


async def test_concurrent_holds_through_two_servers_keep_the_shared_account_exact(
    client: LedgerdClient, pool: asyncpg.Pool, database_url: str, api_key: str
) -> None:
    wallet, settlement, cash = await card_program(client, funds=10_000)
    wallets = [wallet, *[await another_wallet(client, wallet, cash, 10_000) for _ in range(3)]]
    other_pool = await create_pool(database_url, min_size=2, max_size=10)
    other_server = await start_server(other_pool, "127.0.0.1:0", background=False)
    other_client = LedgerdClient(f"127.0.0.1:{other_server.port}", api_key)
    try:
        requests = [place(wallets[i % len(wallets)], settlement, 7) for i in range(400)]
        answers = await asyncio.gather(
            *((client if i % 2 else other_client).holds.PlaceHold(r) for i, r in enumerate(requests))
        )
    finally:
        await other_client.close()
        await other_server.stop()
        await other_pool.close()
    assert all(a.decision == APPROVED for a in answers)
    account = await get_account(client, settlement)
    assert account.lock_version == 400
    assert account.balances.pending_balance.credits == 400 * 7
    versions = await pool.fetch(
        "SELECT lock_version, pending_credits FROM ledger_account_versions WHERE ledger_account_id = $1 ORDER BY 1",
        uuid.UUID(settlement),
    )
    assert [(v["lock_version"], v["pending_credits"]) for v in versions] == [(n, 7 * n) for n in range(1, 401)]
    await assert_verified(pool)


@contextlib.asynccontextmanager
async def poisoned_holds(pool: asyncpg.Pool) -> AsyncIterator[str]:
    """A fault injected into the database: inserting a hold whose metadata has the yielded key fails
    with an error no rule of ledgerd expects (what NaN in a jsonb field once did)."""
    marker = f"poison_{uuid.uuid4().hex}"
    await pool.execute(
        f"CREATE FUNCTION {marker}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        f" IF NEW.metadata ? '{marker}' THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$;"
        f" CREATE TRIGGER {marker} BEFORE INSERT ON holds FOR EACH ROW EXECUTE FUNCTION {marker}()"
    )
    try:
        yield marker
    finally:
        await pool.execute(f"DROP TRIGGER {marker} ON holds; DROP FUNCTION {marker}()")


async def test_a_write_that_fails_unexpectedly_fails_alone(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    wallet, settlement, _ = await card_program(client, funds=1_000)
    organization = await organization_of(pool, wallet)
    async with poisoned_holds(pool) as marker:
        writes = [place_write(wallet, settlement, 100) for _ in range(5)]
        writes[2] = replace(writes[2], metadata={marker: "1"})
        with calling(A_CALL):
            outcomes = await writer.execute(pool, organization, writes)
    assert isinstance(outcomes[2], InvariantViolation)
    assert [o.decision.value for i, o in enumerate(outcomes) if i != 2] == ["approved"] * 4
    assert (await get_account(client, wallet)).balances.available_balance.amount == 600
    assert await pool.fetchval("SELECT count(*) FROM holds WHERE ledger_account_id = $1", uuid.UUID(wallet)) == 4
    await assert_verified(pool)


async def test_concurrent_neighbours_of_a_failing_write_are_answered(
    client: LedgerdClient, pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    """Through the batcher, as a client sees it: every tenth of 200 concurrent holds fails in the
    database; the others, batched with them, are all approved."""
    wallet, settlement, _ = await card_program(client, funds=100_000)
    caplog.set_level(logging.INFO, logger=writer.__name__)
    async with poisoned_holds(pool) as marker:

        async def attempt(n: int) -> grpc.StatusCode:
            request = place(wallet, settlement, 10)
            if n % 10 == 0:
                request.metadata[marker] = "1"
            try:
                assert (await client.holds.PlaceHold(request)).decision == APPROVED
                return grpc.StatusCode.OK
            except grpc.aio.AioRpcError as error:
                return error.code()

        codes = await asyncio.gather(*(attempt(n) for n in range(200)))
    assert codes.count(grpc.StatusCode.INTERNAL) == 20
    assert codes.count(grpc.StatusCode.OK) == 180
    assert any("fell back to one write at a time" in r.getMessage() for r in caplog.records), "no batch formed"
    assert (await get_account(client, wallet)).balances.available_balance.amount == 100_000 - 180 * 10
    await assert_verified(pool)
