"""Use cases of ledger account categories: create, read with balances, list, and the four
membership changes. A membership change runs under its ledger's membership lock, decides with the
rules of domain.categories, then adds or removes the closure pairs its one path carries."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from ledgerd.server.core.clock import utcnow
from ledgerd.server.core.idempotency import Idempotency, Replay, run_idempotent
from ledgerd.server.core.ledgers import account_not_found, ledger_not_found, require_parents
from ledgerd.server.core.paging import Page, PageRequest
from ledgerd.server.domain.balances import BalanceTotals, NormalBalance
from ledgerd.server.domain.categories import (
    AccountAdditionFacts,
    LedgerAccountCategory,
    Member,
    NestingFacts,
    category_not_found,
    check_account_addition,
    check_member,
    check_nesting,
    with_totals,
)
from ledgerd.server.domain.ids import new_id
from ledgerd.server.store import categories as store
from ledgerd.server.store import ledgers as ledgers_store

Category = LedgerAccountCategory


@dataclass(frozen=True)
class NewCategory:
    ledger_id: uuid.UUID
    name: str
    description: str
    normal_balance: NormalBalance
    currency: str
    currency_exponent: int
    metadata: Mapping[str, str]
    parent_ids: Sequence[uuid.UUID]


async def _categories(
    connection: asyncpg.Connection, organization_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[Category]:
    """In the order asked; NOT_FOUND names the first unknown or foreign one."""
    found = await store.get_categories(connection, organization_id, list(set(ids)))
    for category_id in ids:
        if category_id not in found:
            raise category_not_found(category_id)
    return [found[c] for c in ids]


def _as_member(category: Category) -> Member:
    return Member(
        "ledger account category", category.id, category.ledger_id, category.currency, category.currency_exponent
    )


async def _with_sums(
    connection: asyncpg.Connection | asyncpg.Pool, categories: Sequence[Category], effective_at: datetime | None
) -> list[Category]:
    # One statement per ledger (a page of a list may hold categories of several): each then reads
    # one ledger's rows, a single-shard statement on Citus. Each ledger's sums are one snapshot.
    by_ledger: dict[uuid.UUID, list[uuid.UUID]] = {}
    for c in categories:
        by_ledger.setdefault(c.ledger_id, []).append(c.id)
    sums: dict[uuid.UUID, tuple[BalanceTotals, int]] = {}
    for ledger_id, ids in by_ledger.items():
        sums.update(await store.sums(connection, ledger_id, ids, effective_at))
    return [with_totals(c, *sums[c.id], effective_at) for c in categories]


async def _nest(connection: asyncpg.Connection, parent: Category, child: Category, now: datetime) -> None:
    """Nests `child` in `parent` (the ledger's membership lock is held); idempotent."""
    check_member(parent, _as_member(child))
    ledger_id = parent.ledger_id  # the child's too (check_member)
    if await store.has_member(connection, "category", ledger_id, parent.id, child.id):
        return
    parent_ancestors = await store.ancestors(connection, ledger_id, parent.id)
    child_descendants = await store.descendants(connection, ledger_id, child.id)
    counts = await store.account_counts(connection, ledger_id, [*parent_ancestors, child.id])
    child_count = counts.pop(child.id)
    facts = NestingFacts(
        parent_ancestors=parent_ancestors,
        child_descendants=child_descendants,
        categories_reached=await store.categories_reached(connection, ledger_id, parent_ancestors, child_descendants),
        accounts_reached=await store.accounts_reached(connection, ledger_id, parent_ancestors, child.id),
        account_counts=counts,
        child_account_count=child_count,
    )
    check_nesting(parent.id, child.id, facts)
    await store.add_nested(connection, ledger_id, parent.id, parent_ancestors, child.id, child_descendants, now)
    await store.touch(connection, ledger_id, _upward(parent.id, parent_ancestors), child_count, now)


def _upward(category_id: uuid.UUID, ancestors: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """The category, then its other ancestors."""
    return [category_id, *(a for a in ancestors if a != category_id)]


class CategoriesUseCases:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def create_category(
        self, organization_id: uuid.UUID, new: NewCategory, idempotency: Idempotency[Category] | None
    ) -> Category | Replay:
        async def create(connection: asyncpg.Connection) -> Category:
            if await ledgers_store.get_ledger(connection, organization_id, new.ledger_id) is None:
                raise ledger_not_found(new.ledger_id)
            parents = await _categories(connection, organization_id, new.parent_ids)
            now = utcnow()
            category = Category(
                new_id(),
                new.ledger_id,
                new.name,
                new.description,
                new.normal_balance,
                new.currency,
                new.currency_exponent,
                dict(new.metadata),
                now,
                now,
                totals=BalanceTotals(),  # no members yet
            )
            await store.insert_category(connection, category)
            if parents:
                await store.lock_memberships(connection, new.ledger_id)
                for parent in parents:
                    await _nest(connection, parent, category, now)
            return category

        return await run_idempotent(self.pool, organization_id, idempotency, create)

    async def get_category(
        self, organization_id: uuid.UUID, category_id: uuid.UUID, effective_at: datetime | None = None
    ) -> Category:
        async with self.pool.acquire() as connection:
            (category,) = await _categories(connection, organization_id, [category_id])
            (category,) = await _with_sums(connection, [category], effective_at)
            return category

    async def list_categories(
        self,
        organization_id: uuid.UUID,
        page: PageRequest,
        *,
        ledger_id: uuid.UUID | None,
        ledger_account_id: uuid.UUID | None,
        parent_id: uuid.UUID | None,
        currency: str | None,
        metadata: Mapping[str, str],
    ) -> Page[Category]:
        await require_parents(self.pool, organization_id, ledger_id=ledger_id, ledger_account_id=ledger_account_id)
        async with self.pool.acquire() as connection:
            if parent_id is not None:
                await _categories(connection, organization_id, [parent_id])  # NOT_FOUND, as for every parent
            rows = await store.list_categories(
                connection,
                organization_id,
                page.after,
                page.size + 1,
                ledger_id=ledger_id,
                ledger_account_id=ledger_account_id,
                parent_id=parent_id,
                currency=currency,
                metadata=metadata,
            )
            found = Page.of(rows, page)
            return Page(await _with_sums(connection, found.items, None), found.next_page_token)

    async def change_membership(
        self,
        change: MembershipChange,
        organization_id: uuid.UUID,
        category_id: uuid.UUID,
        member_id: uuid.UUID,
        idempotency: Idempotency[Category] | None,
    ) -> Category | Replay:
        """Runs one membership change of the category under its ledger's lock; answers the
        category after it, with its ledger_account_count but without its balances: a change costs
        the same whatever the category's size (the balances are a read of their own)."""

        async def run(connection: asyncpg.Connection) -> Category:
            (category,) = await _categories(connection, organization_id, [category_id])
            await store.lock_memberships(connection, category.ledger_id)
            await change(connection, organization_id, category, member_id, utcnow())
            (category,) = await _categories(connection, organization_id, [category_id])
            return category

        return await run_idempotent(self.pool, organization_id, idempotency, run, lambda c: (c.id, member_id))


# --- the membership changes: each runs under the ledger's membership lock ----------------------

# (connection, organization, category changed, member id, now): raises to refuse.
MembershipChange = Callable[[asyncpg.Connection, uuid.UUID, Category, uuid.UUID, datetime], Awaitable[None]]


async def _account(connection: asyncpg.Connection, organization_id: uuid.UUID, account_id: uuid.UUID) -> Member:
    account = await ledgers_store.get_ledger_account(connection, organization_id, account_id)
    if account is None:
        raise account_not_found(account_id)
    return Member("ledger account", account.id, account.ledger_id, account.currency, account.currency_exponent)


async def add_account(
    connection: asyncpg.Connection, organization_id: uuid.UUID, category: Category, account_id: uuid.UUID, now: datetime
) -> None:
    check_member(category, await _account(connection, organization_id, account_id))
    ledger_id = category.ledger_id  # the account's too (check_member)
    if await store.has_member(connection, "account", ledger_id, category.id, account_id):
        return
    ancestors = await store.ancestors(connection, ledger_id, category.id)
    facts = AccountAdditionFacts(
        reachers=await store.reachers(connection, ledger_id, ancestors, account_id),
        account_counts=await store.account_counts(connection, ledger_id, ancestors),
    )
    check_account_addition(category.id, account_id, facts)
    await store.add_account(connection, ledger_id, category.id, ancestors, account_id, now)
    await store.touch(connection, ledger_id, _upward(category.id, ancestors), 1, now)


async def remove_account(
    connection: asyncpg.Connection, organization_id: uuid.UUID, category: Category, account_id: uuid.UUID, now: datetime
) -> None:
    await _account(connection, organization_id, account_id)
    ledger_id = category.ledger_id  # a member is of its category's ledger; another account is no member
    if not await store.has_member(connection, "account", ledger_id, category.id, account_id):
        return
    ancestors = await store.ancestors(connection, ledger_id, category.id)
    await store.remove_account(connection, ledger_id, category.id, ancestors, account_id)
    await store.touch(connection, ledger_id, _upward(category.id, ancestors), -1, now)


async def add_category(
    connection: asyncpg.Connection, organization_id: uuid.UUID, parent: Category, child_id: uuid.UUID, now: datetime
) -> None:
    (child,) = await _categories(connection, organization_id, [child_id])
    await _nest(connection, parent, child, now)


async def remove_category(
    connection: asyncpg.Connection, organization_id: uuid.UUID, parent: Category, child_id: uuid.UUID, now: datetime
) -> None:
    await _categories(connection, organization_id, [child_id])
    ledger_id = parent.ledger_id  # a nested category is of its parent's ledger; another is no member
    if not await store.has_member(connection, "category", ledger_id, parent.id, child_id):
        return
    parent_ancestors = await store.ancestors(connection, ledger_id, parent.id)
    child_descendants = await store.descendants(connection, ledger_id, child_id)
    (child_count,) = (await store.account_counts(connection, ledger_id, [child_id])).values()
    await store.remove_nested(connection, ledger_id, parent.id, parent_ancestors, child_id, child_descendants)
    await store.touch(connection, ledger_id, _upward(parent.id, parent_ancestors), -child_count, now)
