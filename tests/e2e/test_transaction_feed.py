"""The change feed of ledger transactions (WatchLedgerTransactions) against real servers: every
create and change once, in the order of the database transactions that wrote them, resumable from
any cursor with nothing missed or repeated: after a disconnect, a late-committing writer, a server
restart, and through two worker processes."""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import Any

import asyncpg
import grpc

from ledgerd.client import LedgerdClient
from ledgerd.server.store import distribution
from ledgerd.v1 import transaction_pb2

from .ledger_helpers import (
    ARCHIVED,
    DEBIT_NORMAL,
    PENDING,
    POSTED,
    create_account,
    create_ledger,
    create_transaction,
    refused,
    transfer,
)
from .serving_helpers import Served

# A guard against a hung stream, not a measurement.
STREAM_WAIT_SECONDS = 60
OWN_CONNECTION = [("grpc.use_local_subchannel_pool", 1)]


def watch(client: LedgerdClient, ledger_id: str, after_cursor: str = "") -> Any:
    return client.transactions.WatchLedgerTransactions(
        transaction_pb2.WatchLedgerTransactionsRequest(ledger_id=ledger_id, after_cursor=after_cursor)
    )


async def take(stream: Any, count: int) -> list[transaction_pb2.WatchLedgerTransactionsResponse]:
    async def read() -> list[transaction_pb2.WatchLedgerTransactionsResponse]:
        return [await stream.read() for _ in range(count)]

    return await asyncio.wait_for(read(), STREAM_WAIT_SECONDS)


def changes(answers: list[transaction_pb2.WatchLedgerTransactionsResponse]) -> list[tuple[str, int]]:
    return [(a.ledger_transaction.id, a.ledger_transaction.status) for a in answers]


