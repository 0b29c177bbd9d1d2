"""Organizations and their API keys. A key is 256 random bits shown once; only its SHA-256 is
stored (a fast hash suffices: keys are random, not guessable passwords). A key has a role and may be
confined to some ledgers of its organization (docs/security.md)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from ledgerd.server.core.background import run_periodically
from ledgerd.server.core.clock import utcnow
from ledgerd.server.domain import limits
from ledgerd.server.domain.errors import ErrorReason, FieldViolation, InvalidArgument, NotFound, Unauthenticated
from ledgerd.server.domain.ids import new_id
from ledgerd.server.domain.roles import Role
from ledgerd.server.store import organizations as store

KEY_PREFIX = "ldg_"
key_length_max = 128

log = logging.getLogger(__name__)


def hash_key(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A verified key: its id, its organization, its role and, when confined, its ledgers."""

    id: uuid.UUID
    organization_id: uuid.UUID
    role: Role = Role.ADMIN
    # None: every ledger of the organization.
    ledger_ids: frozenset[uuid.UUID] | None = None


async def create_api_key(
    pool: asyncpg.Pool,
    organization_name: str,
    *,
    role: Role = Role.ADMIN,
    ledger_ids: Sequence[uuid.UUID] = (),
    expires_in_seconds: int | None = None,
) -> tuple[uuid.UUID, str]:
    """Creates the organization if new and a key for it: (organization id, the key in clear). A
    key confined to ledgers may name only ledgers of its organization."""
    if len(set(ledger_ids)) > limits.ledgers_per_api_key_max:
        raise InvalidArgument(
            [FieldViolation("ledger_ids", f"at most {limits.ledgers_per_api_key_max} (ledgers_per_api_key_max)")]
        )
    if expires_in_seconds is not None and not 0 < expires_in_seconds <= limits.api_key_expires_in_seconds_max:
        raise InvalidArgument(
            [
                FieldViolation(
                    "expires_in_seconds",
                    f"must be in 1..{limits.api_key_expires_in_seconds_max} (api_key_expires_in_seconds_max)",
                )
            ]
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    key_id = new_id()
    async with pool.acquire() as connection, connection.transaction():
        now = utcnow()
        await store.lock_api_keys_first(connection, key_id)
        organization_id = await store.ensure_organization(connection, new_id(), organization_name, now)
        unknown = set(ledger_ids) - await store.ledgers_of_organization(connection, organization_id, list(ledger_ids))
        if unknown:
            raise NotFound(
                ErrorReason.LEDGER_NOT_FOUND,
                f"no ledger {', '.join(sorted(map(str, unknown)))} in organization {organization_name!r}",
            )
        expires_at = None if expires_in_seconds is None else now + timedelta(seconds=expires_in_seconds)
        await store.insert_api_key(
            connection,
            key_id,
            organization_id,
            hash_key(key),
            now,
            role=role.value,
            ledger_ids=sorted(set(ledger_ids)),
            expires_at=expires_at,
        )
    return organization_id, key


async def has_api_keys(pool: asyncpg.Pool) -> bool:
    return await store.count_api_keys(pool) > 0


async def revoke_api_key(pool: asyncpg.Pool, key_or_id: str) -> tuple[uuid.UUID, datetime] | None:
    """Revokes a key named by itself (`ldg_...`) or by its id: (its id, when it was revoked), or
    None if there is no such key.
    Servers refuse it once their cache of it expires (limits.api_key_cache_seconds)."""
    if key_or_id.startswith(KEY_PREFIX):
        row = await store.revoke_api_key(pool, key_hash=hash_key(key_or_id), now=utcnow())
    else:
        try:
            key_id = uuid.UUID(key_or_id)
        except ValueError:
            raise InvalidArgument([FieldViolation("key_or_id", "neither an API key (ldg_...) nor a key id")]) from None
        row = await store.revoke_api_key(pool, key_id=key_id, now=utcnow())
    return None if row is None else (row["id"], row["revoked_at"])


class Authenticator:
    """Bearer key -> its record, with a short cache so the hot path does not ask the database. The
    keys it verified are written as used once per cache period (`record_usage`), off the calls' path."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._cache: dict[bytes, tuple[ApiKey, float]] = {}
        self._used: set[uuid.UUID] = set()

    async def authenticate(self, key: str) -> ApiKey:
        if not key.startswith(KEY_PREFIX) or len(key) > key_length_max:
            raise Unauthenticated("the API key is malformed")
        # The cache is keyed by the key's SHA-256, so a lookup's timing tells nothing about the key.
        digest = hash_key(key)
        cached = self._cache.get(digest)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            self._used.add(cached[0].id)
            return cached[0]
        api_key, trusted_until = await self._verified(digest, now)
        if len(self._cache) >= limits.api_key_cache_entries_max:
            self._cache.clear()
        self._cache[digest] = (api_key, trusted_until)
        self._used.add(api_key.id)
        return api_key

    async def _verified(self, digest: bytes, now: float) -> tuple[ApiKey, float]:
        row = await store.api_key_of(self.pool, digest)
        # The database found the row by its hash; compared again in constant time so that no
        # comparison of key material in this process depends on where two values differ.
        if row is None or not hmac.compare_digest(bytes(row["key_hash"]), digest):
            raise Unauthenticated("unknown API key")
        if row["revoked_at"] is not None:
            raise Unauthenticated(f"API key {row['id']} was revoked")
        trusted_until = now + limits.api_key_cache_seconds
        if row["expires_at"] is not None:
            left = (row["expires_at"] - utcnow()).total_seconds()
            if left <= 0:
                raise Unauthenticated(f"API key {row['id']} expired")
            trusted_until = min(trusted_until, now + left)
        ledger_ids = frozenset(row["ledger_ids"]) or None
        return ApiKey(row["id"], row["organization_id"], Role(row["role"]), ledger_ids), trusted_until

    async def record_usage(self) -> int:
        """Writes the keys used since the last round as used now; 0 (not worth a log line)."""
        if self._used:
            used, self._used = self._used, set()
            await store.record_api_keys_used(self.pool, sorted(used), utcnow())
        return 0

    async def run_usage_recorder(self) -> None:
        await run_periodically("API key usage", self.record_usage, limits.api_key_cache_seconds)
