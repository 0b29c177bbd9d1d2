"""Idempotency keys: a replay with the same key and body returns the first response, stored in the
same database transaction as the effect; the same key with another body is ALREADY_EXISTS.
Failures are not stored, so a retry after an error runs again."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import asyncpg

from ledgerd.server.core import audit
from ledgerd.server.core.clock import utcnow
from ledgerd.server.domain.errors import AlreadyExists, ErrorReason, invariant
from ledgerd.server.domain.model import Ledger
from ledgerd.server.store import idempotency as store

T = TypeVar("T")


@dataclass(frozen=True)
class Idempotency(Generic[T]):
    key: str
    fingerprint: bytes
    # The response the API sends for a result: what a replay returns, byte for byte.
    encode: Callable[[T], bytes]


@dataclass(frozen=True)
class Replay:
    response: bytes


def replay_or_refuse(stored: tuple[bytes, bytes], idempotency: Idempotency[Any]) -> Replay:
    fingerprint, response = stored
    if fingerprint != idempotency.fingerprint:
        raise AlreadyExists(
            ErrorReason.IDEMPOTENCY_KEY_REUSED,
            f"idempotency key {idempotency.key!r} was used before with another request",
            {"idempotency_key": idempotency.key},
        )
    return Replay(response)


def _ledger_of(result: object) -> uuid.UUID:
    """The ledger a change's result belongs to (a ledger is its own): what its idempotency key and
    audit event are filed under (docs/scaling.md)."""
    ledger_id = result.id if isinstance(result, Ledger) else getattr(result, "ledger_id", None)
    invariant(isinstance(ledger_id, uuid.UUID), f"a {type(result).__name__} names no ledger")
    assert isinstance(ledger_id, uuid.UUID)
    return ledger_id


class _Raced(Exception):
    """Another request with the same key committed first."""


async def run_idempotent(
    pool: asyncpg.Pool,
    organization_id: uuid.UUID,
    idempotency: Idempotency[T] | None,
    action: Callable[[asyncpg.Connection], Awaitable[T]],
    touched: Callable[[T], Iterable[uuid.UUID]] | None = None,
) -> T | Replay:
    """Runs `action` in one database transaction, storing its encoded result under the key and the
    call's audit event (core.audit) of the ids `touched` names (the result's own id by default).
    When a concurrent request with the same key commits first, this one rolls back and answers as
    its replay."""
    if idempotency is not None:
        stored = await store.find(pool, organization_id, idempotency.key)
        if stored is not None:
            return replay_or_refuse(stored, idempotency)
    async with pool.acquire() as connection:
        try:
            async with connection.transaction():
                result = await action(connection)
                ids = touched(result) if touched is not None else (getattr(result, "id"),)  # noqa: B009
                ledger_id = _ledger_of(result)
                await audit.record(connection, organization_id, ledger_id, ids, utcnow())
                if idempotency is not None and not await store.insert(
                    connection,
                    organization_id,
                    ledger_id,
                    idempotency.key,
                    idempotency.fingerprint,
                    idempotency.encode(result),
                    utcnow(),
                ):
                    raise _Raced()
                return result
        except _Raced:
            pass
    assert idempotency is not None
    stored = await store.find(pool, organization_id, idempotency.key)
    invariant(stored is not None, "an idempotency key that blocked an insert is missing")
    assert stored is not None
    return replay_or_refuse(stored, idempotency)