async def book(client: LedgerdClient) -> tuple[str, str, str]:
    ledger = await create_ledger(client)
    cash = (await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    return ledger.id, cash, wallet


async def update(client: LedgerdClient, transaction_id: str, **fields: Any) -> None:
    await client.transactions.UpdateLedgerTransaction(
        transaction_pb2.UpdateLedgerTransactionRequest(id=transaction_id, **fields)
    )


async def connect_to_writing_node(pool: asyncpg.Pool, database_url: str, ledger_id: str) -> asyncpg.Connection:
    """A connection to the node where the ledger's versions are written: the database itself, or on
    Citus the ledger's worker (docs/scaling.md). A write sent through the coordinator gets its
    defaults (the version's xact_id) evaluated on the coordinator, whose transaction ids are not the
    worker's; ledgerd's own writes run on the worker, inside the routed batch write."""
    async with pool.acquire() as connection:
        if not await distribution.is_distributed(connection):
            return await asyncpg.connect(database_url)
        node = await connection.fetchrow(
            """SELECT nodename, nodeport FROM citus_shards
               WHERE table_name = 'ledgers'::regclass
                 AND shardid = get_shard_id_for_distribution_column('ledgers', $1::uuid)""",
            uuid.UUID(ledger_id),
        )
    return await asyncpg.connect(database_url, host=node["nodename"], port=node["nodeport"])


async def feed_order(pool: asyncpg.Pool, ledger_id: str) -> list[tuple[str, int]]:
    """(transaction id, status name) of every version of the ledger, in the feed's documented order."""
    records = await pool.fetch(
        """SELECT v.ledger_transaction_id::text AS id, v.status FROM ledger_transaction_versions v
           WHERE v.ledger_id = $1
           ORDER BY v.xact_id, v.ledger_transaction_id, v.version""",
        uuid.UUID(ledger_id),
    )
    statuses = {"pending": PENDING, "posted": POSTED, "archived": ARCHIVED}
    return [(r["id"], statuses[r["status"]]) for r in records]


async def test_the_feed_sends_each_create_and_status_change_once_with_the_transaction_as_it_was(
    client: LedgerdClient,
) -> None:
    ledger_id, cash, wallet = await book(client)
    _, other_cash, other_wallet = await book(client)
    first = await create_transaction(client, transfer(cash, wallet, 100, description="first"))
    await create_transaction(client, transfer(other_cash, other_wallet, 5))  # another ledger's: not sent
    second = await create_transaction(client, transfer(cash, wallet, 200, status=POSTED))
    await update(client, first.id, status=POSTED)
    third = await create_transaction(client, transfer(cash, wallet, 300))
    await update(client, third.id, status=ARCHIVED)

    stream = watch(client, ledger_id)
    answers = await take(stream, 5)
    assert changes(answers) == [
        (first.id, PENDING),
        (second.id, POSTED),
        (first.id, POSTED),
        (third.id, PENDING),
        (third.id, ARCHIVED),
    ]
    # Each answer is the transaction as that change left it, entries and all.
    created = answers[0].ledger_transaction
    assert (created.description, created.ledger_entries[0].amount) == ("first", 100)
    assert answers[2].ledger_transaction.posted_at.seconds > 0 and not created.posted_at.seconds
    assert len({a.cursor for a in answers}) == 5
    # Resuming from any cursor gives exactly what followed it.
    for index, answer in enumerate(answers):
        resumed = watch(client, ledger_id, answer.cursor)
        later = await take(resumed, 4 - index) if index < 4 else []
        assert changes(later) == changes(answers[index + 1 :])
        resumed.cancel()
    # And then the feed waits for what comes next.
    fourth = await create_transaction(client, transfer(cash, wallet, 400))
    assert changes(await take(stream, 1)) == [(fourth.id, PENDING)]
    stream.cancel()


async def test_concurrent_writers_reach_a_watcher_once_each_and_a_resumed_watcher_misses_nothing(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    ledger_id, cash, wallet = await book(client)
    stream = watch(client, ledger_id)

    async def writer(n: int) -> None:
        for m in range(5):
            made = await create_transaction(client, transfer(cash, wallet, 1 + n * 10 + m))
            if m % 2 == 0:
                await update(client, made.id, status=POSTED)

    writing = asyncio.gather(*(writer(n) for n in range(20)))
    expected_count = 20 * (5 + 3)
    # The watcher disconnects after some answers, while the writers write, and resumes.
    before = await take(stream, 37)
    stream.cancel()
    resumed = watch(client, ledger_id, before[-1].cursor)
    await writing
    after = await take(resumed, expected_count - len(before))
    resumed.cancel()
    seen = changes(before + after)
    assert len(set(a.cursor for a in before + after)) == expected_count
    assert seen == await feed_order(pool, ledger_id)  # all of them, once each, in feed order
    for transaction_id in {t for t, _ in seen}:  # each transaction's own changes in their order
        assert [s for t, s in seen if t == transaction_id] in ([PENDING], [PENDING, POSTED])


async def test_a_change_committed_late_by_an_older_transaction_is_sent_before_the_newer_one(
    client: LedgerdClient, pool: asyncpg.Pool, database_url: str
) -> None:
    """A database transaction that began before another but commits after it: a cursor on commit
    arrival would have passed it. The feed holds back everything newer until it has committed."""
    ledger_id, cash, wallet = await book(client)
    early = await create_transaction(client, transfer(cash, wallet, 100))
    stream = watch(client, ledger_id)
    assert changes(await take(stream, 1)) == [(early.id, PENDING)]
    connection = await connect_to_writing_node(pool, database_url, ledger_id)
    try:
        late = connection.transaction()
        await late.start()
        # The change the late transaction makes: what the write path writes to update a description.
        # Its first write gives it its transaction id, now older than the next write's, on the node
        # that writes the ledger (on Citus, the ledger's worker).
        await connection.execute(
            "UPDATE ledger_transactions SET description = 'late', updated_at = now() WHERE ledger_id = $1 AND id = $2",
            uuid.UUID(ledger_id),
            uuid.UUID(early.id),
        )
        newer = await create_transaction(client, transfer(cash, wallet, 200))  # commits first
        await connection.execute(
            """INSERT INTO ledger_transaction_versions (ledger_transaction_id, version, description, status,
                   external_id, effective_at, posted_at, metadata, ledger_entries, created_at, ledger_id)
               SELECT ledger_transaction_id, 1, 'late', status, external_id, effective_at, posted_at, metadata,
                   ledger_entries, now(), ledger_id
               FROM ledger_transaction_versions WHERE ledger_id = $1 AND ledger_transaction_id = $2""",
            uuid.UUID(ledger_id),
            uuid.UUID(early.id),
        )
        await late.commit()
    finally:
        await connection.close()
    answers = await take(stream, 2)
    assert [(a.ledger_transaction.id, a.ledger_transaction.description) for a in answers] == [
        (early.id, "late"),
        (newer.id, ""),
    ]
    stream.cancel()


async def test_the_feed_resumes_across_a_restart_of_two_workers(database_url: str, api_key: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    arguments = ("--workers", "2", "--address", "127.0.0.1:0")
    served = await Served.start(*arguments, env=env)
    received: list[transaction_pb2.WatchLedgerTransactionsResponse] = []
    try:
        clients = [LedgerdClient(served.address, api_key, options=OWN_CONNECTION) for _ in range(8)]
        ledger_id, cash, wallet = await book(clients[0])
        stream = watch(clients[0], ledger_id)
        made = await asyncio.gather(*(create_transaction(c, transfer(cash, wallet, 10)) for c in clients))
        received += await take(stream, len(made))
        for each in clients:
            await each.close()
    finally:
        assert await served.stop() == 0, served.output()
    served = await Served.start(*arguments, env=env)
    try:
        clients = [LedgerdClient(served.address, api_key, options=OWN_CONNECTION) for _ in range(8)]
        await asyncio.gather(*(update(c, t.id, status=POSTED) for c, t in zip(clients, made, strict=True)))
        resumed = watch(clients[0], ledger_id, received[-1].cursor)
        received += await take(resumed, len(made))
        resumed.cancel()
        for each in clients:
            await each.close()
    finally:
        assert await served.stop() == 0, served.output()
    async with asyncpg.create_pool(database_url, min_size=1, max_size=1) as pool:
        assert changes(received) == await feed_order(pool, ledger_id)
    assert sorted(changes(received)) == sorted([(t.id, PENDING) for t in made] + [(t.id, POSTED) for t in made])


async def test_a_feed_of_an_unknown_ledger_or_with_a_foreign_cursor_is_refused(client: LedgerdClient) -> None:
    async def first(stream: Any) -> Any:
        return await asyncio.wait_for(stream.read(), STREAM_WAIT_SECONDS)

    ledger_id, _, _ = await book(client)
    await refused(first(watch(client, "")), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    await refused(first(watch(client, "not-a-uuid")), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    details = await refused(
        first(watch(client, ledger_id, "not-a-cursor")), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"
    )
    assert [f for f, _ in details.field_violations] == ["after_cursor"]
    await refused(first(watch(client, str(uuid.uuid4()))), grpc.StatusCode.NOT_FOUND, "LEDGER_NOT_FOUND")
