"""Use cases of balance monitors. A monitor is created through the write path, under its
account's lock, so its first evaluation and every later one see each version exactly once."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from ledgerd.server.core.coalescer import Coalescer
from ledgerd.server.core.idempotency import Idempotency
from ledgerd.server.core.ledgers import account_not_found, require_parents
from ledgerd.server.core.paging import Page, PageRequest
from ledgerd.server.core.writer import BatchState, WriteDefaults
from ledgerd.server.domain import limits, monitors
from ledgerd.server.domain.errors import ErrorReason, FailedPrecondition, NotFound
from ledgerd.server.domain.monitors import AlertCondition, BalanceMonitor, BalanceMonitorAlert
from ledgerd.server.store import monitors as store


def monitor_not_found(monitor_id: uuid.UUID) -> NotFound:
    return NotFound(
        ErrorReason.BALANCE_MONITOR_NOT_FOUND,
        f"ledger account balance monitor {monitor_id} not found",
        {"ledger_account_balance_monitor_id": str(monitor_id)},
    )


@dataclass(frozen=True)
class CreateBalanceMonitor(WriteDefaults):
    ledger_account_id: uuid.UUID
    alert_condition: AlertCondition
    description: str
    metadata: Mapping[str, str]
    idempotency: Idempotency[BalanceMonitor] | None = None

    def account_ids(self, state: BatchState) -> Iterable[uuid.UUID]:
        return (self.ledger_account_id,)

    def apply(self, state: BatchState) -> BalanceMonitor:
        account = state.accounts.get(self.ledger_account_id)
        if account is None:
            raise account_not_found(self.ledger_account_id)
        if len(state.monitors.get(account.id, ())) >= limits.balance_monitors_per_account_max:
            raise FailedPrecondition(
                ErrorReason.BALANCE_MONITORS_PER_ACCOUNT_EXCEEDED,
                f"ledger account {account.id} already has {limits.balance_monitors_per_account_max} balance monitors "
                "(balance_monitors_per_account_max)",
                {"ledger_account_id": str(account.id)},
            )
        monitor = monitors.new_monitor(account, self.alert_condition, self.description, dict(self.metadata), state.now)
        state.accept_monitor(monitor)
        return monitor


class MonitorsUseCases:
    def __init__(self, pool: asyncpg.Pool, coalescer: Coalescer) -> None:
        self.pool = pool
        self.coalescer = coalescer

    async def create(self, organization_id: uuid.UUID, write: CreateBalanceMonitor) -> Any:
        return await self.coalescer.apply(organization_id, write)

    async def get(self, organization_id: uuid.UUID, monitor_id: uuid.UUID) -> BalanceMonitor:
        monitor = await store.get_monitor(self.pool, organization_id, monitor_id)
        if monitor is None:
            raise monitor_not_found(monitor_id)
        return monitor

    async def list(self, organization_id: uuid.UUID, page: PageRequest, **filters: Any) -> Page[BalanceMonitor]:
        await require_parents(self.pool, organization_id, **filters)
        items = await store.list_monitors(self.pool, organization_id, page.after, page.size + 1, **filters)
        return Page.of(items, page)

    async def list_alerts(
        self, organization_id: uuid.UUID, monitor_id: uuid.UUID, page: PageRequest
    ) -> Page[BalanceMonitorAlert]:
        await self.get(organization_id, monitor_id)  # NOT_FOUND for an unknown or foreign one
        items = await store.list_alerts(self.pool, monitor_id, page.after, page.size + 1)
        return Page.of(items, page)
