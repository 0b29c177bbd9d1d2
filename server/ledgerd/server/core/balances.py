"""Balance checks: read the stored balances, never lock."""

from __future__ import annotations

import uuid

from ledgerd.server.core.ledgers import LedgersUseCases
from ledgerd.server.domain.model import LedgerAccount


class BalancesUseCases:
    def __init__(self, ledgers: LedgersUseCases) -> None:
        self.ledgers = ledgers

    async def get_balances(self, organization_id: uuid.UUID, account_ids: list[uuid.UUID]) -> list[LedgerAccount]:
        return await self.ledgers.get_ledger_accounts(organization_id, account_ids)
