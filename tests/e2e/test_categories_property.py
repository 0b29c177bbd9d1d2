"""Random membership changes through the real server against a model that knows only the direct
memberships: a change is accepted exactly when the resulting graph has no cycle, no category
reaching anything by two paths, and no path longer than category_nesting_depth_max; and afterwards
the categories that reach each account (the closure the server reads balances from) equal the
model's recomputation. `ledgerd verify` agrees at the end."""

from __future__ import annotations

import asyncio
from collections import Counter

import asyncpg
import grpc
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ledgerd.server.core.verify import verify
from ledgerd.server.domain import limits
from ledgerd.v1 import ledger_pb2, ledger_pb2_grpc

CATEGORIES = 7
ACCOUNTS = 4
METHODS = {
    "add_account": "AddLedgerAccountToCategory",
    "remove_account": "RemoveLedgerAccountFromCategory",
    "add_category": "AddCategoryToCategory",
    "remove_category": "RemoveCategoryFromCategory",
}

operations = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(["add_account", "remove_account", "add_category", "remove_category"]),
            st.integers(0, CATEGORIES - 1),
            st.integers(0, CATEGORIES - 1),
        ),
        # Links of one long chain, so that paths reach past the depth limit.
        st.integers(0, CATEGORIES - 2).map(lambda i: ("add_category", i, i + 1)),
    ),
    max_size=30,
)


class Model:
    """Direct memberships only; everything else is recomputed by walking every path."""

    def __init__(self) -> None:
        self.accounts: set[tuple[int, int]] = set()  # (category, account)
        self.children: set[tuple[int, int]] = set()  # (parent, child)

    def walk(self, start: int) -> tuple[Counter[int], Counter[int], int, bool]:
        """(categories reached with their path counts, accounts reached with theirs, longest path, cycle)."""
        categories: Counter[int] = Counter()
        accounts: Counter[int] = Counter()
        longest, cycle = 0, False

        def visit(node: int, depth: int, trail: tuple[int, ...]) -> None:
            nonlocal longest, cycle
            if node in trail:
                cycle = True
                return
            categories[node] += 1
            longest = max(longest, depth)
            accounts.update(a for c, a in self.accounts if c == node)
            for parent, child in self.children:
                if parent == node:
                    visit(child, depth + 1, (*trail, node))

        visit(start, 0, ())
        return categories, accounts, longest, cycle

    def refusal(self) -> str | None:
        """Why the graph as it is now breaks the rules, if it does (cycle first, then double, then depth)."""
        walks = [self.walk(c) for c in range(CATEGORIES)]
        if any(cycle for _, _, _, cycle in walks):
            return "ERROR_REASON_CATEGORY_CYCLE"
        if any(max(cs.values()) > 1 or (acs and max(acs.values()) > 1) for cs, acs, _, _ in walks):
            return "ERROR_REASON_CATEGORY_MEMBER_COUNTED_TWICE"
        if any(longest > limits.category_nesting_depth_max for _, _, longest, _ in walks):
            return "ERROR_REASON_CATEGORY_DEPTH_EXCEEDED"
        return None

    def reaching(self, account: int) -> set[int]:
        return {c for c in range(CATEGORIES) if self.walk(c)[1][account]}


def reason_of(error: grpc.RpcError) -> str:
    from google.rpc import error_details_pb2, status_pb2

    for key, value in error.trailing_metadata() or ():  # type: ignore[attr-defined]
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info.reason
    return ""


def run_sequence(target: str, api_key: str, steps: list[tuple[str, int, int]]) -> None:
    metadata = (("authorization", f"Bearer {api_key}"),)
    with grpc.insecure_channel(target) as channel:
        ledgers = ledger_pb2_grpc.LedgerServiceStub(channel)
        ledger = ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="Graph"), metadata=metadata).ledger

        def created(kind: str, count: int) -> list[str]:
            """`count` new ledger accounts or categories (kind "LedgerAccount" or "LedgerAccountCategory")."""
            request = getattr(ledger_pb2, f"Create{kind}Request")
            call = getattr(ledgers, f"Create{kind}")
            responses = [
                call(
                    request(ledger_id=ledger.id, name=f"{kind} {i}", normal_balance=1, currency="USD"),
                    metadata=metadata,
                )
                for i in range(count)
            ]
            return [
                getattr(r, "ledger_account_category" if kind.endswith("Category") else "ledger_account").id
                for r in responses
            ]

        categories = created("LedgerAccountCategory", CATEGORIES)
        accounts = created("LedgerAccount", ACCOUNTS)
        model = Model()
        for kind, first, second in steps:
            parent = categories[first]
            if kind.endswith("account"):
                edge, edges = (first, second % ACCOUNTS), model.accounts
                ids = {"ledger_account_category_id": parent, "ledger_account_id": accounts[second % ACCOUNTS]}
            else:
                edge, edges = (first, second), model.children
                ids = {"ledger_account_category_id": parent, "nested_ledger_account_category_id": categories[second]}
            method = METHODS[kind]
            request = getattr(ledger_pb2, f"{method}Request")(**ids)
            before = set(edges)
            if kind.startswith("add"):
                edges.add(edge)
            else:
                edges.discard(edge)
            expected = model.refusal()
            try:
                getattr(ledgers, method)(request, metadata=metadata)
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.FAILED_PRECONDITION, error  # type: ignore[attr-defined]
                assert reason_of(error) == expected, (kind, first, second, error)
                edges.clear()
                edges.update(before)
            else:
                assert expected is None, (kind, first, second, expected)
        for index, account in enumerate(accounts):
            listed = ledgers.ListLedgerAccountCategories(
                ledger_pb2.ListLedgerAccountCategoriesRequest(ledger_account_id=account, page_size=100),
                metadata=metadata,
            ).ledger_account_categories
            assert {categories.index(c.id) for c in listed} == model.reaching(index)
        for index, category in enumerate(categories):
            read = ledgers.GetLedgerAccountCategory(
                ledger_pb2.GetLedgerAccountCategoryRequest(id=category), metadata=metadata
            ).ledger_account_category
            assert read.ledger_account_count == len(model.walk(index)[1])


async def test_random_membership_changes_keep_the_closure_equal_to_a_recomputation(
    target: str, api_key: str, pool: asyncpg.Pool
) -> None:
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps=operations)
    # Always tried too: a chain past the depth limit, a diamond, a cycle, a doubly reached account.
    @example(steps=[("add_category", i, i + 1) for i in range(CATEGORIES - 1)])
    @example(steps=[("add_category", 0, 1), ("add_category", 0, 2), ("add_category", 1, 3), ("add_category", 2, 3)])
    @example(steps=[("add_category", 0, 1), ("add_category", 1, 2), ("add_category", 2, 0)])
    @example(steps=[("add_account", 1, 0), ("add_category", 0, 1), ("add_account", 0, 0), ("remove_category", 0, 1)])
    def property_closure(steps: list[tuple[str, int, int]]) -> None:
        run_sequence(target, api_key, steps)

    await asyncio.to_thread(property_closure)
    assert {check: rows for check, rows in (await verify(pool)).items() if rows} == {}
