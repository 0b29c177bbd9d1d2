"""ledgerd on Citus (docs/scaling.md): the migrations lay a coordinator out by ledger_id, every
ledger's rows live on one worker, the ledgers spread over the workers, and the batch write runs on
the ledger's worker: 1,000 concurrent holds on one wallet approve exactly what its funds allow."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import grpc
import pytest

from ledgerd.client import LedgerdClient
from ledgerd.server.app import RunningServer, start_server
from ledgerd.server.core.api_keys import Authenticator, create_api_key
from ledgerd.server.core.verify import verify
from ledgerd.server.domain import limits
from ledgerd.server.store import distribution, placement
from ledgerd.server.store.migrate import apply_migrations
from ledgerd.server.store.pool import create_pool
from ledgerd.v1 import balance_pb2, hold_pb2, ledger_pb2, transaction_pb2

from ..e2e.ledger_helpers import (
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
from ..e2e.test_holds import APPROVED, place
from ..e2e.test_watching import seen, take, watch

REFERENCE_TABLES = {"organizations", "api_keys", "ledgerd_balance_listeners"}


@pytest.fixture(scope="module")
async def citus_pool(citus_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(citus_url, min_size=2, max_size=20)
    async with pool.acquire() as connection:
        await apply_migrations(connection)
        await distribution.distribute(connection)  # done already when another module did it first
    yield pool
    await pool.close()


@pytest.fixture(scope="module")
async def citus_server(citus_pool: asyncpg.Pool) -> AsyncIterator[RunningServer]:
    server = await start_server(citus_pool, "127.0.0.1:0", background=False)
    yield server
    await server.stop(0)


@pytest.fixture
async def client(citus_server: RunningServer, citus_pool: asyncpg.Pool) -> AsyncIterator[LedgerdClient]:
    _, key = await create_api_key(citus_pool, f"citus-{uuid.uuid4()}")
    async with LedgerdClient(f"127.0.0.1:{citus_server.port}", key) as client:
        yield client


async def funded_wallet(client: LedgerdClient, name: str, amount: int) -> tuple[Any, Any, Any]:
    """A new ledger `name` with a cash account and a wallet it funded with `amount`, posted:
    (ledger, cash, wallet)."""
    ledger = await create_ledger(client, name)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    await create_transaction(client, transfer(cash.id, wallet.id, amount, status=POSTED))
    return ledger, cash, wallet


async def test_every_ledger_table_is_distributed_by_ledger_id_beside_its_ledger(citus_pool: asyncpg.Pool) -> None:
    keyed = {
        r["table_name"]
        for r in await citus_pool.fetch(
            """SELECT table_name FROM information_schema.columns
               WHERE table_schema = 'public' AND column_name = 'ledger_id'"""
        )
    }
    layout = {
        r["name"]: r
        for r in await citus_pool.fetch(
            """SELECT logicalrelid::text AS name, partmethod::text, colocationid,
                      column_to_column_name(logicalrelid, partkey) AS key
               FROM pg_dist_partition"""
        )
    }
    ledgers = layout["ledgers"]
    assert (ledgers["partmethod"], ledgers["key"]) == ("h", "id")
    for table in keyed:
        assert (layout[table]["partmethod"], layout[table]["key"]) == ("h", "ledger_id"), table
        assert layout[table]["colocationid"] == ledgers["colocationid"], table
    for table in REFERENCE_TABLES:
        assert layout[table]["partmethod"] == "n", table
    # The batch write, the change feed's horizon and a ledger's totals as of a time are routed by
    # their first argument, the ledger, to the ledger's worker.
    for function in ("ledgerd_write_batch", "ledgerd_feed_horizon", "ledgerd_ledger_totals_as_of"):
        routed = await citus_pool.fetchrow(
            "SELECT distribution_argument_index, colocationid FROM pg_dist_object WHERE objid = $1::text::regproc",
            function,
        )
        assert (routed["distribution_argument_index"], routed["colocationid"]) == (0, ledgers["colocationid"])


async def test_1000_concurrent_holds_on_one_wallet_approve_exactly_what_its_funds_allow(
    client: LedgerdClient, citus_pool: asyncpg.Pool
) -> None:
    ledger, _, wallet = await funded_wallet(client, "Card program", 4_000)
    settlement = await create_account(client, ledger.id, "Settlement", normal_balance=DEBIT_NORMAL)
    answers = await asyncio.gather(*(client.holds.PlaceHold(place(wallet.id, settlement.id, 10)) for _ in range(1_000)))
    assert sum(a.decision == APPROVED for a in answers) == 400
    # (pending, posted, available): all 4,000 held, none of it posted away yet.
    assert amounts(await get_account(client, wallet.id)) == (0, 4_000, 0)
    held = await citus_pool.fetchval(
        "SELECT count(*) FROM holds WHERE ledger_id = $1 AND ledger_account_id = $2 AND status = 'pending'",
        uuid.UUID(ledger.id),
        uuid.UUID(wallet.id),
    )
    assert held == 400


async def test_ledgers_spread_over_both_workers_each_with_all_its_rows_on_one(
    client: LedgerdClient, citus_pool: asyncpg.Pool, citus_url: str
) -> None:
    nodes_of_ledgers = set()
    for n in range(16):  # all on one worker by chance: 2 in 65,536
        ledger = await create_ledger(client, f"Ledger {n}")
        cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
        wallet = await create_account(client, ledger.id, "Wallet")
        await create_transaction(client, transfer(cash.id, wallet.id, 5, status=POSTED))
        nodes = {
            r["nodeport"]
            for r in await citus_pool.fetch(
                """SELECT s.nodeport FROM unnest($2::regclass[]) AS t(name)
                   JOIN citus_shards s ON s.table_name = t.name
                    AND s.shardid = get_shard_id_for_distribution_column(t.name, $1::uuid)""",
                uuid.UUID(ledger.id),
                ["ledgers", "ledger_accounts", "ledger_transactions", "ledger_entries", "ledger_account_versions"],
            )
        }
        assert len(nodes) == 1, nodes  # the ledger's rows, wherever they are, are on one worker
        nodes_of_ledgers |= nodes
    workers = {r["node_port"] for r in await citus_pool.fetch("SELECT * FROM citus_get_active_worker_nodes()")}
    assert nodes_of_ledgers == workers


async def test_a_ledgers_totals_as_of_a_time_read_alike_called_alone_and_inside_a_transaction(
    client: LedgerdClient, citus_pool: asyncpg.Pool
) -> None:
    # Called alone, Citus sends the call to the ledger's worker; inside a transaction block (as the
    # categories' sums call it) it runs on the coordinator and sends its statement to the shard.
    ledger, cash, wallet = await funded_wallet(client, "Totals", 70)
    await create_transaction(client, transfer(cash.id, wallet.id, 5))
    call = "SELECT * FROM ledgerd_ledger_totals_as_of($1, $2, now(), true) ORDER BY ledger_account_id"
    arguments = (uuid.UUID(ledger.id), [uuid.UUID(cash.id), uuid.UUID(wallet.id)])
    alone = [tuple(r) for r in await citus_pool.fetch(call, *arguments)]
    async with citus_pool.acquire() as connection, connection.transaction(isolation="repeatable_read"):
        inside = [tuple(r) for r in await connection.fetch(call, *arguments)]
    assert (
        alone
        == inside
        == sorted([(uuid.UUID(cash.id), 0, 70, 0, 5), (uuid.UUID(wallet.id), 70, 0, 5, 0)], key=lambda r: r[0])
    )


async def test_verify_proves_every_invariant_after_the_writes_above(citus_pool: asyncpg.Pool, citus_url: str) -> None:
    # After the 1,000 holds and the ledgers spread over both workers: every check runs on the
    # shards (store/verify.py joins within a ledger) and finds nothing.
    assert {check: rows for check, rows in (await verify(citus_pool)).items() if rows} == {}
    code, output = await run_ledgerd("verify", database_url=citus_url)
    assert code == 0, output
    assert "FAIL" not in output


async def test_verify_names_an_account_whose_stored_balance_was_changed_on_citus(
    client: LedgerdClient, citus_pool: asyncpg.Pool, citus_url: str
) -> None:
    ledger, _, wallet = await funded_wallet(client, "Corrupted", 70)
    ledger_id, wallet_id = uuid.UUID(ledger.id), uuid.UUID(wallet.id)
    corrupt = "UPDATE ledger_accounts SET posted_credits = posted_credits + $3 WHERE ledger_id = $1 AND id = $2"
    await citus_pool.execute(corrupt, ledger_id, wallet_id, 1)  # through the coordinator, to its worker
    try:
        found = await verify(citus_pool)
        code, output = await run_ledgerd("verify", database_url=citus_url)
    finally:
        await citus_pool.execute(corrupt, ledger_id, wallet_id, -1)
    assert [
        (r["id"], r["posted_credits"], r["recomputed_posted_credits"])
        for r in found["stored balances equal the sums of the entries"]
    ] == [(wallet_id, 71, 70)]
    assert [r["id"] for r in found["the newest version of each account holds its stored balances"]] == [wallet_id]
    assert {check for check, rows in found.items() if rows} == {
        "stored balances equal the sums of the entries",
        "the newest version of each account holds its stored balances",
    }
    assert code == 1 and "FAIL stored balances equal the sums of the entries" in output, output
    assert not any((await verify(citus_pool)).values())


# Far longer than a notified watcher waits: an answer within it came from a notification, not a poll.
NOT_POLLED_SECONDS = 3_600.0
NOTIFIED_WITHIN_SECONDS = 20


async def test_a_watcher_hears_a_write_on_the_ledgers_worker_and_after_losing_that_connection(
    client: LedgerdClient, citus_pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The batch write runs on the ledger's worker and notifies there; with polling all but off, the
    # watcher sees the write only if the server listens on the workers (distribution.listen_nodes).
    monkeypatch.setattr(limits, "watch_poll_interval_seconds", NOT_POLLED_SECONDS)
    ledger = await create_ledger(client, "Watched")
    cash = (await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    stream = watch(client, wallet)
    assert seen(await take(stream, 1)) == [(0, 0)]
    await create_transaction(client, transfer(cash, wallet, 100, status=POSTED))
    answers = await asyncio.wait_for(take(stream, 1), NOTIFIED_WITHIN_SECONDS)
    assert seen(answers) == [(1, 100)]

    # The workers' listening sessions end (a worker restarted, a network cut): the feed listens
    # again and reads again, so neither the write made meanwhile nor the next one is missed.
    ended = await citus_pool.fetch(
        """SELECT success, result FROM run_command_on_workers($$SELECT count(pg_terminate_backend(pid))
           FROM pg_stat_activity WHERE query LIKE 'LISTEN%'$$)"""
    )
    assert all(r["success"] for r in ended) and sum(int(r["result"]) for r in ended) >= 1, ended
    await create_transaction(client, transfer(cash, wallet, 10, status=POSTED))
    await create_transaction(client, transfer(cash, wallet, 20, status=POSTED))
    answers = await asyncio.wait_for(take(stream, 2), NOTIFIED_WITHIN_SECONDS)
    assert seen(answers) == [(2, 110), (3, 130)]
    stream.cancel()


async def test_reads_of_rows_this_server_has_seen_go_to_their_ledgers_shard_alone(
    citus_pool: asyncpg.Pool, citus_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sessions in which Citus refuses any statement that would run on more than one shard: every
    # call below succeeds only if each of its reads names its ledger (store/placement.py).
    routed = await create_pool(f"{citus_url}?citus.multi_task_query_log_level=error", min_size=1, max_size=4)
    server = await start_server(routed, "127.0.0.1:0", background=False)
    _, key = await create_api_key(citus_pool, f"routed-{uuid.uuid4()}")
    try:
        async with LedgerdClient(f"127.0.0.1:{server.port}", key) as client:
            ledger = await create_ledger(client, "Routed")
            cash = (await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
            wallet = (await create_account(client, ledger.id, "Wallet")).id
            settlement = (await create_account(client, ledger.id, "Settlement", normal_balance=DEBIT_NORMAL)).id
            funding = transfer(cash, wallet, 1_000, status=POSTED, external_id="funding-1", idempotency_key="fund")
            funded = await create_transaction(client, funding)
            assert (await create_transaction(client, funding)).id == funded.id  # the stored answer, replayed
            request = place(wallet, settlement, 300, external_id="auth-1", idempotency_key="auth-1")
            hold = (await client.holds.PlaceHold(request)).hold
            assert (await client.holds.PlaceHold(request)).hold.id == hold.id
            capture = hold_pb2.CaptureHoldRequest(hold_id=hold.id, amount=100, final=False)
            captured = await client.holds.CaptureHold(capture)
            await client.holds.ReleaseHold(hold_pb2.ReleaseHoldRequest(hold_id=hold.id))
            ended = (await client.holds.GetHold(hold_pb2.GetHoldRequest(id=hold.id))).hold
            assert ended.status == hold_pb2.HOLD_STATUS_RELEASED
            shown = await client.transactions.GetLedgerTransaction(
                transaction_pb2.GetLedgerTransactionRequest(id=captured.ledger_transaction.id)
            )
            assert shown.ledger_transaction.status == POSTED
            await client.ledgers.UpdateLedgerAccount(ledger_pb2.UpdateLedgerAccountRequest(id=wallet, name="Wallet 1"))
            balances = await client.balances.GetBalances(balance_pb2.GetBalancesRequest(ledger_account_ids=[wallet]))
            assert [amounts(a) for a in balances.ledger_account_balances] == [(900, 900, 900)]

            # The control: with the map emptied (a server that has not seen these rows), the same
            # read goes to every shard, and these sessions refuse it.
            monkeypatch.setattr(placement.LEDGERS, "_ledger_of", {})
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await get_account(client, wallet)
            assert refused.value.code() == grpc.StatusCode.INTERNAL
    finally:
        await server.stop(0)
        await routed.close()


async def test_migrate_citus_refuses_a_database_that_is_no_citus_coordinator(database_url: str) -> None:
    code, output = await run_ledgerd("migrate", "--citus", database_url=database_url)
    assert code == 2
    assert "not a Citus coordinator" in output


async def test_sync_refuses_a_citus_source_and_writes_nothing_into_the_warehouse(
    citus_url: str, database_url: str
) -> None:
    # The warehouse: the plain session database (it is not the source, and has no sync schema).
    code, output = await run_ledgerd("sync", "--to", database_url, "--schema", "from_citus", database_url=citus_url)
    assert code == 2, output
    assert "does not run on Citus" in output
    connection = await asyncpg.connect(database_url)
    try:
        schema = await connection.fetchval("SELECT 1 FROM pg_namespace WHERE nspname = 'from_citus'")
    finally:
        await connection.close()
    assert schema is None


# How long a step waits for what it waits on before calling it stuck (no bound asserted).
PATIENCE_SECONDS = 120.0


async def lock_waits_reach(pool: asyncpg.Pool, count: int) -> None:
    """Until `count` backends of the cluster wait on an advisory lock, the kind Citus' shard
    resource locks are."""
    deadline = asyncio.get_running_loop().time() + PATIENCE_SECONDS
    while True:
        waiting = await pool.fetchval(
            "SELECT count(*) FROM citus_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'"
        )
        if waiting >= count:
            return
        assert asyncio.get_running_loop().time() < deadline, f"{waiting} of {count} backends wait on a lock"
        await asyncio.sleep(0.05)


async def test_a_key_created_while_key_usage_is_recorded_takes_the_reference_tables_in_one_order(
    citus_pool: asyncpg.Pool, citus_url: str
) -> None:
    # Citus serializes the writes to a reference table by a lock on its shard; a statement on
    # api_keys takes that of api_keys, then that of organizations (its foreign key's). The usage
    # recorder's UPDATE does; creating a key must too, or the two deadlock when the creation has
    # organizations and waits for api_keys while the UPDATE has api_keys and waits for
    # organizations (docs/scaling.md, "Reference tables and their locks"). Made to happen: a
    # third transaction holds organizations' lock while both queue behind it.
    organization_id, key = await create_api_key(citus_pool, f"citus-{uuid.uuid4()}")
    authenticator = Authenticator(citus_pool)
    key_id = (await authenticator.authenticate(key)).id  # to be recorded as used
    assert await citus_pool.fetchval("SELECT last_used_at FROM api_keys WHERE id = $1", key_id) is None
    blocker = await asyncpg.connect(citus_url)
    try:
        async with blocker.transaction():
            await blocker.execute("UPDATE organizations SET name = name WHERE id = $1", organization_id)
            creating = asyncio.create_task(create_api_key(citus_pool, f"citus-{uuid.uuid4()}"))
            await lock_waits_reach(citus_pool, 1)
            recording = asyncio.create_task(authenticator.record_usage())
            await lock_waits_reach(citus_pool, 2)
        created, _ = await asyncio.wait_for(asyncio.gather(creating, recording), PATIENCE_SECONDS)
    finally:
        await blocker.close()
    assert await citus_pool.fetchval("SELECT count(*) FROM api_keys WHERE organization_id = $1", created[0]) == 1
    assert await citus_pool.fetchval("SELECT last_used_at FROM api_keys WHERE id = $1", key_id) is not None


async def deleted_membership_triggers(connection: asyncpg.Connection) -> tuple[int, int]:
    """How many of distribution.DELETED_MEMBERSHIP_TRIGGERS the coordinator's tables have, and
    how many their shards have (Citus names a shard's copy after the trigger and the shard)."""
    on_coordinator = on_shards = 0
    for table, trigger in distribution.DELETED_MEMBERSHIP_TRIGGERS.items():
        on_coordinator += await connection.fetchval(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = $1::text::regclass AND tgname = $2", table, trigger
        )
        counts = await connection.fetch(
            """SELECT success, result FROM run_command_on_shards($1::text::regclass,
                   format('SELECT count(*) FROM pg_trigger WHERE tgrelid = %L::regclass AND tgname ~ %L',
                          '%s', '^' || $2))""",
            table,
            trigger,
        )
        assert all(r["success"] for r in counts), counts
        on_shards += sum(int(r["result"]) for r in counts)
    return on_coordinator, on_shards


async def test_distribute_drops_the_deleted_membership_triggers_that_an_older_layout_kept(
    citus_pool: asyncpg.Pool,
) -> None:
    async with citus_pool.acquire() as connection:
        assert await deleted_membership_triggers(connection) == (0, 0)
        # A cluster laid out before citus_layout.sql dropped them: made again as migration 0008 has them.
        async with connection.transaction():
            await connection.execute("SET LOCAL citus.enable_unsafe_triggers = on")
            for table, trigger in distribution.DELETED_MEMBERSHIP_TRIGGERS.items():
                await connection.execute(
                    f"""CREATE TRIGGER {trigger} AFTER DELETE ON {table} REFERENCING OLD TABLE AS deleted
                        FOR EACH STATEMENT EXECUTE FUNCTION ledgerd_record_deleted_rows()"""
                )
        on_coordinator, on_shards = await deleted_membership_triggers(connection)
        assert on_coordinator == 2 and on_shards > 2
        assert await distribution.distribute(connection) is False
        assert await deleted_membership_triggers(connection) == (0, 0)
        assert await distribution.distribute(connection) is False  # again: none left to drop
        assert await deleted_membership_triggers(connection) == (0, 0)
