"""SQL of ledger account categories: the rows, the direct memberships, and the two closures
(category -> descendant categories, category -> accounts) that make a category's balances one
indexed read. Every query is scoped to one organization; membership changes of a ledger are
serialised by `lock_memberships` (migration 0004 describes the tables).

Every statement past the category reads names its ledger: each ledger table in it is filtered by
`ledger_id = $n` and joined to the others on ledger_id, so that on Citus, where these tables are
distributed by ledger_id, each is a statement on the one shard of that ledger (docs/scaling.md).
On one PostgreSQL the filter is a residual condition on the same index reads."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ledgerd.server.domain.balances import BalanceTotals, NormalBalance
from ledgerd.server.domain.categories import LedgerAccountCategory
from ledgerd.server.store.history import TOTAL_COLUMNS, summed_totals

Executor = Any

# The first key of the two-key advisory lock space, which never meets the one-key space of the
# account locks: membership changes of one ledger take (this, hash of the ledger id).
MEMBERSHIP_LOCK_CLASS = 0x6C616363  # "lacc"

# A pair of samples is enough to name the offender of a refused membership.
SAMPLES_MAX = 2


# The columns of ledger_account_categories taken as they are (named as the domain's fields).
CATEGORY_COLUMNS = (
    "id",
    "ledger_id",
    "name",
    "description",
    "currency",
    "currency_exponent",
    "metadata",
    "ledger_account_count",
    "created_at",
    "updated_at",
)


def category(row: Mapping[str, Any]) -> LedgerAccountCategory:
    return LedgerAccountCategory(
        **{column: row[column] for column in CATEGORY_COLUMNS},
        normal_balance=NormalBalance(row["normal_balance"]),
    )


async def lock_memberships(db: Executor, ledger_id: uuid.UUID) -> None:
    """Serialises the membership changes of one ledger until the database transaction ends."""
    await db.execute("SELECT pg_advisory_xact_lock($1, hashtext($2::uuid::text))", MEMBERSHIP_LOCK_CLASS, ledger_id)


async def insert_category(db: Executor, value: LedgerAccountCategory) -> None:
    await db.execute(
        """INSERT INTO ledger_account_categories (id, ledger_id, name, description, normal_balance, currency,
               currency_exponent, metadata, ledger_account_count, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9)""",
        value.id,
        value.ledger_id,
        value.name,
        value.description,
        value.normal_balance.value,
        value.currency,
        value.currency_exponent,
        value.metadata,
        value.created_at,
    )
    await db.execute(
        """INSERT INTO ledger_account_category_paths
               (ancestor_ledger_account_category_id, descendant_ledger_account_category_id, depth, ledger_id)
           VALUES ($1, $1, 0, $2)""",
        value.id,
        value.ledger_id,
    )


async def get_categories(
    db: Executor, organization_id: uuid.UUID, ids: list[uuid.UUID]
) -> dict[uuid.UUID, LedgerAccountCategory]:
    records = await db.fetch(
        """SELECT c.* FROM ledger_account_categories c JOIN ledgers l ON l.id = c.ledger_id
           WHERE c.id = ANY($1::uuid[]) AND l.organization_id = $2""",
        ids,
        organization_id,
    )
    return {r["id"]: category(r) for r in records}


async def list_categories(
    db: Executor,
    organization_id: uuid.UUID,
    after: uuid.UUID | None,
    limit: int,
    *,
    ledger_id: uuid.UUID | None,
    ledger_account_id: uuid.UUID | None,
    parent_id: uuid.UUID | None,
    currency: str | None,
    metadata: Mapping[str, str],
) -> list[LedgerAccountCategory]:
    records = await db.fetch(
        """SELECT c.* FROM ledger_account_categories c JOIN ledgers l ON l.id = c.ledger_id
           WHERE l.organization_id = $1 AND ($2::uuid IS NULL OR c.id > $2)
             AND ($3::uuid IS NULL OR c.ledger_id = $3)
             AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM ledger_account_category_closure m
                                              WHERE m.ledger_id = c.ledger_id AND m.ledger_account_category_id = c.id
                                                AND m.ledger_account_id = $4))
             AND ($5::uuid IS NULL OR EXISTS (SELECT 1 FROM ledger_account_category_categories m
                                              WHERE m.ledger_id = c.ledger_id AND m.ledger_account_category_id = c.id
                                                AND m.parent_ledger_account_category_id = $5))
             AND ($6::text IS NULL OR c.currency = $6) AND c.metadata @> $7
           ORDER BY c.id LIMIT $8""",
        organization_id,
        after,
        ledger_id,
        ledger_account_id,
        parent_id,
        currency,
        dict(metadata),
        limit,
    )
    return [category(r) for r in records]


# The members of the categories (each the accounts it reaches) and the sums of their totals per
# category. The members are given to the totals as an array so that the accounts and entries are
# read by their account indexes, never by a scan of the ledger's rows.
MEMBERS = """SELECT ledger_account_category_id, ledger_account_id FROM ledger_account_category_closure
             WHERE ledger_id = $2 AND ledger_account_category_id = ANY($1::uuid[])"""
SUMMED = """SELECT m.ledger_account_category_id AS id, count(*) AS accounts, {summed}
            FROM members m LEFT JOIN member_totals t ON t.ledger_account_id = m.ledger_account_id
            GROUP BY m.ledger_account_category_id"""


async def sums(
    db: Executor, ledger_id: uuid.UUID, category_ids: list[uuid.UUID], effective_at: datetime | None = None
) -> dict[uuid.UUID, tuple[BalanceTotals, int]]:
    """Category id -> (sums of the totals of the accounts it reaches, how many those are), for
    categories of the one ledger: current, or counting the entries effective at or before
    `effective_at`; `db` a connection for the latter. One snapshot."""
    summed = SUMMED.format(summed=", ".join(f"sum(t.{c}) AS {c}" for c in TOTAL_COLUMNS))
    if effective_at is None:
        records = await db.fetch(
            f"""WITH members AS ({MEMBERS}), member_totals AS (
                    SELECT a.id AS ledger_account_id, {", ".join(TOTAL_COLUMNS)} FROM ledger_accounts a
                    WHERE a.ledger_id = $2 AND a.id = ANY (ARRAY(SELECT DISTINCT ledger_account_id FROM members)))
                {summed}""",
            category_ids,
            ledger_id,
        )
    else:
        # The as-of totals are ledgerd_ledger_totals_as_of's (migration 0017). On Citus a function
        # that reads the ledger's tables cannot run inside a statement sent to the ledger's shard
        # (Citus refuses a distributed query from a query on a shard), so the members are read
        # first and handed to a statement of their own; one repeatable-read transaction keeps the
        # two one snapshot (on Citus, that of the ledger's worker, which both statements reach
        # over the transaction's one connection to it).
        async with db.transaction(isolation="repeatable_read", readonly=True):
            members = await db.fetch(MEMBERS, category_ids, ledger_id)
            records = await db.fetch(
                f"""WITH members AS (
                        SELECT * FROM unnest($1::uuid[], $2::uuid[])
                            AS m (ledger_account_category_id, ledger_account_id)
                    ), member_totals AS (
                        SELECT * FROM ledgerd_ledger_totals_as_of(
                            $3, ARRAY(SELECT DISTINCT ledger_account_id FROM members), $4, true))
                    {summed}""",
                [m["ledger_account_category_id"] for m in members],
                [m["ledger_account_id"] for m in members],
                ledger_id,
                effective_at,
            )
    found = {r["id"]: (summed_totals(r), r["accounts"]) for r in records}
    return {c: found.get(c, (BalanceTotals(), 0)) for c in category_ids}


# --- membership facts ----------------------------------------------------------------------------


async def ancestors(db: Executor, ledger_id: uuid.UUID, category_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """Ancestor (itself included) -> length of the path down to the category."""
    records = await db.fetch(
        """SELECT ancestor_ledger_account_category_id AS id, depth FROM ledger_account_category_paths
           WHERE ledger_id = $1 AND descendant_ledger_account_category_id = $2""",
        ledger_id,
        category_id,
    )
    return {r["id"]: r["depth"] for r in records}


async def descendants(db: Executor, ledger_id: uuid.UUID, category_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """Descendant category (itself included) -> length of the path down to it."""
    records = await db.fetch(
        """SELECT descendant_ledger_account_category_id AS id, depth FROM ledger_account_category_paths
           WHERE ledger_id = $1 AND ancestor_ledger_account_category_id = $2""",
        ledger_id,
        category_id,
    )
    return {r["id"]: r["depth"] for r in records}


async def account_counts(db: Executor, ledger_id: uuid.UUID, category_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many accounts each category reaches (the stored count: no closure is counted)."""
    records = await db.fetch(
        "SELECT id, ledger_account_count FROM ledger_account_categories WHERE ledger_id = $1 AND id = ANY($2::uuid[])",
        ledger_id,
        list(category_ids),
    )
    return {r["id"]: r["ledger_account_count"] for r in records}


