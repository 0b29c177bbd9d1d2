"""LedgerService's methods for ledger account categories and account statements (the class in
ledger_service.py inherits them). Convert, call one use case, convert back."""

from __future__ import annotations

from typing import Any, TypeVar

from google.protobuf.message import Message

from ledgerd.server.api import convert
from ledgerd.server.api.convert_categories import ledger_account_category, ledger_account_statement
from ledgerd.server.api.responding import respond
from ledgerd.server.core import categories as core
from ledgerd.server.core.categories import CategoriesUseCases, MembershipChange, NewCategory
from ledgerd.server.core.history import HistoryUseCases
from ledgerd.server.domain import limits
from ledgerd.server.domain.validation import Violations
from ledgerd.server.interceptors.authentication import current_organization
from ledgerd.v1 import ledger_pb2 as pb

R = TypeVar("R", bound=Message)


async def _membership_change(
    categories: CategoriesUseCases,
    method: str,
    request: Any,
    member_field: str,
    response_type: type[R],
    change: MembershipChange,
) -> R:
    """The shape all four membership RPCs share: two ids and an idempotency key in, the category out."""
    violations = Violations()
    category_id = violations.uuid("ledger_account_category_id", request.ledger_account_category_id)
    member_id = violations.uuid(member_field, getattr(request, member_field))
    convert.common_fields(violations, request)
    violations.raise_if_any()
    assert category_id is not None and member_id is not None
    organization = current_organization()
    return await respond(
        method,
        request,
        response_type,
        lambda idempotency: categories.change_membership(change, organization, category_id, member_id, idempotency),
        lambda category: response_type(ledger_account_category=ledger_account_category(category)),
    )


class CategoryMethods:
    categories: CategoriesUseCases
    history: HistoryUseCases

    async def CreateLedgerAccountCategory(
        self, request: pb.CreateLedgerAccountCategoryRequest, context: Any
    ) -> pb.CreateLedgerAccountCategoryResponse:
        violations = Violations()
        ledger_id, normal_balance, exponent = convert.balance_holder_shape(violations, request)
        if len(request.ledger_account_category_ids) > limits.category_parents_max:
            violations.add(
                "ledger_account_category_ids",
                f"has more than {limits.category_parents_max} ids (category_parents_max)",
            )
        parent_ids = [
            violations.uuid(f"ledger_account_category_ids[{i}]", value)
            for i, value in enumerate(request.ledger_account_category_ids[: limits.category_parents_max])
        ]
        violations.raise_if_any()
        assert ledger_id is not None
        new = NewCategory(
            ledger_id,
            request.name,
            request.description,
            normal_balance,
            request.currency,
            exponent,
            dict(request.metadata),
            [p for p in parent_ids if p is not None],
        )
        organization = current_organization()
        return await respond(
            "CreateLedgerAccountCategory",
            request,
            pb.CreateLedgerAccountCategoryResponse,
            lambda idempotency: self.categories.create_category(organization, new, idempotency),
            lambda category: pb.CreateLedgerAccountCategoryResponse(
                ledger_account_category=ledger_account_category(category)
            ),
        )

    async def GetLedgerAccountCategory(
        self, request: pb.GetLedgerAccountCategoryRequest, context: Any
    ) -> pb.GetLedgerAccountCategoryResponse:
        violations = Violations()
        category_id = violations.uuid("id", request.id)
        effective_at = convert.optional_datetime(violations, request, "effective_at")
        violations.raise_if_any()
        assert category_id is not None
        category = await self.categories.get_category(current_organization(), category_id, effective_at)
        return pb.GetLedgerAccountCategoryResponse(ledger_account_category=ledger_account_category(category))

    async def ListLedgerAccountCategories(
        self, request: pb.ListLedgerAccountCategoriesRequest, context: Any
    ) -> pb.ListLedgerAccountCategoriesResponse:
        violations = Violations()
        page = convert.page_request(violations, request)
        ledger_id = violations.uuid("ledger_id", request.ledger_id, required=False)
        account_id = violations.uuid("ledger_account_id", request.ledger_account_id, required=False)
        parent_id = violations.uuid(
            "parent_ledger_account_category_id", request.parent_ledger_account_category_id, required=False
        )
        if request.currency:
            violations.currency("currency", request.currency)
        violations.metadata("metadata", request.metadata)
        violations.raise_if_any()
        result = await self.categories.list_categories(
            current_organization(),
            page,
            ledger_id=ledger_id,
            ledger_account_id=account_id,
            parent_id=parent_id,
            currency=request.currency or None,
            metadata=dict(request.metadata),
        )
        return pb.ListLedgerAccountCategoriesResponse(
            ledger_account_categories=[ledger_account_category(c) for c in result.items],
            next_page_token=result.next_page_token,
        )

    async def AddLedgerAccountToCategory(
        self, request: pb.AddLedgerAccountToCategoryRequest, context: Any
    ) -> pb.AddLedgerAccountToCategoryResponse:
        return await _membership_change(
            self.categories,
            "AddLedgerAccountToCategory",
            request,
            "ledger_account_id",
            pb.AddLedgerAccountToCategoryResponse,
            core.add_account,
        )

    async def RemoveLedgerAccountFromCategory(
        self, request: pb.RemoveLedgerAccountFromCategoryRequest, context: Any
    ) -> pb.RemoveLedgerAccountFromCategoryResponse:
        return await _membership_change(
            self.categories,
            "RemoveLedgerAccountFromCategory",
            request,
            "ledger_account_id",
            pb.RemoveLedgerAccountFromCategoryResponse,
            core.remove_account,
        )

    async def AddCategoryToCategory(
        self, request: pb.AddCategoryToCategoryRequest, context: Any
    ) -> pb.AddCategoryToCategoryResponse:
        return await _membership_change(
            self.categories,
            "AddCategoryToCategory",
            request,
            "nested_ledger_account_category_id",
            pb.AddCategoryToCategoryResponse,
            core.add_category,
        )

    async def RemoveCategoryFromCategory(
        self, request: pb.RemoveCategoryFromCategoryRequest, context: Any
    ) -> pb.RemoveCategoryFromCategoryResponse:
        return await _membership_change(
            self.categories,
            "RemoveCategoryFromCategory",
            request,
            "nested_ledger_account_category_id",
            pb.RemoveCategoryFromCategoryResponse,
            core.remove_category,
        )

    async def GetLedgerAccountStatement(
        self, request: pb.GetLedgerAccountStatementRequest, context: Any
    ) -> pb.GetLedgerAccountStatementResponse:
        violations = Violations()
        account_id = violations.uuid("ledger_account_id", request.ledger_account_id)
        bounds = convert.effective_at_range(violations, request)
        lower, upper = bounds["effective_at_lower_bound"], bounds["effective_at_upper_bound"]
        for name, value in bounds.items():
            if value is None and not request.HasField(name):
                violations.add(name, "is required")
        if lower is not None and upper is not None and upper <= lower:
            violations.add("effective_at_upper_bound", "must be after effective_at_lower_bound")
        violations.raise_if_any()
        assert account_id is not None and lower is not None and upper is not None
        statement = await self.history.get_statement(current_organization(), account_id, lower, upper)
        return pb.GetLedgerAccountStatementResponse(ledger_account_statement=ledger_account_statement(statement))
