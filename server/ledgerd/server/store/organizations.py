"""SQL of organizations and their API keys (stored as SHA-256 hashes, never in clear)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

Executor = Any


async def ensure_organization(db: Executor, organization_id: uuid.UUID, name: str, now: datetime) -> uuid.UUID:
    """The id of the organization named `name`, created with `organization_id` if new."""
    row = await db.fetchrow(
        """INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)
           ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id""",
        organization_id,
        name,
        now,
    )
    return row["id"]  # type: ignore[no-any-return]


async def insert_api_key(
    db: Executor, key_id: uuid.UUID, organization_id: uuid.UUID, key_hash: bytes, now: datetime
) -> None:
    await db.execute(
        "INSERT INTO api_keys (id, organization_id, key_hash, created_at) VALUES ($1, $2, $3, $4)",
        key_id,
        organization_id,
        key_hash,
        now,
    )


async def api_key_of(db: Executor, key_hash: bytes) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(key id, organization id) of a live key."""
    row = await db.fetchrow(
        "SELECT id, organization_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL", key_hash
    )
    return None if row is None else (row["id"], row["organization_id"])


async def count_api_keys(db: Executor) -> int:
    return await db.fetchval("SELECT count(*) FROM api_keys")  # type: ignore[no-any-return]


async def organization_name(db: Executor, organization_id: uuid.UUID) -> str | None:
    return await db.fetchval("SELECT name FROM organizations WHERE id = $1", organization_id)  # type: ignore[no-any-return]
