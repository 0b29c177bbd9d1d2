"""SQL of ledgers and ledger accounts: the chart of accounts. Every query is scoped to one
organization; another organization's rows are invisible."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ledgerd.server.domain.model import Ledger, LedgerAccount
from ledgerd.server.store import rows
from ledgerd.server.store.placement import LEDGERS, ByIds

Executor = Any  # asyncpg.Connection or asyncpg.Pool


async def insert_ledger(db: Executor, ledger: Ledger) -> None:
    await db.execute(
        """INSERT INTO ledgers (id, organization_id, name, description, metadata, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        ledger.id,
        ledger.organization_id,
        ledger.name,
        ledger.description,
        ledger.metadata,
        ledger.created_at,
        ledger.updated_at,
    )


async def get_ledger(
    db: Executor, organization_id: uuid.UUID, ledger_id: uuid.UUID, *, for_update: bool = False
) -> Ledger | None:
    row = await db.fetchrow(
        "SELECT * FROM ledgers WHERE id = $1 AND organization_id = $2" + (" FOR UPDATE" if for_update else ""),
        ledger_id,
        organization_id,
    )
    return rows.ledger(row) if row else None


async def list_ledgers(
    db: Executor, organization_id: uuid.UUID, after: uuid.UUID | None, limit: int, metadata: Mapping[str, str]
) -> list[Ledger]:
    records = await db.fetch(
        """SELECT * FROM ledgers
           WHERE organization_id = $1 AND ($2::uuid IS NULL OR id > $2) AND metadata @> $3
           ORDER BY id LIMIT $4""",
        organization_id,
        after,
        dict(metadata),
        limit,
    )
    return [rows.ledger(r) for r in records]


async def update_ledger(db: Executor, ledger: Ledger) -> None:
    await db.execute(
        "UPDATE ledgers SET name = $2, description = $3, metadata = $4, updated_at = $5 WHERE id = $1",
        ledger.id,
        ledger.name,
        ledger.description,
        ledger.metadata,
        ledger.updated_at,
    )


async def insert_ledger_account(db: Executor, account: LedgerAccount) -> None:
    await db.execute(
        """INSERT INTO ledger_accounts (id, ledger_id, name, description, normal_balance, currency,
               currency_exponent, metadata, posted_credits, posted_debits, pending_credits, pending_debits,
               lock_version, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 0, 0, 0, 0, $9, $9)""",
        account.id,
        account.ledger_id,
        account.name,
        account.description,
        account.normal_balance.value,
        account.currency,
        account.currency_exponent,
        account.metadata,
        account.created_at,
    )
    LEDGERS.learn(account.id, account.ledger_id)


_ACCOUNTS_STATEMENT = """SELECT a.* FROM ledger_accounts a JOIN ledgers l ON l.id = a.ledger_id
    WHERE a.id = ANY($1::uuid[]) AND l.organization_id = $2 {ledger}"""
_ACCOUNTS = ByIds(_ACCOUNTS_STATEMENT, "a.ledger_id")
_ACCOUNT_FOR_UPDATE = ByIds(_ACCOUNTS_STATEMENT + " FOR UPDATE OF a", "a.ledger_id")


async def get_ledger_account(
    db: Executor, organization_id: uuid.UUID, account_id: uuid.UUID, *, for_update: bool = False
) -> LedgerAccount | None:
    # Citus refuses FOR UPDATE in a read sent to every shard: the ledger is learnt first.
    if (
        for_update
        and LEDGERS.ledger_of((account_id,)) is None
        and not await _ACCOUNTS.fetch_ids(db, (account_id,), [account_id], organization_id)
    ):
        return None
    records = await (_ACCOUNT_FOR_UPDATE if for_update else _ACCOUNTS).fetch_ids(
        db, (account_id,), [account_id], organization_id
    )
    return rows.ledger_account(records[0]) if records else None


async def get_ledger_accounts(
    db: Executor, organization_id: uuid.UUID, account_ids: list[uuid.UUID]
) -> dict[uuid.UUID, LedgerAccount]:
    records = await _ACCOUNTS.fetch_ids(db, account_ids, account_ids, organization_id)
    return {r["id"]: rows.ledger_account(r) for r in records}


async def list_ledger_accounts(
    db: Executor,
    organization_id: uuid.UUID,
    after: uuid.UUID | None,
    limit: int,
    *,
    ledger_id: uuid.UUID | None,
    currency: str | None,
    metadata: Mapping[str, str],
) -> list[LedgerAccount]:
    records = await db.fetch(
        """SELECT a.* FROM ledger_accounts a JOIN ledgers l ON l.id = a.ledger_id
           WHERE l.organization_id = $1 AND ($2::uuid IS NULL OR a.id > $2)
             AND ($3::uuid IS NULL OR a.ledger_id = $3) AND ($4::text IS NULL OR a.currency = $4)
             AND a.metadata @> $5
           ORDER BY a.id LIMIT $6""",
        organization_id,
        after,
        ledger_id,
        currency,
        dict(metadata),
        limit,
    )
    return [rows.ledger_account(r) for r in records]


async def update_ledger_account(db: Executor, account: LedgerAccount) -> None:
    await db.execute(
        # By its ledger too: on Citus the one shard that holds it.
        """UPDATE ledger_accounts SET name = $2, description = $3, metadata = $4, updated_at = $5
           WHERE ledger_id = $6 AND id = $1""",
        account.id,
        account.name,
        account.description,
        account.metadata,
        account.updated_at,
        account.ledger_id,
    )


async def parents_found(
    db: Any,
    organization_id: uuid.UUID,
    ledger_id: uuid.UUID | None,
    ledger_account_id: uuid.UUID | None,
    ledger_transaction_id: uuid.UUID | None,
) -> Mapping[str, bool]:
    """For each id given: whether it is the organization's (true for those not given)."""
    row = await db.fetchrow(
        """SELECT
               ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM ledgers l WHERE l.id = $2 AND l.organization_id = $1))
                   AS ledger,
               ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM ledger_accounts a JOIN ledgers l ON l.id = a.ledger_id
                                            WHERE a.id = $3 AND l.organization_id = $1)) AS ledger_account,
               ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM ledger_transactions t JOIN ledgers l ON l.id = t.ledger_id
                                            WHERE t.id = $4 AND l.organization_id = $1)) AS ledger_transaction""",
        organization_id,
        ledger_id,
        ledger_account_id,
        ledger_transaction_id,
    )
    return dict(row)
