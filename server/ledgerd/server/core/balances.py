"""Balance checks: read the stored balances (or past ones), never lock."""

from __future__ import annotations

import uuid
from datetime import datetime

from ledgerd.server.core.categories import CategoriesUseCases
from ledgerd.server.core.history import HistoryUseCases
from ledgerd.server.domain.categories import LedgerAccountCategory
from ledgerd.server.domain.history import CURRENT, AsOf
from ledgerd.server.domain.model import LedgerAccount


class BalancesUseCases:
    def __init__(self, history: HistoryUseCases, categories: CategoriesUseCases) -> None:
        self.history = history
        self.categories = categories

    async def get_balances(
        self, organization_id: uuid.UUID, account_ids: list[uuid.UUID], as_of: AsOf = CURRENT
    ) -> list[LedgerAccount]:
        return await self.history.get_ledger_accounts(organization_id, account_ids, as_of)

    async def get_category_balances(
        self, organization_id: uuid.UUID, category_id: uuid.UUID, effective_at: datetime | None
    ) -> LedgerAccountCategory:
        return await self.categories.get_category(organization_id, category_id, effective_at)
