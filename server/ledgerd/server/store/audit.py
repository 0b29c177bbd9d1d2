"""SQL of the audit trail (docs/audit.md). Rows are only ever inserted: the table refuses UPDATE,
DELETE and TRUNCATE (0012_audit.sql)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from ledgerd.server.domain.audit import AuditEvent

Executor = Any


def row(event: AuditEvent) -> tuple[Any, ...]:
    """The event in the table's row type (the batch write sends these)."""
    return (
        event.id,
        event.organization_id,
        event.api_key_id,
        event.method,
        list(event.resource_ids),
        event.created_at,
        event.ledger_id,
    )


async def insert(db: Executor, events: Sequence[AuditEvent]) -> None:
    await db.execute("INSERT INTO audit_events SELECT * FROM unnest($1::audit_events[])", [row(e) for e in events])


async def list_events(
    db: Executor,
    organization_id: uuid.UUID,
    after: uuid.UUID | None,
    limit: int,
    *,
    api_key_id: uuid.UUID | None,
    method: str | None,
) -> list[AuditEvent]:
    records = await db.fetch(
        """SELECT * FROM audit_events
           WHERE organization_id = $1 AND ($2::uuid IS NULL OR id > $2)
             AND ($3::uuid IS NULL OR api_key_id = $3) AND ($4::text IS NULL OR method = $4)
           ORDER BY id LIMIT $5""",
        organization_id,
        after,
        api_key_id,
        method,
        limit,
    )
    return [
        AuditEvent(
            r["id"],
            r["organization_id"],
            r["api_key_id"],
            r["method"],
            tuple(r["resource_ids"]),
            r["created_at"],
            r["ledger_id"],
        )
        for r in records
    ]
