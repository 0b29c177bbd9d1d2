"""asyncpg connection pools with the codecs ledgerd's SQL expects."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import asyncpg

from ledgerd.server.domain import limits
from ledgerd.server.store import batch_write

# jsonb's binary format: a version byte (1), then the text. Binary, because the batch write sends
# rows of the tables' own types (store.batch_write), and asyncpg encodes a composite type only
# when every field has a binary codec.
_JSONB_VERSION = b"\x01"


def _encode_jsonb(value: Any) -> bytes:
    return _JSONB_VERSION + json.dumps(value).encode()


def _decode_jsonb(data: bytes) -> Any:
    return json.loads(data[1:])


async def _init_connection(connection: asyncpg.Connection) -> None:
    await connection.set_type_codec(
        "jsonb", encoder=_encode_jsonb, decoder=_decode_jsonb, schema="pg_catalog", format="binary"
    )
    await batch_write.learn_row_types(connection)


async def _reset(connection: asyncpg.Connection) -> None:
    """What a connection needs on its way back to the pool. ledgerd sets no session state (its
    advisory locks are transaction-scoped), so asyncpg's default reset, a round trip on every
    release, is needed only when a transaction was left open."""
    if connection.is_in_transaction():
        await connection.reset()


# Failures of the connection to the database rather than of a statement: whatever was in flight may
# or may not have taken effect, and the client may retry with its idempotency key. asyncpg raises
# InternalClientError ("cannot switch to state ...") on a connection the server has just dropped.
CONNECTION_FAILURES: tuple[type[BaseException], ...] = (
    OSError,  # TimeoutError among them
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.InternalClientError,
)

# How the server's sessions are named in pg_stat_activity (a worker of `serve --workers` adds its pid).
APPLICATION_NAME = "ledgerd"


async def create_pool(
    dsn: str, *, min_size: int = 2, max_size: int = 20, application_name: str = APPLICATION_NAME, **options: Any
) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        reset=_reset,
        # Plans of the hot statements are cached per connection; a generic plan costs nothing here.
        statement_cache_size=256,
        server_settings={
            # A generic plan cannot see how short an `= ANY($1)` array is and may plan a parallel
            # scan for a handful of rows: measured 15 ms instead of 0.1 ms for a transaction's
            # entries. Short OLTP statements never gain from parallel workers or JIT.
            "max_parallel_workers_per_gather": "0",
            "jit": "off",
            "application_name": application_name,
        },
        **options,
    )


async def close_pool(pool: asyncpg.Pool, timeout_seconds: float = limits.pool_close_seconds) -> None:
    """Closes the pool gracefully, or, past `timeout_seconds`, terminates its connections: a
    connection stuck in a statement (a COMMIT waiting for a standby that is gone) would otherwise
    keep the process from exiting. Its transaction then ends as PostgreSQL decides (a COMMIT that
    was written stays committed, and its request's retry with the same key finds it)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(pool.close(), timeout_seconds)
        return
    pool.terminate()
