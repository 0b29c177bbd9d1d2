"""SQL of organizations and their API keys (stored as SHA-256 hashes, never in clear)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
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


async def lock_api_keys_first(db: Executor, key_id: uuid.UUID) -> None:
    """Takes, inside a transaction that will write `organizations` and then `api_keys`, the write
    lock of `api_keys` first. On Citus both are reference tables, and a statement on `api_keys`
    takes its shard's lock and then that of `organizations` (which its foreign key references),
    as every key usage or revocation UPDATE does; a transaction that wrote `organizations` first
    would take them the other way round and could deadlock with such an UPDATE (docs/scaling.md,
    "Reference tables and their locks"). A row lock on the new key's id (no row yet) is what takes
    Citus' lock there; on one PostgreSQL it locks nothing."""
    await db.execute("SELECT 1 FROM api_keys WHERE id = $1 FOR UPDATE", key_id)


async def insert_api_key(
    db: Executor,
    key_id: uuid.UUID,
    organization_id: uuid.UUID,
    key_hash: bytes,
    now: datetime,
    *,
    role: str = "admin",
    ledger_ids: Sequence[uuid.UUID] = (),
    expires_at: datetime | None = None,
) -> None:
    await db.execute(
        """INSERT INTO api_keys (id, organization_id, key_hash, created_at, role, ledger_ids, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        key_id,
        organization_id,
        key_hash,
        now,
        role,
        list(ledger_ids),
        expires_at,
    )


async def api_key_of(db: Executor, key_hash: bytes) -> Any:
    """The key's row (revoked or expired ones too: the caller says why it refuses), or None."""
    return await db.fetchrow(
        """SELECT id, organization_id, key_hash, role, ledger_ids, expires_at, revoked_at
           FROM api_keys WHERE key_hash = $1""",
        key_hash,
    )


async def api_keys_of_organization(db: Executor, organization_name: str) -> list[Any] | None:
    """Every key of the organization, oldest first, without their hashes; None if no such organization."""
    organization_id = await organization_id_of(db, organization_name)
    if organization_id is None:
        return None
    return await db.fetch(  # type: ignore[no-any-return]
        """SELECT id, role, ledger_ids, created_at, last_used_at, expires_at, revoked_at
           FROM api_keys WHERE organization_id = $1 ORDER BY created_at, id""",
        organization_id,
    )


async def organization_id_of(db: Executor, organization_name: str) -> uuid.UUID | None:
    return await db.fetchval("SELECT id FROM organizations WHERE name = $1", organization_name)  # type: ignore[no-any-return]


async def ledgers_of_organization(
    db: Executor, organization_id: uuid.UUID, ledger_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of `ledger_ids` that are ledgers of the organization."""
    rows = await db.fetch(
        "SELECT id FROM ledgers WHERE organization_id = $1 AND id = ANY($2::uuid[])", organization_id, list(ledger_ids)
    )
    return {row["id"] for row in rows}


async def revoke_api_key(
    db: Executor, *, key_id: uuid.UUID | None = None, key_hash: bytes | None = None, now: datetime
) -> Any:
    """Revokes the key named by its id or its hash (an already revoked one keeps its first
    revocation time); its (id, revoked_at), or None if there is no such key."""
    return await db.fetchrow(
        """UPDATE api_keys SET revoked_at = coalesce(revoked_at, $3)
           WHERE id = $1 OR key_hash = $2 RETURNING id, revoked_at""",
        key_id,
        key_hash,
        now,
    )


async def record_api_keys_used(db: Executor, key_ids: Sequence[uuid.UUID], at: datetime) -> None:
    await db.execute(
        """UPDATE api_keys SET last_used_at = $2
           WHERE id = ANY($1::uuid[]) AND (last_used_at IS NULL OR last_used_at < $2)""",
        list(key_ids),
        at,
    )


async def count_api_keys(db: Executor) -> int:
    return await db.fetchval("SELECT count(*) FROM api_keys")  # type: ignore[no-any-return]


async def organization_name(db: Executor, organization_id: uuid.UUID) -> str | None:
    return await db.fetchval("SELECT name FROM organizations WHERE id = $1", organization_id)  # type: ignore[no-any-return]
