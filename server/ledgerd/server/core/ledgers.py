"""Use cases of the chart of accounts: ledgers and ledger accounts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import asyncpg

from ledgerd.server.core.clock import utcnow
from ledgerd.server.core.idempotency import Idempotency, Replay, run_idempotent
from ledgerd.server.core.paging import Page, PageRequest
from ledgerd.server.domain.balances import BalanceTotals, NormalBalance
from ledgerd.server.domain.errors import ErrorReason, NotFound
from ledgerd.server.domain.ids import new_id
from ledgerd.server.domain.model import Ledger, LedgerAccount
from ledgerd.server.domain.validation import merge_metadata
from ledgerd.server.store import ledgers as store


def ledger_not_found(ledger_id: uuid.UUID) -> NotFound:
    return NotFound(ErrorReason.LEDGER_NOT_FOUND, f"ledger {ledger_id} not found", {"ledger_id": str(ledger_id)})


def transaction_not_found(transaction_id: uuid.UUID) -> NotFound:
    return NotFound(
        ErrorReason.LEDGER_TRANSACTION_NOT_FOUND,
        f"ledger transaction {transaction_id} not found",
        {"ledger_transaction_id": str(transaction_id)},
    )


async def require_parents(
    db: Any,
    organization_id: uuid.UUID,
    *,
    ledger_id: uuid.UUID | None = None,
    ledger_account_id: uuid.UUID | None = None,
    ledger_transaction_id: uuid.UUID | None = None,
    **_other_filters: Any,
) -> None:
    """A list filtered by a ledger, an account or a transaction that is unknown or another
    organization's answers NOT_FOUND (AIP-132), as a read of it would: an empty page would say the
    parent exists. Takes a list's filters as they are; only the parents among them are checked."""
    if ledger_id is None and ledger_account_id is None and ledger_transaction_id is None:
        return
    found = await store.parents_found(db, organization_id, ledger_id, ledger_account_id, ledger_transaction_id)
    for kind, given, not_found in (
        ("ledger", ledger_id, ledger_not_found),
        ("ledger_account", ledger_account_id, account_not_found),
        ("ledger_transaction", ledger_transaction_id, transaction_not_found),
    ):
        if given is not None and not found[kind]:
            raise not_found(given)


def account_not_found(account_id: uuid.UUID) -> NotFound:
    return NotFound(
        ErrorReason.LEDGER_ACCOUNT_NOT_FOUND,
        f"ledger account {account_id} not found",
        {"ledger_account_id": str(account_id)},
    )


Described = TypeVar("Described", Ledger, LedgerAccount)


def in_order(found: Mapping[uuid.UUID, LedgerAccount], account_ids: Sequence[uuid.UUID]) -> list[LedgerAccount]:
    """The accounts found, in the order asked; NOT_FOUND names the first id not found."""
    for account_id in account_ids:
        if account_id not in found:
            raise account_not_found(account_id)
    return [found[a] for a in account_ids]


def redescribed(
    current: Described, name: str | None, description: str | None, metadata: Mapping[str, str]
) -> Described:
    """A ledger or account after an update of its name, description (None: kept) and metadata (merged)."""
    merged = merge_metadata(current.metadata, metadata)
    return replace(
        current,
        name=current.name if name is None else name,
        description=current.description if description is None else description,
        metadata=merged,
        updated_at=utcnow(),
    )


