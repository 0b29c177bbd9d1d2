"""BalanceMonitorService: stored conditions on account balances and their alerts. Convert, call
one use case, convert back."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ledgerd.server.api import convert
from ledgerd.server.api.responding import respond
from ledgerd.server.core.monitors import CreateBalanceMonitor, MonitorsUseCases
from ledgerd.server.domain import limits
from ledgerd.server.domain.validation import Violations
from ledgerd.server.interceptors.authentication import current_organization
from ledgerd.v1 import monitor_pb2 as pb
from ledgerd.v1 import monitor_pb2_grpc


class BalanceMonitorService(monitor_pb2_grpc.BalanceMonitorServiceServicer):
    def __init__(self, monitors: MonitorsUseCases) -> None:
        self.monitors = monitors

    async def CreateLedgerAccountBalanceMonitor(
        self, request: pb.CreateLedgerAccountBalanceMonitorRequest, context: Any
    ) -> pb.CreateLedgerAccountBalanceMonitorResponse:
        violations = Violations()
        account_id = violations.uuid("ledger_account_id", request.ledger_account_id)
        condition = convert.alert_condition(violations, "alert_condition", request.alert_condition)
        violations.text("description", request.description, limits.description_length_max)
        violations.metadata("metadata", request.metadata)
        violations.text("idempotency_key", request.idempotency_key, limits.idempotency_key_length_max)
        violations.raise_if_any()
        assert account_id is not None and condition is not None
        command = CreateBalanceMonitor(account_id, condition, request.description, dict(request.metadata))
        organization = current_organization()
        return await respond(
            "CreateLedgerAccountBalanceMonitor",
            request,
            pb.CreateLedgerAccountBalanceMonitorResponse,
            lambda idempotency: self.monitors.create(organization, replace(command, idempotency=idempotency)),
            lambda m: pb.CreateLedgerAccountBalanceMonitorResponse(
                ledger_account_balance_monitor=convert.balance_monitor(m)
            ),
        )

    async def GetLedgerAccountBalanceMonitor(
        self, request: pb.GetLedgerAccountBalanceMonitorRequest, context: Any
    ) -> pb.GetLedgerAccountBalanceMonitorResponse:
        monitor = await self.monitors.get(current_organization(), convert.required_id(request.id))
        return pb.GetLedgerAccountBalanceMonitorResponse(
            ledger_account_balance_monitor=convert.balance_monitor(monitor)
        )

    async def ListLedgerAccountBalanceMonitors(
        self, request: pb.ListLedgerAccountBalanceMonitorsRequest, context: Any
    ) -> pb.ListLedgerAccountBalanceMonitorsResponse:
        violations = Violations()
        page = convert.page_request(violations, request)
        account_id = violations.uuid("ledger_account_id", request.ledger_account_id, required=False)
        violations.metadata("metadata", request.metadata)
        violations.raise_if_any()
        result = await self.monitors.list(
            current_organization(), page, ledger_account_id=account_id, metadata=dict(request.metadata)
        )
        return pb.ListLedgerAccountBalanceMonitorsResponse(
            ledger_account_balance_monitors=[convert.balance_monitor(m) for m in result.items],
            next_page_token=result.next_page_token,
        )

    async def ListLedgerAccountBalanceMonitorAlerts(
        self, request: pb.ListLedgerAccountBalanceMonitorAlertsRequest, context: Any
    ) -> pb.ListLedgerAccountBalanceMonitorAlertsResponse:
        violations = Violations()
        page = convert.page_request(violations, request)
        monitor_id = violations.uuid("ledger_account_balance_monitor_id", request.ledger_account_balance_monitor_id)
        violations.raise_if_any()
        assert monitor_id is not None
        result = await self.monitors.list_alerts(current_organization(), monitor_id, page)
        return pb.ListLedgerAccountBalanceMonitorAlertsResponse(
            ledger_account_balance_monitor_alerts=[convert.balance_monitor_alert(a) for a in result.items],
            next_page_token=result.next_page_token,
        )
