"""The Citus cluster the distributed tests stand on: two active workers, a distributed table's
shards placed on both, and a row written through the coordinator read back through it and found on
the worker that holds its shard."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from ledgerd.bench.citus import CitusCluster, is_citus

WORKERS = 2


@pytest.fixture
async def coordinator(citus_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(citus_url)
    yield connection
    await connection.close()


@pytest.fixture
async def distributed_table(coordinator: asyncpg.Connection) -> AsyncIterator[str]:
    """A table of the test's own, distributed by ledger_id as issue 17 distributes ledgerd's."""
    name = f"citus_probe_{uuid.uuid4().hex[:12]}"
    await coordinator.execute(f"CREATE TABLE {name} (ledger_id uuid NOT NULL, id bigint NOT NULL, amount bigint)")
    await coordinator.execute("SELECT create_distributed_table($1, 'ledger_id')", name)
    yield name
    await coordinator.execute(f"DROP TABLE {name}")


async def test_coordinator_has_two_active_workers(citus_cluster: CitusCluster, coordinator: asyncpg.Connection) -> None:
    active = await coordinator.fetch("SELECT node_name, node_port FROM citus_get_active_worker_nodes()")
    assert sorted((row["node_name"], row["node_port"]) for row in active) == sorted(
        ("127.0.0.1", worker.port) for worker in citus_cluster.workers
    )
    assert len(active) == WORKERS


async def test_is_citus_tells_the_coordinator_from_a_worker_and_plain_postgresql(
    citus_cluster: CitusCluster, coordinator: asyncpg.Connection
) -> None:
    assert await is_citus(coordinator)
    worker = await asyncpg.connect(citus_cluster.worker_urls[0])
    try:
        # A worker has the extension and, synced from the coordinator, the list of workers.
        assert await worker.fetchval("SELECT count(*) FROM pg_extension WHERE extname = 'citus'") == 1
        assert not await is_citus(worker)
    finally:
        await worker.close()
    plain = f"plain_{uuid.uuid4().hex[:12]}"
    await coordinator.execute(f"CREATE DATABASE {plain}")
    try:
        connection = await asyncpg.connect(citus_cluster.url.rsplit("/", 1)[0] + "/" + plain)
        try:
            assert not await is_citus(connection)
        finally:
            await connection.close()
    finally:
        await coordinator.execute(f"DROP DATABASE {plain} WITH (FORCE)")


async def test_shards_of_a_distributed_table_are_on_both_workers(
    citus_cluster: CitusCluster, coordinator: asyncpg.Connection, distributed_table: str
) -> None:
    placements = await coordinator.fetch(
        "SELECT shardid, nodename, nodeport FROM citus_shards WHERE table_name = $1::regclass", distributed_table
    )
    assert placements, f"{distributed_table} has no shards"
    assert {row["nodeport"] for row in placements} == {worker.port for worker in citus_cluster.workers}
    assert citus_cluster.coordinator.port not in {row["nodeport"] for row in placements}
    # Each shard placed once (no replication): a ledger's rows live on exactly one worker.
    assert len({row["shardid"] for row in placements}) == len(placements)
    assert await coordinator.fetchval(
        "SELECT count(*) FROM pg_dist_shard_placement JOIN pg_dist_shard USING (shardid)"
        " WHERE logicalrelid = $1::regclass",
        distributed_table,
    ) == len(placements)


async def test_a_row_written_through_the_coordinator_reads_back(
    citus_cluster: CitusCluster, coordinator: asyncpg.Connection, distributed_table: str
) -> None:
    ledger_id = uuid.uuid4()
    await coordinator.execute(f"INSERT INTO {distributed_table} VALUES ($1, 1, 12345)", ledger_id)
    row = await coordinator.fetchrow(f"SELECT id, amount FROM {distributed_table} WHERE ledger_id = $1", ledger_id)
    assert row is not None and (row["id"], row["amount"]) == (1, 12345)

    # Stored on the worker that holds the shard of its ledger_id, in that shard's table.
    shard = await coordinator.fetchrow(
        "SELECT s.shardid, s.nodeport FROM citus_shards s"
        " WHERE s.shardid = get_shard_id_for_distribution_column($1::regclass, $2::uuid)",
        distributed_table,
        ledger_id,
    )
    assert shard is not None
    worker = next(worker for worker in citus_cluster.workers if worker.port == shard["nodeport"])
    connection = await asyncpg.connect(worker.url)
    try:
        stored = await connection.fetchval(
            f"SELECT amount FROM {distributed_table}_{shard['shardid']} WHERE ledger_id = $1", ledger_id
        )
    finally:
        await connection.close()
    assert stored == 12345
