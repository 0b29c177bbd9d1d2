"""BalanceService: the balances of many accounts at once, or of a category; current or past; read
without locks."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from ledgerd.server import metrics
from ledgerd.server.api import convert
from ledgerd.server.api.convert_categories import as_of, ledger_account_category_balances
from ledgerd.server.core.balances import BalancesUseCases
from ledgerd.server.core.watching import WatchingUseCases
from ledgerd.server.domain import limits
from ledgerd.server.domain.history import AsOf
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
        balances_as_of = as_of(violations, request)
        if request.ledger_account_category_id:
            return await self._category_balances(request, violations, balances_as_of)
        if balances_as_of.lock_version is not None and len(request.ledger_account_ids) != 1:
            violations.add("as_of_lock_version", "is asked of exactly one ledger_account_ids")
        ids = _account_ids(
            violations,
            request.ledger_account_ids,
            limits.balance_accounts_max,
            "balance_accounts_max",
            " (or ledger_account_category_id)",
        )
        violations.raise_if_any()
        accounts = await self.balances.get_balances(current_organization(), ids, balances_as_of)
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
        ids = _account_ids(violations, request.ledger_account_ids, limits.watched_accounts_max, "watched_accounts_max")
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
        with metrics.watching("balances"):
            async for change in self.watching.watch(current_organization(), ids, after):
                yield pb.WatchBalancesResponse(
                    ledger_account_balances=pb.LedgerAccountBalances(
                        ledger_account_id=str(change.ledger_account_id),
                        lock_version=change.lock_version,
                        balances=convert.balances(change.balances),
                    ),
                    ledger_transaction_id=str(change.ledger_transaction_id or ""),
                    ledger_account_balance_monitor_alerts=[convert.balance_monitor_alert(a) for a in change.alerts],
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


def _account_ids(
    violations: Violations, values: Sequence[str], count_max: int, limit_name: str, alternative: str = ""
) -> list[uuid.UUID]:
    """1 ..= count_max account UUIDs, in order; every malformed one is a violation."""
    if not values:
        violations.add("ledger_account_ids", f"is required{alternative}")
    if len(values) > count_max:
        violations.add("ledger_account_ids", f"has more than {count_max} ids ({limit_name})")
    ids = [violations.uuid(f"ledger_account_ids[{i}]", value) for i, value in enumerate(values[:count_max])]
    return [i for i in ids if i is not None]
