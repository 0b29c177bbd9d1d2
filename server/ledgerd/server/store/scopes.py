"""SQL of ledger scopes: the ledger (and its organization) each object belongs to, by the kind of
object an id names. None of these ever changes for an object, which is what lets core/scopes.py
remember the answers."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from typing import Any

Executor = Any


class Kind(enum.Enum):
    """What an id in a request names."""

    LEDGER = "ledger"
    ACCOUNT = "ledger_account"
    CATEGORY = "ledger_account_category"
    TRANSACTION = "ledger_transaction"
    ENTRY = "ledger_entry"
    HOLD = "hold"
    MONITOR = "ledger_account_balance_monitor"
    EVENT_HANDLER = "ledger_event_handler"
    LEDGERABLE_EVENT = "ledgerable_event"


def _owned(table: str) -> str:
    return f"""SELECT o.id, o.ledger_id, l.organization_id FROM {table} o
               JOIN ledgers l ON l.id = o.ledger_id WHERE o.id = ANY($1::uuid[])"""


QUERIES = {
    Kind.LEDGER: "SELECT id, id AS ledger_id, organization_id FROM ledgers WHERE id = ANY($1::uuid[])",
    Kind.ACCOUNT: _owned("ledger_accounts"),
    Kind.CATEGORY: _owned("ledger_account_categories"),
    Kind.TRANSACTION: _owned("ledger_transactions"),
    Kind.HOLD: _owned("holds"),
    Kind.EVENT_HANDLER: _owned("ledger_event_handlers"),
    Kind.LEDGERABLE_EVENT: _owned("ledgerable_events"),
    Kind.ENTRY: _owned("ledger_entries"),
    Kind.MONITOR: _owned("ledger_account_balance_monitors"),
}


async def owners_of(db: Executor, kind: Kind, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID]]:
    """id -> (ledger id, organization id) for those of `ids` that exist."""
    rows = await db.fetch(QUERIES[kind], list(ids))
    return {row["id"]: (row["ledger_id"], row["organization_id"]) for row in rows}
