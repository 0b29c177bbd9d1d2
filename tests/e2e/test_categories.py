"""Ledger account categories through the gRPC API: balances summed over every account a category
reaches, each once; nesting; the refusals of the graph (diamonds, cycles, depth, ledger, currency),
tenancy, idempotency, lists; and `ledgerd verify` agreeing after all of it."""

from __future__ import annotations

import asyncio
import itertools
import uuid

import asyncpg
import grpc
import pytest

from ledgerd.client import LedgerdClient
from ledgerd.server.core.api_keys import create_api_key
from ledgerd.server.core.verify import verify
from ledgerd.server.domain import limits
from ledgerd.v1 import balance_pb2, ledger_pb2, transaction_pb2

from .category_helpers import (
    add_account,
    assert_verified,
    category_balances,
    create_category,
    get_category,
    nest,
    nest_request,
    nothing_written,
)
from .ledger_helpers import (
    CREDIT,
    DEBIT,
    DEBIT_NORMAL,
    POSTED,
    create_account,
    create_ledger,
    create_transaction,
    entry,
    refused,
    transfer,
)

PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND
UNKNOWN_ID = "0190c6a0-0000-7000-8000-000000000000"


def views(balances: object) -> tuple[tuple[int, int, int], ...]:
    """(credits, debits, amount) of the pending, posted and available views."""
    return tuple(
        (view.credits, view.debits, view.amount)
        for view in (
            balances.pending_balance,  # type: ignore[attr-defined]
            balances.posted_balance,  # type: ignore[attr-defined]
            balances.available_balance,  # type: ignore[attr-defined]
        )
    )


async def test_a_category_of_1000_accounts_reads_exact_sums_in_one_call(client: LedgerdClient) -> None:
    ledger = await create_ledger(client)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    gate = asyncio.Semaphore(20)

    async def wallet(index: int) -> str:
        async with gate:
            return (await create_account(client, ledger.id, f"Wallet {index}")).id

    wallets = await asyncio.gather(*(wallet(i) for i in range(1000)))
    # Wallet i gets i + 1 posted, and wallets 0..499 also 1 pending (incoming) and 2 pending (outgoing).
    for start in range(0, 1000, 500):
        chunk = wallets[start : start + 500]
        posted = [entry(w, CREDIT, start + i + 1) for i, w in enumerate(chunk)]
        total = sum(e.amount for e in posted)
        await create_transaction(
            client,
            transaction_pb2.CreateLedgerTransactionRequest(
                ledger_entries=[entry(cash.id, DEBIT, total), *posted], status=POSTED
            ),
        )
    incoming = [entry(w, CREDIT, 1) for w in wallets[:500]]
    await create_transaction(
        client, transaction_pb2.CreateLedgerTransactionRequest(ledger_entries=[entry(cash.id, DEBIT, 500), *incoming])
    )
    outgoing = [entry(w, DEBIT, 2) for w in wallets[:500]]
    await create_transaction(
        client, transaction_pb2.CreateLedgerTransactionRequest(ledger_entries=[entry(cash.id, CREDIT, 1000), *outgoing])
    )
    category = await create_category(client, ledger.id, "All wallets")

    async def member(account_id: str) -> None:
        async with gate:
            await add_account(client, category.id, account_id)

    await asyncio.gather(*(member(w) for w in wallets))

    balances = await category_balances(client, category.id)
    posted = sum(range(1, 1001))
    assert balances.ledger_account_category_id == category.id
    assert balances.ledger_account_count == 1000
    assert views(balances.balances) == (
        (posted + 500, 1000, posted + 500 - 1000),  # pending: posted and pending
        (posted, 0, posted),  # posted only
        (posted, 1000, posted - 1000),  # available: outgoing pending gone, incoming not yet here
    )
    read = await get_category(client, category.id)
    assert read.ledger_account_count == 1000 and read.balances == balances.balances
    assert read.balances.posted_balance.currency == "USD" and read.balances.posted_balance.currency_exponent == 2