class LedgersUseCases:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def create_ledger(
        self,
        organization_id: uuid.UUID,
        name: str,
        description: str,
        metadata: Mapping[str, str],
        idempotency: Idempotency[Ledger] | None,
    ) -> Ledger | Replay:
        async def create(connection: asyncpg.Connection) -> Ledger:
            now = utcnow()
            ledger = Ledger(new_id(), organization_id, name, description, dict(metadata), now, now)
            await store.insert_ledger(connection, ledger)
            return ledger

        return await run_idempotent(self.pool, organization_id, idempotency, create)

    async def get_ledger(self, organization_id: uuid.UUID, ledger_id: uuid.UUID) -> Ledger:
        ledger = await store.get_ledger(self.pool, organization_id, ledger_id)
        if ledger is None:
            raise ledger_not_found(ledger_id)
        return ledger

    async def list_ledgers(
        self, organization_id: uuid.UUID, page: PageRequest, metadata: Mapping[str, str]
    ) -> Page[Ledger]:
        rows = await store.list_ledgers(self.pool, organization_id, page.after, page.size + 1, metadata)
        return Page.of(rows, page)

    async def update_ledger(
        self,
        organization_id: uuid.UUID,
        ledger_id: uuid.UUID,
        name: str | None,
        description: str | None,
        metadata: Mapping[str, str],
        idempotency: Idempotency[Ledger] | None,
    ) -> Ledger | Replay:
        async def update(connection: asyncpg.Connection) -> Ledger:
            current = await store.get_ledger(connection, organization_id, ledger_id, for_update=True)
            if current is None:
                raise ledger_not_found(ledger_id)
            ledger = redescribed(current, name, description, metadata)
            await store.update_ledger(connection, ledger)
            return ledger

        return await run_idempotent(self.pool, organization_id, idempotency, update)

    async def create_ledger_account(
        self,
        organization_id: uuid.UUID,
        ledger_id: uuid.UUID,
        name: str,
        description: str,
        normal_balance: NormalBalance,
        currency: str,
        currency_exponent: int,
        metadata: Mapping[str, str],
        idempotency: Idempotency[LedgerAccount] | None,
    ) -> LedgerAccount | Replay:

        async def create(connection: asyncpg.Connection) -> LedgerAccount:
            if await store.get_ledger(connection, organization_id, ledger_id) is None:
                raise ledger_not_found(ledger_id)
            now = utcnow()
            account = LedgerAccount(
                new_id(),
                ledger_id,
                name,
                description,
                normal_balance,
                currency,
                currency_exponent,
                dict(metadata),
                0,
                BalanceTotals(),
                now,
                now,
            )
            await store.insert_ledger_account(connection, account)
            return account

        return await run_idempotent(self.pool, organization_id, idempotency, create)

    async def get_ledger_account(self, organization_id: uuid.UUID, account_id: uuid.UUID) -> LedgerAccount:
        account = await store.get_ledger_account(self.pool, organization_id, account_id)
        if account is None:
            raise account_not_found(account_id)
        return account

    async def get_ledger_accounts(
        self, organization_id: uuid.UUID, account_ids: list[uuid.UUID]
    ) -> list[LedgerAccount]:
        """In the order asked; unknown or foreign ids are NOT_FOUND (the first one named)."""
        found = await store.get_ledger_accounts(self.pool, organization_id, list(set(account_ids)))
        return in_order(found, account_ids)

    async def list_ledger_accounts(
        self,
        organization_id: uuid.UUID,
        page: PageRequest,
        ledger_id: uuid.UUID | None,
        currency: str | None,
        metadata: Mapping[str, str],
    ) -> Page[LedgerAccount]:
        await require_parents(self.pool, organization_id, ledger_id=ledger_id)
        rows = await store.list_ledger_accounts(
            self.pool,
            organization_id,
            page.after,
            page.size + 1,
            ledger_id=ledger_id,
            currency=currency,
            metadata=metadata,
        )
        return Page.of(rows, page)

    async def update_ledger_account(
        self,
        organization_id: uuid.UUID,
        account_id: uuid.UUID,
        name: str | None,
        description: str | None,
        metadata: Mapping[str, str],
        idempotency: Idempotency[LedgerAccount] | None,
    ) -> LedgerAccount | Replay:
        async def update(connection: asyncpg.Connection) -> LedgerAccount:
            # A row lock, not the advisory lock: balances are not touched, and the write path's
            # UPDATE of the balances waits for this short one.
            current = await store.get_ledger_account(connection, organization_id, account_id, for_update=True)
            if current is None:
                raise account_not_found(account_id)
            account = redescribed(current, name, description, metadata)
            await store.update_ledger_account(connection, account)
            return account

        return await run_idempotent(self.pool, organization_id, idempotency, update)