async def touch(
    db: Executor, ledger_id: uuid.UUID, category_ids: Iterable[uuid.UUID], accounts_added: int, now: datetime
) -> None:
    """After a membership change of the first of `category_ids` (the others: its ancestors):
    each now reaches `accounts_added` more accounts (fewer when negative); the first changed now."""
    ids = list(category_ids)
    await db.execute(
        """UPDATE ledger_account_categories
           SET ledger_account_count = ledger_account_count + $2,
               updated_at = CASE WHEN id = $3 THEN $4 ELSE updated_at END
           WHERE ledger_id = $5 AND id = ANY($1::uuid[])""",
        ids,
        accounts_added,
        ids[0],
        now,
        ledger_id,
    )


# Whether a category directly contains a member, by kind of member.
MEMBERSHIP_SQL = {
    "account": """SELECT true FROM ledger_account_category_accounts
                  WHERE ledger_id = $3 AND ledger_account_category_id = $1 AND ledger_account_id = $2""",
    "category": """SELECT true FROM ledger_account_category_categories
                   WHERE ledger_id = $3 AND parent_ledger_account_category_id = $1
                     AND ledger_account_category_id = $2""",
}


async def has_member(
    db: Executor, kind: str, ledger_id: uuid.UUID, category_id: uuid.UUID, member_id: uuid.UUID
) -> bool:
    return bool(await db.fetchval(MEMBERSHIP_SQL[kind], category_id, member_id, ledger_id))


