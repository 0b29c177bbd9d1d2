"""LedgerService: ledgers and ledger accounts (categories and statements: category_methods.py).
Convert, call one use case, convert back."""

from __future__ import annotations

from typing import Any

from ledgerd.server.api import convert
from ledgerd.server.api.category_methods import CategoryMethods
from ledgerd.server.api.convert_categories import as_of
from ledgerd.server.api.responding import respond
from ledgerd.server.core.categories import CategoriesUseCases
from ledgerd.server.core.history import HistoryUseCases
from ledgerd.server.core.ledgers import LedgersUseCases
from ledgerd.server.domain.validation import Violations
from ledgerd.server.interceptors.authentication import current_organization
from ledgerd.v1 import ledger_pb2 as pb
from ledgerd.v1 import ledger_pb2_grpc


class LedgerService(CategoryMethods, ledger_pb2_grpc.LedgerServiceServicer):
    def __init__(self, ledgers: LedgersUseCases, categories: CategoriesUseCases, history: HistoryUseCases) -> None:
        self.ledgers = ledgers
        self.categories = categories
        self.history = history

    async def CreateLedger(self, request: pb.CreateLedgerRequest, context: Any) -> pb.CreateLedgerResponse:
        violations = Violations()
        convert.common_fields(violations, request, name_required=True)
        violations.raise_if_any()
        organization = current_organization()
        return await respond(
            "CreateLedger",
            request,
            pb.CreateLedgerResponse,
            lambda idempotency: self.ledgers.create_ledger(
                organization, request.name, request.description, request.metadata, idempotency
            ),
            lambda ledger: pb.CreateLedgerResponse(ledger=convert.ledger(ledger)),
        )

    async def GetLedger(self, request: pb.GetLedgerRequest, context: Any) -> pb.GetLedgerResponse:
        ledger = await self.ledgers.get_ledger(current_organization(), convert.required_id(request.id))
        return pb.GetLedgerResponse(ledger=convert.ledger(ledger))

    async def ListLedgers(self, request: pb.ListLedgersRequest, context: Any) -> pb.ListLedgersResponse:
        violations = Violations()
        page = convert.page_request(violations, request)
        violations.metadata("metadata", request.metadata)
        violations.raise_if_any()
        result = await self.ledgers.list_ledgers(current_organization(), page, dict(request.metadata))
        return pb.ListLedgersResponse(
            ledgers=[convert.ledger(x) for x in result.items], next_page_token=result.next_page_token
        )

    async def UpdateLedger(self, request: pb.UpdateLedgerRequest, context: Any) -> pb.UpdateLedgerResponse:
        violations = Violations()
        ledger_id = violations.uuid("id", request.id)
        convert.common_fields(violations, request, name_required=request.HasField("name"))
        violations.raise_if_any()
        assert ledger_id is not None
        organization = current_organization()

        def run(idempotency: Any) -> Any:
            return self.ledgers.update_ledger(
                organization,
                ledger_id,
                request.name if request.HasField("name") else None,
                request.description if request.HasField("description") else None,
                request.metadata,
                idempotency,
            )

        return await respond(
            "UpdateLedger",
            request,
            pb.UpdateLedgerResponse,
            run,
            lambda ledger: pb.UpdateLedgerResponse(ledger=convert.ledger(ledger)),
        )

    async def CreateLedgerAccount(
        self, request: pb.CreateLedgerAccountRequest, context: Any
    ) -> pb.CreateLedgerAccountResponse:
        violations = Violations()
        ledger_id, normal_balance, exponent = convert.balance_holder_shape(violations, request)
        violations.raise_if_any()
        assert ledger_id is not None
        organization = current_organization()

        def run(idempotency: Any) -> Any:
            return self.ledgers.create_ledger_account(
                organization,
                ledger_id,
                request.name,
                request.description,
                normal_balance,
                request.currency,
                exponent,
                request.metadata,
                idempotency,
            )

        return await respond(
            "CreateLedgerAccount",
            request,
            pb.CreateLedgerAccountResponse,
            run,
            lambda account: pb.CreateLedgerAccountResponse(ledger_account=convert.ledger_account(account)),
        )

    async def GetLedgerAccount(self, request: pb.GetLedgerAccountRequest, context: Any) -> pb.GetLedgerAccountResponse:
        violations = Violations()
        account_id = violations.uuid("id", request.id)
        balances_as_of = as_of(violations, request)
        violations.raise_if_any()
        assert account_id is not None
        (account,) = await self.history.get_ledger_accounts(current_organization(), [account_id], balances_as_of)
        return pb.GetLedgerAccountResponse(ledger_account=convert.ledger_account(account))

    async def ListLedgerAccounts(
        self, request: pb.ListLedgerAccountsRequest, context: Any
    ) -> pb.ListLedgerAccountsResponse:
        violations = Violations()
        page = convert.page_request(violations, request)
        ledger_id = violations.uuid("ledger_id", request.ledger_id, required=False)
        if request.currency:
            violations.currency("currency", request.currency)
        violations.metadata("metadata", request.metadata)
        violations.raise_if_any()
        result = await self.ledgers.list_ledger_accounts(
            current_organization(), page, ledger_id, request.currency or None, dict(request.metadata)
        )
        return pb.ListLedgerAccountsResponse(
            ledger_accounts=[convert.ledger_account(x) for x in result.items], next_page_token=result.next_page_token
        )

    async def UpdateLedgerAccount(
        self, request: pb.UpdateLedgerAccountRequest, context: Any
    ) -> pb.UpdateLedgerAccountResponse:
        violations = Violations()
        account_id = violations.uuid("id", request.id)
        convert.common_fields(violations, request, name_required=request.HasField("name"))
        violations.raise_if_any()
        assert account_id is not None
        organization = current_organization()

        def run(idempotency: Any) -> Any:
            return self.ledgers.update_ledger_account(
                organization,
                account_id,
                request.name if request.HasField("name") else None,
                request.description if request.HasField("description") else None,
                request.metadata,
                idempotency,
            )

        return await respond(
            "UpdateLedgerAccount",
            request,
            pb.UpdateLedgerAccountResponse,
            run,
            lambda account: pb.UpdateLedgerAccountResponse(ledger_account=convert.ledger_account(account)),
        )
