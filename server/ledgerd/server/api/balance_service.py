"""BalanceService: the balances of many accounts at once, or of a category; current or past; read
without locks."""

from __future__ import annotations

from typing import Any

from ledgerd.server.api import convert
from ledgerd.server.api.convert_categories import as_of, ledger_account_category_balances
from ledgerd.server.core.balances import BalancesUseCases
from ledgerd.server.domain import limits
from ledgerd.server.domain.history import AsOf
from ledgerd.server.domain.validation import Violations
from ledgerd.server.interceptors.authentication import current_organization
from ledgerd.v1 import balance_pb2 as pb
from ledgerd.v1 import balance_pb2_grpc


class BalanceService(balance_pb2_grpc.BalanceServiceServicer):
    def __init__(self, balances: BalancesUseCases) -> None:
        self.balances = balances

    async def GetBalances(self, request: pb.GetBalancesRequest, context: Any) -> pb.GetBalancesResponse:
        violations = Violations()
        balances_as_of = as_of(violations, request)
        if request.ledger_account_category_id:
            return await self._category_balances(request, violations, balances_as_of)
        if not request.ledger_account_ids:
            violations.add("ledger_account_ids", "is required (or ledger_account_category_id)")
        if balances_as_of.lock_version is not None and len(request.ledger_account_ids) != 1:
            violations.add("as_of_lock_version", "is asked of exactly one ledger_account_ids")
        if len(request.ledger_account_ids) > limits.balance_accounts_max:
            violations.add(
                "ledger_account_ids", f"has more than {limits.balance_accounts_max} ids (balance_accounts_max)"
            )
        ids = [
            violations.uuid(f"ledger_account_ids[{i}]", value)
            for i, value in enumerate(request.ledger_account_ids[: limits.balance_accounts_max])
        ]
        violations.raise_if_any()
        accounts = await self.balances.get_balances(
            current_organization(), [i for i in ids if i is not None], balances_as_of
        )
        return pb.GetBalancesResponse(
            ledger_account_balances=[
                pb.LedgerAccountBalances(
                    ledger_account_id=str(a.id), lock_version=a.lock_version, balances=convert.balances(a.balances)
                )
                for a in accounts
            ]
        )

    async def _category_balances(
        self, request: pb.GetBalancesRequest, violations: Violations, balances_as_of: AsOf
    ) -> pb.GetBalancesResponse:
        category_id = violations.uuid("ledger_account_category_id", request.ledger_account_category_id)
        if request.ledger_account_ids:
            violations.add("ledger_account_ids", "cannot be combined with ledger_account_category_id")
        if balances_as_of.lock_version is not None:
            violations.add("as_of_lock_version", "is asked of one account, not of a category")
        violations.raise_if_any()
        assert category_id is not None
        category = await self.balances.get_category_balances(
            current_organization(), category_id, balances_as_of.effective_at
        )
        return pb.GetBalancesResponse(ledger_account_category_balances=ledger_account_category_balances(category))
