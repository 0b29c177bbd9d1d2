"""Matching an event and finding its variables never scan: with thousands of accounts and
handlers in the ledger (statistics fresh), PostgreSQL's plans for the two statements use the
indexes of migration 0003 and the metadata GIN index of 0001."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg

from ledgerd.client import LedgerdClient
from ledgerd.server.domain.events import LedgerEventHandler, compile_handler, condition_candidates, event_context
from ledgerd.server.domain.events import render_queries as rendered_queries
from ledgerd.server.store import events as store

from .event_helpers import TOP_UP_EVENT, TOP_UP_HANDLER, Wallets, create_handler, top_up_with_fees_handler

ACCOUNTS = 5000
HANDLERS = 2000


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


async def plan_of(connection: asyncpg.Connection, sql: str, *arguments: Any) -> list[dict[str, Any]]:
    explained = await connection.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *arguments)
    return list(nodes(json.loads(explained)[0]["Plan"]))


async def test_matching_and_variable_lookups_use_indexes(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    book = await Wallets(client).open()
    platform = await book.user_account("Platform", "platform", "platform_fees", 2)
    await create_handler(client, book.ledger.id, TOP_UP_HANDLER)
    fees = await create_handler(client, book.ledger.id, top_up_with_fees_handler(platform.id))
    ledger_id = uuid.UUID(book.ledger.id)
    async with pool.acquire() as connection:
        await connection.execute(
            """INSERT INTO ledger_accounts (id, ledger_id, name, description, normal_balance, currency,
                   currency_exponent, metadata, posted_credits, posted_debits, pending_credits, pending_debits,
                   lock_version, created_at, updated_at)
               SELECT gen_random_uuid(), $1, 'Wallet ' || n, '', 'credit', 'USD', 2,
                   jsonb_build_object('user_id', n::text, 'type', 'wallet'), 0, 0, 0, 0, 0, now(), now()
               FROM generate_series(1, $2) n""",
            ledger_id,
            ACCOUNTS,
        )
        await connection.execute(
            """INSERT INTO ledger_event_handlers (id, ledger_id, name, description, condition_field, condition_operator,
                   condition_value, variables, ledger_transaction_template, metadata, created_at, updated_at)
               SELECT gen_random_uuid(), $1, 'Handler ' || n, '', 'ledgerable_event.name', 'equals', 'Event ' || n,
                   '{}', '{}', '{}', now(), now()
               FROM generate_series(1, $2) n""",
            ledger_id,
            HANDLERS,
        )
        await connection.execute("ANALYZE ledger_accounts; ANALYZE ledger_event_handlers")
        organization_id = await connection.fetchval("SELECT organization_id FROM ledgers WHERE id = $1", ledger_id)

        event = {**TOP_UP_EVENT, "name": "Top Up with Fees"}
        candidates = condition_candidates(event["name"], event["custom_data"], event["metadata"])
        match = await plan_of(
            connection,
            store.MATCH_SQL,
            ledger_id,
            organization_id,
            [f for f, _ in candidates],
            [v for _, v in candidates],
        )
        stored = await store.get_handler(connection, organization_id, uuid.UUID(fees.id))
        assert isinstance(stored, LedgerEventHandler)
        queries = rendered_queries(
            compile_handler(stored), event_context(event["name"], "", event["custom_data"], event["metadata"])
        )
        lookup = await plan_of(
            connection,
            store.variables_sql([q for q, _ in queries]),
            ledger_id,
            *((uuid.UUID(v) if q.field == "id" else v) for q, v in queries),
        )
        assert await store.match_handlers(connection, organization_id, ledger_id, candidates) == [uuid.UUID(fees.id)]

    assert [n for n in (*match, *lookup) if n["Node Type"] == "Seq Scan"] == []
    assert {n.get("Index Name") for n in match} >= {"ledger_event_handlers_one_enabled_per_condition"}
    assert {n.get("Index Name") for n in lookup} >= {"ledger_accounts_metadata", "ledger_accounts_pkey"}
