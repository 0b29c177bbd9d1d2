"""SQL of event handlers and ledgerable events: matching an event to its handler and finding a
handler's variables by index (never a scan), and the rows themselves."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ledgerd.server.domain.events import LedgerableEvent, LedgerEventHandler, VariableQuery
from ledgerd.server.domain.model import LedgerAccount
from ledgerd.server.store import rows

Executor = Any

HANDLER_COLUMNS = """
    h.id, h.ledger_id, h.name, h.description, h.condition_field, h.condition_operator, h.condition_value,
    h.variables, h.ledger_transaction_template, h.metadata, h.created_at, h.updated_at, h.disabled_at
"""


def _handler(row: Mapping[str, Any]) -> LedgerEventHandler:
    return LedgerEventHandler(
        id=row["id"],
        ledger_id=row["ledger_id"],
        name=row["name"],
        description=row["description"],
        conditions={
            "field": row["condition_field"],
            "operator": row["condition_operator"],
            "value": row["condition_value"],
        },
        variables=row["variables"],
        ledger_transaction_template=row["ledger_transaction_template"],
        metadata=row["metadata"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        disabled_at=row["disabled_at"],
    )


async def insert_handler(db: Executor, handler: LedgerEventHandler) -> None:
    """asyncpg.UniqueViolationError when an enabled handler of the ledger has the same condition."""
    await db.execute(
        """INSERT INTO ledger_event_handlers (id, ledger_id, name, description, condition_field, condition_operator,
               condition_value, variables, ledger_transaction_template, metadata, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)""",
        handler.id,
        handler.ledger_id,
        handler.name,
        handler.description,
        handler.conditions["field"],
        handler.conditions["operator"],
        handler.conditions["value"],
        handler.variables,
        handler.ledger_transaction_template,
        handler.metadata,
        handler.created_at,
    )


async def enabled_handler_with_condition(
    db: Executor, ledger_id: uuid.UUID, field: str, value: str
) -> uuid.UUID | None:
    value_found: uuid.UUID | None = await db.fetchval(
        """SELECT id FROM ledger_event_handlers
           WHERE ledger_id = $1 AND condition_field = $2 AND condition_value = $3 AND disabled_at IS NULL""",
        ledger_id,
        field,
        value,
    )
    return value_found


async def get_handler(db: Executor, organization_id: uuid.UUID, handler_id: uuid.UUID) -> LedgerEventHandler | None:
    row = await db.fetchrow(
        f"""SELECT {HANDLER_COLUMNS} FROM ledger_event_handlers h JOIN ledgers l ON l.id = h.ledger_id
            WHERE h.id = $1 AND l.organization_id = $2""",
        handler_id,
        organization_id,
    )
    return _handler(row) if row else None


async def list_handlers(
    db: Executor,
    organization_id: uuid.UUID,
    after: uuid.UUID | None,
    limit: int,
    *,
    ledger_id: uuid.UUID | None,
    name: str | None,
    metadata: Mapping[str, str],
) -> list[LedgerEventHandler]:
    records = await db.fetch(
        f"""SELECT {HANDLER_COLUMNS} FROM ledger_event_handlers h JOIN ledgers l ON l.id = h.ledger_id
            WHERE l.organization_id = $1 AND ($2::uuid IS NULL OR h.id > $2)
              AND ($3::uuid IS NULL OR h.ledger_id = $3) AND ($4::text IS NULL OR h.name = $4)
              AND h.metadata @> $5
            ORDER BY h.id LIMIT $6""",
        organization_id,
        after,
        ledger_id,
        name,
        dict(metadata),
        limit,
    )
    return [_handler(r) for r in records]


async def disable_handler(
    db: Executor, organization_id: uuid.UUID, handler_id: uuid.UUID, now: datetime
) -> LedgerEventHandler | None:
    """Disables it unless it is already (then unchanged)."""
    row = await db.fetchrow(
        f"""UPDATE ledger_event_handlers h SET disabled_at = coalesce(h.disabled_at, $3),
                updated_at = CASE WHEN h.disabled_at IS NULL THEN $3 ELSE h.updated_at END
            FROM ledgers l
            WHERE h.id = $1 AND l.id = h.ledger_id AND l.organization_id = $2
            RETURNING {HANDLER_COLUMNS}""",
        handler_id,
        organization_id,
        now,
    )
    return _handler(row) if row else None


MATCH_SQL = """
SELECT ARRAY(
    SELECT h.id FROM ledger_event_handlers h
    WHERE h.ledger_id = l.id AND h.disabled_at IS NULL
      AND (h.condition_field, h.condition_value) IN (SELECT * FROM unnest($3::text[], $4::text[]))
    ORDER BY h.id LIMIT 3) AS handler_ids
