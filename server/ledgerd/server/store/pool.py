"""asyncpg connection pools with the codecs ledgerd's SQL expects."""

from __future__ import annotations

import json
from typing import Any

import asyncpg


async def _init_connection(connection: asyncpg.Connection) -> None:
    await connection.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 20, **options: Any) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        # Plans of the hot statements are cached per connection; a generic plan costs nothing here.
        statement_cache_size=256,
        **options,
    )
