"""Organizations and their API keys. A key is 256 random bits shown once; only its SHA-256 is
stored (a fast hash suffices: keys are random, not guessable passwords)."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass

import asyncpg

from ledgerd.server.core.clock import utcnow
from ledgerd.server.domain.errors import Unauthenticated
from ledgerd.server.domain.ids import new_id
from ledgerd.server.store import organizations as store

KEY_PREFIX = "ldg_"
# How long a verified key is trusted without asking the database again (and so how long a revoked
# key may still work on a running server).
key_cache_seconds = 30.0
key_cache_entries_max = 10_000


def hash_key(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


async def create_api_key(pool: asyncpg.Pool, organization_name: str) -> tuple[uuid.UUID, str]:
    """Creates the organization if new and a key for it: (organization id, the key in clear)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    async with pool.acquire() as connection, connection.transaction():
        now = utcnow()
        organization_id = await store.ensure_organization(connection, new_id(), organization_name, now)
        await store.insert_api_key(connection, new_id(), organization_id, hash_key(key), now)
    return organization_id, key


async def has_api_keys(pool: asyncpg.Pool) -> bool:
    return await store.count_api_keys(pool) > 0


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A verified key: its id and its organization."""

    id: uuid.UUID
    organization_id: uuid.UUID


class Authenticator:
    """Bearer key -> its record, with a short cache so the hot path does not ask the database."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._cache: dict[bytes, tuple[ApiKey, float]] = {}

    async def authenticate(self, key: str) -> ApiKey:
        if not key.startswith(KEY_PREFIX) or len(key) > 128:
            raise Unauthenticated("the API key is malformed")
        digest = hash_key(key)
        cached = self._cache.get(digest)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        found = await store.api_key_of(self.pool, digest)
        if found is None:
            raise Unauthenticated("unknown API key")
        api_key = ApiKey(*found)
        if len(self._cache) >= key_cache_entries_max:
            self._cache.clear()
        self._cache[digest] = (api_key, now + key_cache_seconds)
        return api_key
