"""SQL of idempotency keys: the stored response of a request, keyed per organization."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ledgerd.server.store.placement import ByIds

Executor = Any


async def find(db: Executor, organization_id: uuid.UUID, key: str) -> tuple[bytes, bytes] | None:
    """(request fingerprint, response) stored under the key, if any."""
    row = await db.fetchrow(
        """SELECT request_fingerprint, response FROM idempotency_keys
           WHERE organization_id = $1 AND idempotency_key = $2""",
        organization_id,
        key,
    )
    return (bytes(row["request_fingerprint"]), bytes(row["response"])) if row else None


_FIND_MANY = ByIds(
    """SELECT idempotency_key, request_fingerprint, response FROM idempotency_keys
       WHERE organization_id = $1 AND idempotency_key = ANY($2::text[]) {ledger}""",
    "ledger_id",
)


async def find_many(
    db: Executor, organization_id: uuid.UUID, keys: list[str], ledger_id: uuid.UUID | None = None
) -> dict[str, tuple[bytes, bytes]]:
    """The keys stored among `keys`; with `ledger_id`, among that ledger's alone: where a key is
    unique per organization (one PostgreSQL), a key of another ledger is then not found here, and the
    write storing it again meets it (IdempotencyKeyRace) and replays or refuses it as `find` reads it."""
    records = await _FIND_MANY.fetch(db, ledger_id, organization_id, keys)
    return {r["idempotency_key"]: (bytes(r["request_fingerprint"]), bytes(r["response"])) for r in records}


async def insert(
    db: Executor,
    organization_id: uuid.UUID,
    ledger_id: uuid.UUID,
    key: str,
    fingerprint: bytes,
    response: bytes,
    now: datetime,
) -> bool:
    """False when another request stored the key first (it then waited for that one's commit).
    `ledger_id`: the ledger of what the request changed."""
    inserted = await db.fetchval(
        """INSERT INTO idempotency_keys
               (organization_id, idempotency_key, request_fingerprint, response, created_at, ledger_id)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true""",
        organization_id,
        key,
        fingerprint,
        response,
        now,
        ledger_id,
    )
    return bool(inserted)


async def delete_created_before(db: Executor, cutoff: datetime, limit: int) -> int:
    """Removes up to `limit` keys stored before `cutoff` (oldest first); returns how many."""
    result: str = await db.execute(
        """DELETE FROM idempotency_keys WHERE (organization_id, idempotency_key) IN (
               SELECT organization_id, idempotency_key FROM idempotency_keys
               WHERE created_at < $1 ORDER BY created_at LIMIT $2)""",
        cutoff,
        limit,
    )
    return int(result.rsplit(" ", 1)[1])