async def reachers(
    db: Executor, ledger_id: uuid.UUID, category_ids: Iterable[uuid.UUID], account_id: uuid.UUID
) -> list[uuid.UUID]:
    """Those of `category_ids` that reach the account already."""
    records = await db.fetch(
        """SELECT ledger_account_category_id AS id FROM ledger_account_category_closure
           WHERE ledger_id = $3 AND ledger_account_id = $1 AND ledger_account_category_id = ANY($2::uuid[])""",
        account_id,
        list(category_ids),
        ledger_id,
    )
    return [r["id"] for r in records]


async def categories_reached(
    db: Executor, ledger_id: uuid.UUID, ancestor_ids: Iterable[uuid.UUID], descendant_ids: Iterable[uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Some (ancestor, descendant) pairs already connected by a path."""
    records = await db.fetch(
        f"""SELECT ancestor_ledger_account_category_id AS a, descendant_ledger_account_category_id AS d
            FROM ledger_account_category_paths
            WHERE ledger_id = $3 AND ancestor_ledger_account_category_id = ANY($1::uuid[])
              AND descendant_ledger_account_category_id = ANY($2::uuid[])
            LIMIT {SAMPLES_MAX}""",
        list(ancestor_ids),
        list(descendant_ids),
        ledger_id,
    )
    return [(r["a"], r["d"]) for r in records]


async def accounts_reached(
    db: Executor, ledger_id: uuid.UUID, ancestor_ids: Iterable[uuid.UUID], child_id: uuid.UUID
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Some (ancestor, account) pairs where the ancestor already reaches an account the child reaches."""
    records = await db.fetch(
        f"""SELECT a.ledger_account_category_id AS a, a.ledger_account_id AS account
            FROM ledger_account_category_closure c
            JOIN ledger_account_category_closure a
                ON a.ledger_id = c.ledger_id AND a.ledger_account_id = c.ledger_account_id
            WHERE c.ledger_id = $3 AND a.ledger_id = $3
              AND c.ledger_account_category_id = $2 AND a.ledger_account_category_id = ANY($1::uuid[])
            LIMIT {SAMPLES_MAX}""",
        list(ancestor_ids),
        child_id,
        ledger_id,
    )
    return [(r["a"], r["account"]) for r in records]


# --- membership changes (under lock_memberships, after the rules accepted them) -----------------


async def add_account(
    db: Executor,
    ledger_id: uuid.UUID,
    category_id: uuid.UUID,
    ancestor_ids: Iterable[uuid.UUID],
    account_id: uuid.UUID,
    now: datetime,
) -> None:
    await db.execute(
        """INSERT INTO ledger_account_category_accounts
               (ledger_account_category_id, ledger_account_id, created_at, ledger_id)
           VALUES ($1, $2, $3, $4)""",
        category_id,
        account_id,
        now,
        ledger_id,
    )
    await db.execute(
        """INSERT INTO ledger_account_category_closure (ledger_account_category_id, ledger_account_id, ledger_id)
           SELECT a, $2, $3 FROM unnest($1::uuid[]) AS a""",
        list(ancestor_ids),
        account_id,
        ledger_id,
    )


async def remove_account(
    db: Executor,
    ledger_id: uuid.UUID,
    category_id: uuid.UUID,
    ancestor_ids: Iterable[uuid.UUID],
    account_id: uuid.UUID,
) -> None:
    """The one path from each ancestor to the account ran through this membership."""
    await db.execute(
        """DELETE FROM ledger_account_category_accounts
           WHERE ledger_id = $3 AND ledger_account_category_id = $1 AND ledger_account_id = $2""",
        category_id,
        account_id,
        ledger_id,
    )
    await db.execute(
        """DELETE FROM ledger_account_category_closure
           WHERE ledger_id = $3 AND ledger_account_id = $2 AND ledger_account_category_id = ANY($1::uuid[])""",
        list(ancestor_ids),
        account_id,
        ledger_id,
    )


async def add_nested(
    db: Executor,
    ledger_id: uuid.UUID,
    parent_id: uuid.UUID,
    parent_ancestors: Mapping[uuid.UUID, int],
    child_id: uuid.UUID,
    child_descendants: Mapping[uuid.UUID, int],
    now: datetime,
) -> None:
    await db.execute(
        """INSERT INTO ledger_account_category_categories
               (parent_ledger_account_category_id, ledger_account_category_id, created_at, ledger_id)
           VALUES ($1, $2, $3, $4)""",
        parent_id,
        child_id,
        now,
        ledger_id,
    )
    await db.execute(
        """INSERT INTO ledger_account_category_paths
               (ancestor_ledger_account_category_id, descendant_ledger_account_category_id, depth, ledger_id)
           SELECT a.id, d.id, a.depth + 1 + d.depth, $5
           FROM unnest($1::uuid[], $2::smallint[]) AS a (id, depth),
                unnest($3::uuid[], $4::smallint[]) AS d (id, depth)""",
        list(parent_ancestors),
        list(parent_ancestors.values()),
        list(child_descendants),
        list(child_descendants.values()),
        ledger_id,
    )
    # The ledger_id inserted is the one read (equal to $3): Citus runs an INSERT ... SELECT on the
    # shards only when the distribution column is carried over from the table read.
    await db.execute(
        """INSERT INTO ledger_account_category_closure (ledger_account_category_id, ledger_account_id, ledger_id)
           SELECT a, c.ledger_account_id, c.ledger_id FROM unnest($1::uuid[]) AS a, ledger_account_category_closure c
           WHERE c.ledger_account_category_id = $2 AND c.ledger_id = $3""",
        list(parent_ancestors),
        child_id,
        ledger_id,
    )


async def remove_nested(
    db: Executor,
    ledger_id: uuid.UUID,
    parent_id: uuid.UUID,
    parent_ancestor_ids: Iterable[uuid.UUID],
    child_id: uuid.UUID,
    child_descendant_ids: Iterable[uuid.UUID],
) -> None:
    """The one path from each ancestor of the parent to each descendant of the child ran through
    this nesting."""
    ancestor_ids = list(parent_ancestor_ids)
    await db.execute(
        """DELETE FROM ledger_account_category_categories
           WHERE ledger_id = $3 AND parent_ledger_account_category_id = $1 AND ledger_account_category_id = $2""",
        parent_id,
        child_id,
        ledger_id,
    )
    await db.execute(
        """DELETE FROM ledger_account_category_closure
           WHERE ledger_id = $3 AND ledger_account_category_id = ANY($1::uuid[])
             AND ledger_account_id IN (SELECT ledger_account_id FROM ledger_account_category_closure
                                       WHERE ledger_id = $3 AND ledger_account_category_id = $2)""",
        ancestor_ids,
        child_id,
        ledger_id,
    )
    await db.execute(
        """DELETE FROM ledger_account_category_paths
           WHERE ledger_id = $3 AND ancestor_ledger_account_category_id = ANY($1::uuid[])
             AND descendant_ledger_account_category_id = ANY($2::uuid[])""",
        ancestor_ids,
        list(child_descendant_ids),
        ledger_id,
    )
