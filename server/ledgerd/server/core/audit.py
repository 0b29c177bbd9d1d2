"""The audit trail (docs/audit.md): every accepted call that changes something leaves an
AuditEvent — its caller's key, its method, the ids it created or changed, the time — written in
the same database transaction as its effect, so there is no effect without its record and no
record without its effect. The batch write carries its writes' events (core.writer); every other
change records its own through core.idempotency.run_idempotent."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import asyncpg

from ledgerd.server.core.callers import Caller, current_caller
from ledgerd.server.core.paging import Page, PageRequest
from ledgerd.server.domain.audit import AuditEvent
from ledgerd.server.domain.ids import new_id
from ledgerd.server.store import audit as store


def event_of(
    caller: Caller | None,
    organization_id: uuid.UUID,
    ledger_id: uuid.UUID,
    resource_ids: Iterable[uuid.UUID],
    now: datetime,
) -> AuditEvent | None:
    """The event of a change by `caller`; None for a change no call made (the background rounds:
    a hold's expiry is recorded on the hold itself) or one that touched nothing."""
    ids = tuple(dict.fromkeys(resource_ids))
    if caller is None or not ids:
        return None
    return AuditEvent(new_id(), organization_id, caller.api_key_id, caller.method, ids, now, ledger_id)


async def record(
    connection: asyncpg.Connection,
    organization_id: uuid.UUID,
    ledger_id: uuid.UUID,
    resource_ids: Iterable[uuid.UUID],
    now: datetime,
) -> None:
    """Records the current call's change of ledger `ledger_id`, inside the caller's database transaction."""
    event = event_of(current_caller(), organization_id, ledger_id, resource_ids, now)
    if event is not None:
        await store.insert(connection, [event])


class AuditUseCases:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def list(
        self, organization_id: uuid.UUID, page: PageRequest, *, api_key_id: uuid.UUID | None, method: str | None
    ) -> Page[AuditEvent]:
        items = await store.list_events(
            self.pool, organization_id, page.after, page.size + 1, api_key_id=api_key_id, method=method
        )
        return Page.of(items, page)
