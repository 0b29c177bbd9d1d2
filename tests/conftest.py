"""A real PostgreSQL and a real server on port 0 (gRPC, and HTTP on another) for the whole session.

DATABASE_URL, when set, names a server on which a fresh database is created (and dropped at the
end); otherwise an embedded PostgreSQL is started in a temporary folder of its own. With
LEDGERD_TEST_CITUS=1 the session runs on a Citus cluster of its own instead (a coordinator and two
workers, ledgerd.bench.citus; docs/scaling.md), laid out for Citus by the migrations."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from ledgerd.bench import citus
from ledgerd.bench.citus import CitusCluster
from ledgerd.client import LedgerdClient
from ledgerd.server.app import RunningServer, start_server
from ledgerd.server.core.api_keys import create_api_key
from ledgerd.server.store import distribution
from ledgerd.server.store.embedded import start_embedded
from ledgerd.server.store.migrate import apply_migrations
from ledgerd.server.store.pool import create_pool

from .e2e.cluster_helpers import Cluster


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    if os.environ.get("LEDGERD_TEST_CITUS") == "1":
        citus = asyncio.run(start_citus())
        yield citus.url
        asyncio.run(citus.destroy())
        return
    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        yield start_embedded(embedded_folder())
        return
    name = new_database_name()
    asyncio.run(admin(server_url, f'CREATE DATABASE "{name}"'))
    yield sibling_url(server_url, name)
    asyncio.run(admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def own_database_url(database_url: str) -> AsyncIterator[str]:
    """A fresh database beside the session's (created through it, dropped after the test), for a
    test whose servers must be the only ones on their database: on the session's, the session's own
    server is one more."""
    name = new_database_name()
    await admin(database_url, f'CREATE DATABASE "{name}"')
    yield sibling_url(database_url, name)
    await admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def embedded_folder() -> Path:
    """A folder of its own in the system's temporary folder, not under pytest's: the embedded server
    runs as another OS user (PostgreSQL refuses root), and a second pytest session on the machine
    makes pytest's folder private again (0700), cutting a running server off from its data. The
    folder goes when the session's process exits, after the server's own exit handler has stopped
    it (exit handlers run last registered first)."""
    folder = Path(tempfile.mkdtemp(prefix="ledgerd-test-pgdata-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


async def start_citus() -> CitusCluster:
    await asyncio.to_thread(citus.ensure_installed)
    return await CitusCluster.create(workers=2, node=Cluster)


def new_database_name() -> str:
    return f"ledgerd_test_{uuid.uuid4().hex[:12]}"


def sibling_url(url: str, name: str) -> str:
    """`url` naming database `name` instead of its own."""
    base, _, query = url.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else "")


async def admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
async def own_server(own_database_url: str) -> AsyncIterator[tuple[RunningServer, asyncpg.Pool]]:
    """A server of its own on a fresh database, without the background rounds, and its pool: for a
    test that must see every row and every connection of its server alone."""
    pool = await create_pool(own_database_url, min_size=2, max_size=8)
    async with pool.acquire() as connection:
        await apply_migrations(connection)
    server = await start_server(pool, "127.0.0.1:0", background=False)
    yield server, pool
    await server.stop(0)
    await pool.close()


@pytest.fixture(scope="session")
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, min_size=4, max_size=20)
    async with pool.acquire() as connection:
        await apply_migrations(connection)
        if await distribution.is_citus(connection):
            await distribution.distribute(connection)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
async def server(pool: asyncpg.Pool) -> AsyncIterator[RunningServer]:
    running = await start_server(pool, "127.0.0.1:0", http_address="127.0.0.1:0")
    yield running
    await running.stop(0)


@pytest.fixture(scope="session")
def target(server: RunningServer) -> str:
    return f"127.0.0.1:{server.port}"


@pytest.fixture(scope="session")
def http_base(server: RunningServer) -> str:
    """The base URL of the session server's HTTP API (Modern Treasury's paths under /api)."""
    return f"http://127.0.0.1:{server.http_port}"


@pytest.fixture
async def api_key(pool: asyncpg.Pool) -> str:
    """A key of a new organization: every test sees only its own ledgers."""
    _, key = await create_api_key(pool, f"test-{uuid.uuid4()}")
    return key


@pytest.fixture
async def client(target: str, api_key: str) -> AsyncIterator[LedgerdClient]:
    async with LedgerdClient(target, api_key) as client:
        yield client
