"""BalanceService: the current balances of many accounts at once, read without locks."""

from __future__ import annotations

from typing import Any

from ledgerd.server.api import convert
from ledgerd.server.core.balances import BalancesUseCases
from ledgerd.server.domain import limits
from ledgerd.server.domain.validation import Violations
from ledgerd.server.interceptors.authentication import current_organization
from ledgerd.v1 import balance_pb2 as pb
from ledgerd.v1 import balance_pb2_grpc


class BalanceService(balance_pb2_grpc.BalanceServiceServicer):
    def __init__(self, balances: BalancesUseCases) -> None:
        self.balances = balances

    async def GetBalances(self, request: pb.GetBalancesRequest, context: Any) -> pb.GetBalancesResponse:
        violations = Violations()
        if not request.ledger_account_ids:
            violations.add("ledger_account_ids", "is required")
        if len(request.ledger_account_ids) > limits.balance_accounts_max:
            violations.add(
                "ledger_account_ids", f"has more than {limits.balance_accounts_max} ids (balance_accounts_max)"
            )
        ids = [
            violations.uuid(f"ledger_account_ids[{i}]", value)
            for i, value in enumerate(request.ledger_account_ids[: limits.balance_accounts_max])
        ]
        violations.raise_if_any()
        accounts = await self.balances.get_balances(current_organization(), [i for i in ids if i is not None])
        return pb.GetBalancesResponse(
            ledger_account_balances=[
                pb.LedgerAccountBalances(
                    ledger_account_id=str(a.id), lock_version=a.lock_version, balances=convert.balances(a.balances)
                )
                for a in accounts
            ]
        )