async def test_nested_categories_count_each_account_once_with_their_own_normal_balance(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    ledger = await create_ledger(client)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    w1, w2, w3 = [(await create_account(client, ledger.id, f"W{i}")).id for i in (1, 2, 3)]
    for amount, wallet in ((100, w1), (20, w2), (3, w3)):
        await create_transaction(client, transfer(cash.id, wallet, amount, status=POSTED))
    a = await create_category(client, ledger.id, "A")
    b = await create_category(client, ledger.id, "B")
    root = await create_category(client, ledger.id, "Root", normal_balance=DEBIT_NORMAL)
    await add_account(client, a.id, w1)
    await add_account(client, a.id, w2)
    await add_account(client, b.id, w3)
    await nest(client, root.id, a.id)
    answered = await nest(client, root.id, b.id)
    # Root is debit-normal: its amounts are debits - credits. The change answers the count only.
    assert answered.ledger_account_count == 3 and not answered.HasField("balances")
    assert views((await get_category(client, root.id)).balances)[1] == (123, 0, -123)
    assert (await get_category(client, a.id)).balances.posted_balance.amount == 120
    # A wallet in two sibling categories is fine: no category reaches it twice.
    sibling = await create_category(client, ledger.id, "Sibling")
    await add_account(client, sibling.id, w1)
    assert (await get_category(client, sibling.id)).balances.posted_balance.amount == 100
    # Money moving afterwards shows at once, without any write to the categories.
    await create_transaction(client, transfer(cash.id, w3, 7, status=POSTED))
    assert (await category_balances(client, root.id)).balances.posted_balance.amount == -130
    # Taking B out of root and w2 out of A.
    await client.ledgers.RemoveCategoryFromCategory(
        ledger_pb2.RemoveCategoryFromCategoryRequest(
            ledger_account_category_id=root.id, nested_ledger_account_category_id=b.id
        )
    )
    removed = await client.ledgers.RemoveLedgerAccountFromCategory(
        ledger_pb2.RemoveLedgerAccountFromCategoryRequest(ledger_account_category_id=a.id, ledger_account_id=w2)
    )
    assert removed.ledger_account_category.ledger_account_count == 1
    assert (await category_balances(client, root.id)).balances.posted_balance.amount == -100
    await assert_verified(pool)


async def test_a_diamond_is_refused_and_writes_nothing(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    ledger = await create_ledger(client)
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    root, left, right, shared = [(await create_category(client, ledger.id, n)).id for n in ("R", "L", "Rt", "S")]
    await nest(client, root, left)
    await nest(client, root, right)
    await nest(client, left, shared)
    await add_account(client, shared, wallet)
    before = await get_category(client, root)
    async with nothing_written(pool):
        details = await refused(
            client.ledgers.AddCategoryToCategory(nest_request(right, shared)),
            PRECONDITION,
            "CATEGORY_MEMBER_COUNTED_TWICE",
        )
    assert details.metadata["via"] == root and details.metadata["reached_twice_id"] == shared
    assert await get_category(client, root) == before
    # Also when the shared category is still empty: the second path would count whatever joins it.
    empty = (await create_category(client, ledger.id, "Empty")).id
    await nest(client, left, empty)
    async with nothing_written(pool):
        await refused(
            client.ledgers.AddCategoryToCategory(nest_request(right, empty)),
            PRECONDITION,
            "CATEGORY_MEMBER_COUNTED_TWICE",
        )
    # And directly: root already reaches `shared` through left.
    async with nothing_written(pool):
        await refused(
            client.ledgers.AddCategoryToCategory(nest_request(root, shared)),
            PRECONDITION,
            "CATEGORY_MEMBER_COUNTED_TWICE",
        )
    await assert_verified(pool)


async def test_an_account_already_reachable_through_another_path_is_refused(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    ledger = await create_ledger(client)
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    root, child, other = [(await create_category(client, ledger.id, n)).id for n in ("Root", "Child", "Other")]
    await nest(client, root, child)
    await add_account(client, child, wallet)
    request = ledger_pb2.AddLedgerAccountToCategoryRequest(ledger_account_category_id=root, ledger_account_id=wallet)
    async with nothing_written(pool):
        details = await refused(
            client.ledgers.AddLedgerAccountToCategory(request), PRECONDITION, "CATEGORY_MEMBER_COUNTED_TWICE"
        )
    assert details.metadata == {"ledger_account_category_id": root, "reached_twice_id": wallet, "via": root}
    # The other way round: a category bringing an account its new parent reaches already.
    await add_account(client, other, wallet)
    async with nothing_written(pool):
        details = await refused(
            client.ledgers.AddCategoryToCategory(nest_request(root, other)),
            PRECONDITION,
            "CATEGORY_MEMBER_COUNTED_TWICE",
        )
    assert details.metadata["reached_twice_id"] == wallet
    assert (await get_category(client, root)).ledger_account_count == 1


async def test_a_cycle_is_refused_and_writes_nothing(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    ledger = await create_ledger(client)
    a, b, c = [(await create_category(client, ledger.id, n)).id for n in ("A", "B", "C")]
    await nest(client, a, b)
    await nest(client, b, c)
    async with nothing_written(pool):
        await refused(client.ledgers.AddCategoryToCategory(nest_request(c, a)), PRECONDITION, "CATEGORY_CYCLE")
        await refused(client.ledgers.AddCategoryToCategory(nest_request(b, a)), PRECONDITION, "CATEGORY_CYCLE")
        await refused(client.ledgers.AddCategoryToCategory(nest_request(a, a)), PRECONDITION, "CATEGORY_CYCLE")
    await assert_verified(pool)


async def test_nesting_deeper_than_the_limit_is_refused(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    ledger = await create_ledger(client)
    depth = limits.category_nesting_depth_max
    chain = [(await create_category(client, ledger.id, f"Level {i}")).id for i in range(depth + 1)]
    for parent, child in itertools.pairwise(chain):
        await nest(client, parent, child)  # levels 0 ..= 4: allowed
    deeper = (await create_category(client, ledger.id, "Too deep")).id
    above = (await create_category(client, ledger.id, "Above")).id
    async with nothing_written(pool):
        await refused(
            client.ledgers.AddCategoryToCategory(nest_request(chain[-1], deeper)),
            PRECONDITION,
            "CATEGORY_DEPTH_EXCEEDED",
        )
        # Above the root too; and below, joining two shorter chains whose sum is too deep.
        await refused(
            client.ledgers.AddCategoryToCategory(nest_request(above, chain[0])), PRECONDITION, "CATEGORY_DEPTH_EXCEEDED"
        )
    other = [(await create_category(client, ledger.id, f"Other {i}")).id for i in range(3)]
    await nest(client, other[0], other[1])
    await nest(client, other[1], other[2])
    await refused(
        client.ledgers.AddCategoryToCategory(nest_request(other[2], chain[2])), PRECONDITION, "CATEGORY_DEPTH_EXCEEDED"
    )
    await nest(client, other[2], chain[3])  # 2 + 1 + 1 = 4: allowed
    await assert_verified(pool)


async def test_members_of_another_currency_or_ledger_are_refused(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    ledger = await create_ledger(client)
    elsewhere = await create_ledger(client, "Elsewhere")
    category = (await create_category(client, ledger.id, "USD")).id
    euros = (await create_account(client, ledger.id, "Euros", currency="EUR")).id
    points = (await create_account(client, ledger.id, "Points", currency="USD", currency_exponent=0)).id
    foreign_ledger = (await create_account(client, elsewhere.id, "Wallet")).id
    euro_category = (await create_category(client, ledger.id, "EUR", currency="EUR")).id
    other_ledger_category = (await create_category(client, elsewhere.id, "Elsewhere")).id
    cases = [
        (ledger_pb2.AddLedgerAccountToCategoryRequest, "ledger_account_id", euros, "CURRENCY_MISMATCH"),
        (ledger_pb2.AddLedgerAccountToCategoryRequest, "ledger_account_id", points, "CURRENCY_MISMATCH"),
        (ledger_pb2.AddLedgerAccountToCategoryRequest, "ledger_account_id", foreign_ledger, "LEDGER_MISMATCH"),
        (
            ledger_pb2.AddCategoryToCategoryRequest,
            "nested_ledger_account_category_id",
            euro_category,
            "CURRENCY_MISMATCH",
        ),
        (
            ledger_pb2.AddCategoryToCategoryRequest,
            "nested_ledger_account_category_id",
            other_ledger_category,
            "LEDGER_MISMATCH",
        ),
    ]
    async with nothing_written(pool):
        for message, field, member, reason in cases:
            request = message(ledger_account_category_id=category, **{field: member})
            call = getattr(client.ledgers, message.DESCRIPTOR.name.removesuffix("Request"))
            await refused(call(request), PRECONDITION, reason)
        # Creating a category under a parent of another currency creates nothing at all.
        await refused(
            client.ledgers.CreateLedgerAccountCategory(
                ledger_pb2.CreateLedgerAccountCategoryRequest(
                    ledger_id=ledger.id,
                    name="Child",
                    normal_balance=1,
                    currency="EUR",
                    ledger_account_category_ids=[category],
                )
            ),
            PRECONDITION,
            "CURRENCY_MISMATCH",
        )
    assert (await get_category(client, category)).ledger_account_count == 0


async def test_another_organizations_category_or_account_is_not_found(
    client: LedgerdClient, pool: asyncpg.Pool, target: str
) -> None:
    ledger = await create_ledger(client)
    mine = (await create_category(client, ledger.id, "Mine")).id
    my_wallet = (await create_account(client, ledger.id, "Wallet")).id
    _, key = await create_api_key(pool, f"stranger-{uuid.uuid4()}")
    async with LedgerdClient(target, key) as stranger:
        their_ledger = await create_ledger(stranger, "Theirs")
        theirs = (await create_category(stranger, their_ledger.id, "Theirs")).id
        their_wallet = (await create_account(stranger, their_ledger.id, "Wallet")).id
        async with nothing_written(pool):
            for category_id in (theirs, UNKNOWN_ID):
                await refused(get_category(client, category_id), NOT_FOUND, "LEDGER_ACCOUNT_CATEGORY_NOT_FOUND")
                await refused(category_balances(client, category_id), NOT_FOUND, "LEDGER_ACCOUNT_CATEGORY_NOT_FOUND")
                await refused(
                    add_account(client, category_id, my_wallet), NOT_FOUND, "LEDGER_ACCOUNT_CATEGORY_NOT_FOUND"
                )
                await refused(nest(client, mine, category_id), NOT_FOUND, "LEDGER_ACCOUNT_CATEGORY_NOT_FOUND")
                await refused(nest(client, category_id, mine), NOT_FOUND, "LEDGER_ACCOUNT_CATEGORY_NOT_FOUND")
                await refused(
                    create_category(client, ledger.id, ledger_account_category_ids=[category_id]),
                    NOT_FOUND,
                    "LEDGER_ACCOUNT_CATEGORY_NOT_FOUND",
                )
            for account_id in (their_wallet, UNKNOWN_ID):
                await refused(add_account(client, mine, account_id), NOT_FOUND, "LEDGER_ACCOUNT_NOT_FOUND")
                await refused(
                    client.ledgers.RemoveLedgerAccountFromCategory(
                        ledger_pb2.RemoveLedgerAccountFromCategoryRequest(
                            ledger_account_category_id=mine, ledger_account_id=account_id
                        )
                    ),
                    NOT_FOUND,
                    "LEDGER_ACCOUNT_NOT_FOUND",
                )
            await refused(create_category(client, their_ledger.id), NOT_FOUND, "LEDGER_NOT_FOUND")
        listed = await client.ledgers.ListLedgerAccountCategories(ledger_pb2.ListLedgerAccountCategoriesRequest())
        assert [c.id for c in listed.ledger_account_categories] == [mine]


async def test_membership_changes_are_idempotent(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    ledger = await create_ledger(client)
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    parent, child = [(await create_category(client, ledger.id, n)).id for n in ("Parent", "Child")]
    first = await add_account(client, child, wallet)
    nested = await nest(client, parent, child)
    async with nothing_written(pool):
        # Again, without a key: nothing changes and the category is answered as it is.
        assert await add_account(client, child, wallet) == first
        assert await nest(client, parent, child) == nested
        # Removing what is not a direct member changes nothing either.
        other = await client.ledgers.RemoveLedgerAccountFromCategory(
            ledger_pb2.RemoveLedgerAccountFromCategoryRequest(
                ledger_account_category_id=parent, ledger_account_id=wallet
            )
        )
        assert other.ledger_account_category == nested
    # With a key: a replay returns the first response byte for byte; another body is refused.
    request = ledger_pb2.RemoveLedgerAccountFromCategoryRequest(
        ledger_account_category_id=child, ledger_account_id=wallet, idempotency_key="remove-1"
    )
    removed = await client.ledgers.RemoveLedgerAccountFromCategory(request)
    assert removed.ledger_account_category.ledger_account_count == 0
    await add_account(client, child, wallet)
    assert await client.ledgers.RemoveLedgerAccountFromCategory(request) == removed
    assert (await get_category(client, child)).ledger_account_count == 1  # the replay removed nothing
    async with nothing_written(pool):
        await refused(
            client.ledgers.AddCategoryToCategory(nest_request(parent, child, idempotency_key="remove-1")),
            grpc.StatusCode.ALREADY_EXISTS,
            "IDEMPOTENCY_KEY_REUSED",
        )
    create = ledger_pb2.CreateLedgerAccountCategoryRequest(
        ledger_id=ledger.id,
        name="Once",
        normal_balance=1,
        currency="USD",
        idempotency_key="create-1",
        ledger_account_category_ids=[parent],
    )
    created = await client.ledgers.CreateLedgerAccountCategory(create)
    assert await client.ledgers.CreateLedgerAccountCategory(create) == created
    assert (await get_category(client, parent)).ledger_account_count == 1
    await assert_verified(pool)


async def test_lists_filter_by_ledger_reached_account_parent_currency_and_metadata(client: LedgerdClient) -> None:
    ledger = await create_ledger(client)
    elsewhere = await create_ledger(client, "Elsewhere")
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    root = (await create_category(client, ledger.id, "Root", metadata={"kind": "root"})).id
    child = (await create_category(client, ledger.id, "Child", ledger_account_category_ids=[root])).id
    grandchild = (await create_category(client, ledger.id, "Grandchild", ledger_account_category_ids=[child])).id
    euros = (await create_category(client, ledger.id, "Euros", currency="EUR")).id
    other = (await create_category(client, elsewhere.id, "Other")).id
    await add_account(client, grandchild, wallet)

    async def ids(**filters: object) -> list[str]:
        request = ledger_pb2.ListLedgerAccountCategoriesRequest(**filters)  # type: ignore[arg-type]
        return [c.id for c in (await client.ledgers.ListLedgerAccountCategories(request)).ledger_account_categories]

    assert await ids() == [root, child, grandchild, euros, other]
    assert await ids(ledger_id=elsewhere.id) == [other]
    assert await ids(ledger_account_id=wallet) == [root, child, grandchild]
    assert await ids(parent_ledger_account_category_id=root) == [child]
    assert await ids(currency="EUR") == [euros]
    assert await ids(metadata={"kind": "root"}) == [root]
    # A parent that is not the caller's is NOT_FOUND, as a read of it is (AIP-132), not an empty page.
    await refused(ids(ledger_account_id=UNKNOWN_ID), grpc.StatusCode.NOT_FOUND, "LEDGER_ACCOUNT_NOT_FOUND")
    await refused(ids(ledger_id=UNKNOWN_ID), grpc.StatusCode.NOT_FOUND, "LEDGER_NOT_FOUND")
    first = await client.ledgers.ListLedgerAccountCategories(ledger_pb2.ListLedgerAccountCategoriesRequest(page_size=2))
    assert [c.id for c in first.ledger_account_categories] == [root, child] and first.next_page_token
    assert first.ledger_account_categories[0].ledger_account_count == 1
    rest = await client.ledgers.ListLedgerAccountCategories(
        ledger_pb2.ListLedgerAccountCategoriesRequest(page_size=2, page_token=first.next_page_token)
    )
    assert [c.id for c in rest.ledger_account_categories] == [grandchild, euros]


@pytest.mark.parametrize(
    ("call", "fields"),
    [
        (
            lambda c: c.ledgers.CreateLedgerAccountCategory(
                ledger_pb2.CreateLedgerAccountCategoryRequest(ledger_id="nope", currency="usd", name=" ")
            ),
            {"ledger_id", "name", "normal_balance", "currency"},
        ),
        (
            lambda c: c.ledgers.CreateLedgerAccountCategory(
                ledger_pb2.CreateLedgerAccountCategoryRequest(
                    ledger_id=UNKNOWN_ID,
                    name="X",
                    normal_balance=1,
                    currency="POINTS",
                    ledger_account_category_ids=["bad"],
                    metadata={"": "x"},
                )
            ),
            {"currency_exponent", "ledger_account_category_ids[0]", "metadata[]"},
        ),
        (
            lambda c: c.ledgers.CreateLedgerAccountCategory(
                ledger_pb2.CreateLedgerAccountCategoryRequest(
                    ledger_id=UNKNOWN_ID,
                    name="X",
                    normal_balance=1,
                    currency="USD",
                    ledger_account_category_ids=[UNKNOWN_ID] * (limits.category_parents_max + 1),
                )
            ),
            {"ledger_account_category_ids"},
        ),
        (
            lambda c: c.ledgers.GetLedgerAccountCategory(
                ledger_pb2.GetLedgerAccountCategoryRequest(id="", effective_at={"seconds": 10**12})
            ),
            {"id", "effective_at"},
        ),
        (
            lambda c: c.ledgers.ListLedgerAccountCategories(
                ledger_pb2.ListLedgerAccountCategoriesRequest(
                    page_size=-1,
                    page_token="?",
                    ledger_id="x",
                    ledger_account_id="y",
                    parent_ledger_account_category_id="z",
                    currency="usd",
                )
            ),
            {
                "page_size",
                "page_token",
                "ledger_id",
                "ledger_account_id",
                "parent_ledger_account_category_id",
                "currency",
            },
        ),
        (
            lambda c: c.ledgers.AddLedgerAccountToCategory(
                ledger_pb2.AddLedgerAccountToCategoryRequest(ledger_account_id="x", idempotency_key="k" * 256)
            ),
            {"ledger_account_category_id", "ledger_account_id", "idempotency_key"},
        ),
        (
            lambda c: c.ledgers.RemoveLedgerAccountFromCategory(
                ledger_pb2.RemoveLedgerAccountFromCategoryRequest(ledger_account_category_id="x")
            ),
            {"ledger_account_category_id", "ledger_account_id"},
        ),
        (
            lambda c: c.ledgers.AddCategoryToCategory(ledger_pb2.AddCategoryToCategoryRequest()),
            {"ledger_account_category_id", "nested_ledger_account_category_id"},
        ),
        (
            lambda c: c.ledgers.RemoveCategoryFromCategory(
                ledger_pb2.RemoveCategoryFromCategoryRequest(nested_ledger_account_category_id="x")
            ),
            {"ledger_account_category_id", "nested_ledger_account_category_id"},
        ),
        (
            lambda c: c.balances.GetBalances(
                balance_pb2.GetBalancesRequest(ledger_account_category_id="x", ledger_account_ids=[UNKNOWN_ID])
            ),
            {"ledger_account_category_id", "ledger_account_ids"},
        ),
    ],
    ids=[
        "create",
        "create-custom-currency",
        "create-too-many-parents",
        "get",
        "list",
        "add-account",
        "remove-account",
        "add-category",
        "remove-category",
        "balances",
    ],
)
async def test_malformed_category_requests_name_every_bad_field_and_write_nothing(
    client: LedgerdClient, pool: asyncpg.Pool, call: object, fields: set[str]
) -> None:
    async with nothing_written(pool):
        details = await refused(call(client), INVALID, "INVALID_ARGUMENT")  # type: ignore[operator]
    assert {field for field, _ in details.field_violations} == fields


async def test_concurrent_nestings_that_would_make_a_diamond_together_admit_exactly_one(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    ledger = await create_ledger(client)
    for attempt in range(10):
        root, left, right, shared = [
            (await create_category(client, ledger.id, f"{name} {attempt}")).id for name in ("R", "L", "Rt", "S")
        ]
        await nest(client, root, left)
        await nest(client, root, right)
        outcomes = await asyncio.gather(nest(client, left, shared), nest(client, right, shared), return_exceptions=True)
        refusals = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
        assert len(refusals) == 1 and refusals[0].code() == PRECONDITION, outcomes
    await assert_verified(pool)


async def test_verify_finds_a_closure_that_drifted_from_the_memberships(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    ledger = await create_ledger(client)
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    parent, child, other = [(await create_category(client, ledger.id, n)).id for n in ("Parent", "Child", "Other")]
    await nest(client, parent, child)
    await nest(client, parent, other)
    await add_account(client, child, wallet)
    await assert_verified(pool)
    closure_row = (uuid.UUID(parent), uuid.UUID(wallet))
    async with pool.acquire() as connection:
        await connection.execute(
            """DELETE FROM ledger_account_category_closure
               WHERE ledger_account_category_id = $1 AND ledger_account_id = $2""",
            *closure_row,
        )
        # A second path to the wallet, written behind the server's back: a diamond.
        await connection.execute(
            "INSERT INTO ledger_account_category_accounts VALUES ($1, $2, now(), $3)",
            uuid.UUID(other),
            uuid.UUID(wallet),
            uuid.UUID(ledger.id),
        )
        try:
            found = {check: rows for check, rows in (await verify(pool)).items() if rows}
        finally:
            await connection.execute(
                "DELETE FROM ledger_account_category_accounts WHERE ledger_account_category_id = $1", uuid.UUID(other)
            )
            await connection.execute(
                "INSERT INTO ledger_account_category_closure VALUES ($1, $2, $3)", *closure_row, uuid.UUID(ledger.id)
            )
    assert set(found) == {
        "category closures equal the recomputation from the direct memberships",
        "a category's stored ledger_account_count is the size of its closure",
        "no category reaches an account or a category twice, or itself",
    }
    assert {
        (r["id"], r["reached_id"]) for r in found["no category reaches an account or a category twice, or itself"]
    } == {closure_row}
    await assert_verified(pool)