FROM ledgers l WHERE l.id = $1 AND l.organization_id = $2
"""


async def match_handlers(
    db: Executor, organization_id: uuid.UUID, ledger_id: uuid.UUID, candidates: Sequence[tuple[str, str]]
) -> list[uuid.UUID] | None:
    """The enabled handlers whose condition is one of the event's (field, value) pairs, found with
    ledger_event_handlers_one_enabled_per_condition; None when the ledger is not the organization's."""
    row = await db.fetchrow(
        MATCH_SQL,
        ledger_id,
        organization_id,
        [field for field, _ in candidates],
        [value for _, value in candidates],
    )
    return list(row["handler_ids"]) if row else None


# Per kind of query, the accounts it may find, by index: the primary key (id), ledger_accounts_name
# (name), and the GIN index ledger_accounts_metadata (metadata containment). The metadata lookup
# is MATERIALIZED so the planner cannot swap the GIN lookup for a walk of every account of the
# ledger (which it does when the ledger's statistics are stale: measured 11 ms against 0.1 ms).
VARIABLE_LOOKUPS = {
    "id": "SELECT * FROM ledger_accounts WHERE id = {}::uuid",
    "name": "SELECT * FROM ledger_accounts WHERE ledger_id = $1 AND name = {}",
    "metadata": "SELECT * FROM ledger_accounts WHERE metadata @> {}::jsonb",
}


def variables_sql(queries: Sequence[VariableQuery]) -> str:
    """One statement for all of a handler's variables: per variable, at most two accounts of the
    ledger ($1). Only the fixed texts above enter the statement; the values are parameters."""
    branches = []
    for index, query in enumerate(queries):
        lookup = VARIABLE_LOOKUPS[query.field].format(f"${index + 2}")
        branches.append(
            f"""(WITH found AS MATERIALIZED ({lookup})
                 SELECT {index} AS variable_index, found.* FROM found WHERE found.ledger_id = $1 LIMIT 2)"""
        )
    return "\nUNION ALL\n".join(branches)


async def find_variable_accounts(
    db: Executor, ledger_id: uuid.UUID, queries: Sequence[tuple[VariableQuery, Any]]
) -> list[list[LedgerAccount]]:
    """Per variable, in order, the accounts its rendered query finds (at most two: one is the answer)."""
    found: list[list[LedgerAccount]] = [[] for _ in queries]
    if not queries:
        return found
    # An id that is no UUID finds nothing (rather than failing the cast).
    values = [(_uuid(value) if query.field == "id" else value) for query, value in queries]
    records = await db.fetch(variables_sql([q for q, _ in queries]), ledger_id, *values)
    for record in records:
        found[record["variable_index"]].append(rows.ledger_account(record))
    return found


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


EVENT_COLUMNS = """
    e.id, e.ledger_id, e.name, e.description, e.custom_data, e.metadata, e.ledger_event_handler_id,
    e.ledger_transaction_id, e.created_at
"""


async def get_ledgerable_event(db: Executor, organization_id: uuid.UUID, event_id: uuid.UUID) -> LedgerableEvent | None:
    row = await db.fetchrow(
        f"""SELECT {EVENT_COLUMNS} FROM ledgerable_events e JOIN ledgers l ON l.id = e.ledger_id
            WHERE e.id = $1 AND l.organization_id = $2""",
        event_id,
        organization_id,
    )
    return LedgerableEvent(**dict(row)) if row else None
