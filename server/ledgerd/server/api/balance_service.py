"""BalanceService: the current balances of many accounts at once, read without locks."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from ledgerd.server.api import convert
from ledgerd.server.core.balances import BalancesUseCases
from ledgerd.server.core.watching import WatchingUseCases
from ledgerd.server.domain import limits
from ledgerd.server.domain.validation import Violations
from ledgerd.server.interceptors.authentication import current_organization
from ledgerd.v1 import balance_pb2 as pb
from ledgerd.v1 import balance_pb2_grpc


class BalanceService(balance_pb2_grpc.BalanceServiceServicer):
    def __init__(self, balances: BalancesUseCases, watching: WatchingUseCases) -> None:
        self.balances = balances
        self.watching = watching

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

    async def WatchBalances(
        self, request: pb.WatchBalancesRequest, context: Any
    ) -> AsyncIterator[pb.WatchBalancesResponse]:
        violations = Violations()
        if not request.ledger_account_ids:
            violations.add("ledger_account_ids", "is required")
        if len(request.ledger_account_ids) > limits.watched_accounts_max:
            violations.add(
                "ledger_account_ids", f"has more than {limits.watched_accounts_max} ids (watched_accounts_max)"
            )
        ids = [
            violations.uuid(f"ledger_account_ids[{i}]", value)
            for i, value in enumerate(request.ledger_account_ids[: limits.watched_accounts_max])
        ]
        after: dict[uuid.UUID, int] = {}
        for key, version in request.after_lock_versions.items():
            field = f"after_lock_versions[{key[:40]}]"
            account_id = violations.uuid(field, key)
            if version < 0:
                violations.add(field, "must not be negative")
            if account_id is not None and account_id not in ids:
                violations.add(field, "names an account that is not in ledger_account_ids")
            if account_id is not None:
                after[account_id] = version
        violations.raise_if_any()
        watched = [i for i in ids if i is not None]
        async for change in self.watching.watch(current_organization(), watched, after):
            yield pb.WatchBalancesResponse(
                ledger_account_balances=pb.LedgerAccountBalances(
                    ledger_account_id=str(change.ledger_account_id),
                    lock_version=change.lock_version,
                    balances=convert.balances(change.balances),
                ),
                ledger_transaction_id=str(change.ledger_transaction_id or ""),
                ledger_account_balance_monitor_alerts=[convert.balance_monitor_alert(a) for a in change.alerts],
            )
