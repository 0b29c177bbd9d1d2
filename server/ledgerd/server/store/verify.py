"""The checks of `ledgerd verify`: each query returns the offenders of one invariant of
docs/design.md ("Invariants"), recomputed from the entries (the stored balances are never trusted
here).

Every join and subquery between ledger tables names the ledger (`ledger_id` equality, `ledgers.id`
for the ledgers), and every aggregate groups by it: on Citus, where every ledger table is
distributed by the ledger and colocated (docs/scaling.md), each check then runs as one query per
shard with no data moving between workers. The same SQL runs on one PostgreSQL, where the extra
key costs a hash column. The category walk, a recursive query, runs per ledger (CATEGORY_CHECKS)."""

from __future__ import annotations

from typing import Any

from ledgerd.server.domain import limits

OFFENDERS_MAX = 20

# Every path of one ledger's ($1) category graph recomputed from the direct memberships, one row
# per path (so a diamond shows twice); the depth bound, beyond any legal depth, stops at a cycle.
# Every table is filtered by the one ledger: Citus runs a recursive query over distributed tables
# only as a router query, all on the ledger's shard.
CATEGORY_WALK = f"""
    WITH RECURSIVE walk (ancestor, descendant, depth) AS (
        SELECT id, id, 0 FROM ledger_account_categories WHERE ledger_id = $1
        UNION ALL
        SELECT w.ancestor, m.ledger_account_category_id, w.depth + 1
        FROM walk w JOIN ledger_account_category_categories m
            ON m.ledger_id = $1 AND m.parent_ledger_account_category_id = w.descendant
        WHERE w.depth <= {limits.category_nesting_depth_max + 1}
    ), reached (ledger_account_category_id, ledger_account_id) AS (
        SELECT w.ancestor, a.ledger_account_id
        FROM walk w JOIN ledger_account_category_accounts a
            ON a.ledger_id = $1 AND a.ledger_account_category_id = w.descendant
    ), categories AS (
        SELECT id FROM ledger_account_categories WHERE ledger_id = $1
    )
"""

CHECKS: dict[str, str] = {
    # The hot tables keep no foreign keys (0006_write_path.sql), and on Citus no ledger table does
    # (store/citus_layout.sql): their references are checked here. Each is looked up in the row's
    # own ledger, which also proves the row names the ledger of what it belongs to (docs/scaling.md,
    # migration 0014): a row filed under another ledger references nothing there.
    "every row references rows that exist in its own ledger": """
        SELECT 'ledger_accounts' AS rows, a.id::text AS id FROM ledger_accounts a
        WHERE NOT EXISTS (SELECT 1 FROM ledgers l WHERE l.id = a.ledger_id)
        UNION ALL
        SELECT 'ledger_transactions', t.id::text FROM ledger_transactions t
        WHERE NOT EXISTS (SELECT 1 FROM ledgers l WHERE l.id = t.ledger_id)
           OR (t.reverses_ledger_transaction_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM ledger_transactions o
                WHERE o.ledger_id = t.ledger_id AND o.id = t.reverses_ledger_transaction_id))
           OR (t.partially_posts_ledger_transaction_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM ledger_transactions o
                WHERE o.ledger_id = t.ledger_id AND o.id = t.partially_posts_ledger_transaction_id))
        UNION ALL
        SELECT 'ledger_entries', e.id::text FROM ledger_entries e
        WHERE NOT EXISTS (SELECT 1 FROM ledger_transactions t
                          WHERE t.ledger_id = e.ledger_id AND t.id = e.ledger_transaction_id)
           OR NOT EXISTS (SELECT 1 FROM ledger_accounts a
                          WHERE a.ledger_id = e.ledger_id AND a.id = e.ledger_account_id)
        UNION ALL
        SELECT 'ledger_account_versions', v.ledger_account_id || '/' || v.lock_version FROM ledger_account_versions v
        WHERE NOT EXISTS (SELECT 1 FROM ledger_transactions t
                          WHERE t.ledger_id = v.ledger_id AND t.id = v.ledger_transaction_id)
           OR NOT EXISTS (SELECT 1 FROM ledger_accounts a
                          WHERE a.ledger_id = v.ledger_id AND a.id = v.ledger_account_id)
        UNION ALL
        SELECT 'ledger_transaction_versions', v.ledger_transaction_id || '/' || v.version
        FROM ledger_transaction_versions v
        WHERE NOT EXISTS (SELECT 1 FROM ledger_transactions t
                          WHERE t.ledger_id = v.ledger_id AND t.id = v.ledger_transaction_id)
        UNION ALL
        SELECT 'holds', h.id::text FROM holds h
        WHERE NOT EXISTS (SELECT 1 FROM ledger_transactions t
                          WHERE t.ledger_id = h.ledger_id AND t.id = h.ledger_transaction_id)
           OR NOT EXISTS (SELECT 1 FROM ledger_accounts a
                          WHERE a.ledger_id = h.ledger_id AND a.id = h.ledger_account_id)
           OR NOT EXISTS (SELECT 1 FROM ledger_accounts a
                          WHERE a.ledger_id = h.ledger_id AND a.id = h.counter_ledger_account_id)
        UNION ALL
        SELECT 'ledgerable_events', e.id::text FROM ledgerable_events e
        WHERE e.ledger_transaction_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM ledger_transactions t WHERE t.ledger_id = e.ledger_id AND t.id = e.ledger_transaction_id)
        UNION ALL
        SELECT 'ledger_account_balance_monitors', m.id::text FROM ledger_account_balance_monitors m
        WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a
                          WHERE a.ledger_id = m.ledger_id AND a.id = m.ledger_account_id)
        UNION ALL
        SELECT 'ledger_account_balance_monitor_alerts', m.id::text FROM ledger_account_balance_monitor_alerts m
        WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a
                          WHERE a.ledger_id = m.ledger_id AND a.id = m.ledger_account_id)
           OR NOT EXISTS (SELECT 1 FROM ledger_account_balance_monitors x
                          WHERE x.ledger_id = m.ledger_id AND x.id = m.ledger_account_balance_monitor_id)
        UNION ALL
        SELECT 'ledger_account_categories', c.id::text FROM ledger_account_categories c
        WHERE NOT EXISTS (SELECT 1 FROM ledgers l WHERE l.id = c.ledger_id)
        UNION ALL
        SELECT 'ledger_account_category_accounts', m.ledger_account_category_id || '/' || m.ledger_account_id
        FROM ledger_account_category_accounts m
        WHERE NOT EXISTS (SELECT 1 FROM ledger_account_categories c
                          WHERE c.ledger_id = m.ledger_id AND c.id = m.ledger_account_category_id)
           OR NOT EXISTS (SELECT 1 FROM ledger_accounts a
                          WHERE a.ledger_id = m.ledger_id AND a.id = m.ledger_account_id)
        UNION ALL
        SELECT 'ledger_account_category_categories',
            m.parent_ledger_account_category_id || '/' || m.ledger_account_category_id
        FROM ledger_account_category_categories m
        WHERE NOT EXISTS (SELECT 1 FROM ledger_account_categories c
                          WHERE c.ledger_id = m.ledger_id AND c.id = m.parent_ledger_account_category_id)
           OR NOT EXISTS (SELECT 1 FROM ledger_account_categories c
                          WHERE c.ledger_id = m.ledger_id AND c.id = m.ledger_account_category_id)
        UNION ALL
        SELECT 'ledger_account_category_paths',
            p.ancestor_ledger_account_category_id || '/' || p.descendant_ledger_account_category_id
        FROM ledger_account_category_paths p
        WHERE NOT EXISTS (SELECT 1 FROM ledger_account_categories c
                          WHERE c.ledger_id = p.ledger_id AND c.id = p.ancestor_ledger_account_category_id)
           OR NOT EXISTS (SELECT 1 FROM ledger_account_categories c
                          WHERE c.ledger_id = p.ledger_id AND c.id = p.descendant_ledger_account_category_id)
        UNION ALL
        SELECT 'ledger_account_category_closure', m.ledger_account_category_id || '/' || m.ledger_account_id
        FROM ledger_account_category_closure m
        WHERE NOT EXISTS (SELECT 1 FROM ledger_account_categories c
                          WHERE c.ledger_id = m.ledger_id AND c.id = m.ledger_account_category_id)
           OR NOT EXISTS (SELECT 1 FROM ledger_accounts a
                          WHERE a.ledger_id = m.ledger_id AND a.id = m.ledger_account_id)
    """,
    # docs/audit.md: no effect without its record. Since migration 0014 the event names the ledger
    # of what it records (store/citus_layout.sql deletes older ones on Citus).
    "every transaction has its audit event": """
        SELECT t.id::text AS id FROM ledger_transactions t
        LEFT JOIN (SELECT a.ledger_id, unnest(a.resource_ids) AS id FROM audit_events a) r
            ON r.ledger_id = t.ledger_id AND r.id = t.id
        WHERE r.id IS NULL
    """,
    "every transaction balances per currency": """
        SELECT e.ledger_transaction_id AS id, a.currency,
               sum(CASE e.direction WHEN 'debit' THEN e.amount::numeric ELSE -e.amount::numeric END) AS difference
        FROM ledger_entries e JOIN ledger_accounts a ON a.ledger_id = e.ledger_id AND a.id = e.ledger_account_id
        WHERE e.discarded_at IS NULL
        GROUP BY e.ledger_id, e.ledger_transaction_id, a.currency
        HAVING sum(CASE e.direction WHEN 'debit' THEN e.amount::numeric ELSE -e.amount::numeric END) <> 0
    """,
    "every transaction has a debit and a credit entry": """
        SELECT t.id FROM ledger_transactions t
        LEFT JOIN ledger_entries e
            ON e.ledger_id = t.ledger_id AND e.ledger_transaction_id = t.id AND e.discarded_at IS NULL
        GROUP BY t.ledger_id, t.id
        HAVING count(*) FILTER (WHERE e.direction = 'debit') = 0 OR count(*) FILTER (WHERE e.direction = 'credit') = 0
    """,
    "stored balances equal the sums of the entries": """
        WITH sums AS (
            SELECT e.ledger_id, e.ledger_account_id AS id,
                coalesce(sum(e.amount::numeric) FILTER (WHERE t.status = 'posted' AND e.direction = 'credit'), 0)
                    AS posted_credits,
                coalesce(sum(e.amount::numeric) FILTER (WHERE t.status = 'posted' AND e.direction = 'debit'), 0)
                    AS posted_debits,
                coalesce(sum(e.amount::numeric) FILTER (WHERE t.status = 'pending' AND e.direction = 'credit'), 0)
                    AS pending_credits,
                coalesce(sum(e.amount::numeric) FILTER (WHERE t.status = 'pending' AND e.direction = 'debit'), 0)
                    AS pending_debits
            FROM ledger_entries e JOIN ledger_transactions t
                ON t.ledger_id = e.ledger_id AND t.id = e.ledger_transaction_id
            WHERE e.discarded_at IS NULL
            GROUP BY e.ledger_id, e.ledger_account_id
        )
        SELECT a.id, a.posted_credits, a.posted_debits, a.pending_credits, a.pending_debits,
               coalesce(s.posted_credits, 0) AS recomputed_posted_credits,
               coalesce(s.posted_debits, 0) AS recomputed_posted_debits,
               coalesce(s.pending_credits, 0) AS recomputed_pending_credits,
               coalesce(s.pending_debits, 0) AS recomputed_pending_debits
        FROM ledger_accounts a LEFT JOIN sums s ON s.ledger_id = a.ledger_id AND s.id = a.id
        WHERE (a.posted_credits, a.posted_debits, a.pending_credits, a.pending_debits)
           IS DISTINCT FROM (coalesce(s.posted_credits, 0), coalesce(s.posted_debits, 0),
                             coalesce(s.pending_credits, 0), coalesce(s.pending_debits, 0))
    """,
    "lock_version equals the number of balance-changing transactions": """
        SELECT a.id, a.lock_version, count(v.lock_version) AS versions, max(v.lock_version) AS newest
        FROM ledger_accounts a
        LEFT JOIN ledger_account_versions v ON v.ledger_id = a.ledger_id AND v.ledger_account_id = a.id
        GROUP BY a.ledger_id, a.id
        HAVING a.lock_version <> count(v.lock_version) OR a.lock_version <> coalesce(max(v.lock_version), 0)
    """,
    "the newest version of each account holds its stored balances": """
        SELECT a.id, a.lock_version FROM ledger_accounts a
        JOIN ledger_account_versions v
            ON v.ledger_id = a.ledger_id AND v.ledger_account_id = a.id AND v.lock_version = a.lock_version
        WHERE (a.posted_credits, a.posted_debits, a.pending_credits, a.pending_debits)
           <> (v.posted_credits, v.posted_debits, v.pending_credits, v.pending_debits)
    """,
    "every version was made by a transaction that touches the account": """
        SELECT v.ledger_account_id AS id, v.lock_version, v.ledger_transaction_id FROM ledger_account_versions v
        WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.ledger_id = v.ledger_id
                                                          AND e.ledger_transaction_id = v.ledger_transaction_id
                                                          AND e.ledger_account_id = v.ledger_account_id)
    """,
    "entries record a version their account reached": """
        SELECT e.id, e.ledger_account_lock_version, a.lock_version FROM ledger_entries e
        JOIN ledger_accounts a ON a.ledger_id = e.ledger_id AND a.id = e.ledger_account_id
        WHERE e.ledger_account_lock_version > a.lock_version
    """,
    "posted_at is set exactly on posted transactions": """
        SELECT id, status FROM ledger_transactions WHERE (status = 'posted') <> (posted_at IS NOT NULL)
    """,
    "a transaction has at most one reversal that is not archived": """
        SELECT reverses_ledger_transaction_id AS id, count(*) FROM ledger_transactions
        WHERE reverses_ledger_transaction_id IS NOT NULL AND status <> 'archived'
        GROUP BY ledger_id, reverses_ledger_transaction_id HAVING count(*) > 1
    """,
    # A reversal of a transaction of another ledger references nothing in its own ledger: the first
    # check names it.
    "only posted transactions are reversed": """
        SELECT r.id, o.status
        FROM ledger_transactions r
        JOIN ledger_transactions o ON o.ledger_id = r.ledger_id AND o.id = r.reverses_ledger_transaction_id
        WHERE o.status <> 'posted'
    """,
    "a pending hold holds exactly its amount in its pending transaction": """
        SELECT h.id, h.amount, t.status, coalesce(sum(e.amount), 0) AS held
        FROM holds h JOIN ledger_transactions t ON t.ledger_id = h.ledger_id AND t.id = h.ledger_transaction_id
        LEFT JOIN ledger_entries e ON e.ledger_id = h.ledger_id AND e.ledger_transaction_id = t.id
                                  AND e.ledger_account_id = h.ledger_account_id AND e.discarded_at IS NULL
        WHERE h.status = 'pending'
        GROUP BY h.ledger_id, h.id, h.amount, t.status
        HAVING t.status <> 'pending' OR coalesce(sum(e.amount), 0) <> h.amount
    """,
    "a final hold holds nothing any more": """
        SELECT h.id, h.status, t.status AS transaction_status
        FROM holds h JOIN ledger_transactions t ON t.ledger_id = h.ledger_id AND t.id = h.ledger_transaction_id
        WHERE h.status <> 'pending' AND t.status = 'pending'
    """,
    # The holds without captures apart: left-joined, each would probe the entries with a NULL
    # transaction id under its ledger and account, all in one hash bucket for a busy wallet's
    # thousands of holds (a minute on the test session's database).
    "a hold's captured amount is what its captures posted": """
        SELECT h.id, h.captured_amount, coalesce(sum(e.amount), 0) AS posted
        FROM holds h
        JOIN LATERAL unnest(h.capture_ledger_transaction_ids) AS c (id) ON true
        LEFT JOIN ledger_transactions t ON t.ledger_id = h.ledger_id AND t.id = c.id AND t.status = 'posted'
        LEFT JOIN ledger_entries e ON e.ledger_id = h.ledger_id AND e.ledger_transaction_id = t.id
                                  AND e.ledger_account_id = h.ledger_account_id AND e.discarded_at IS NULL
        GROUP BY h.ledger_id, h.id HAVING h.captured_amount <> coalesce(sum(e.amount), 0)
        UNION ALL
        SELECT h.id, h.captured_amount, 0 FROM holds h
        WHERE coalesce(cardinality(h.capture_ledger_transaction_ids), 0) = 0 AND h.captured_amount <> 0
    """,
    "a transaction's versions run from 0 without a gap, the newest being its current state": """
        WITH counted AS (
            SELECT v.ledger_id, v.ledger_transaction_id AS id, count(*) AS versions, max(v.version) AS newest
            FROM ledger_transaction_versions v GROUP BY v.ledger_id, v.ledger_transaction_id
        ), newest AS (
            SELECT DISTINCT ON (v.ledger_id, v.ledger_transaction_id) v.ledger_id, v.ledger_transaction_id AS id,
                   v.status, v.description, v.effective_at, v.metadata, v.ledger_entries
            FROM ledger_transaction_versions v ORDER BY v.ledger_id, v.ledger_transaction_id, v.version DESC
        ), snapshots AS (
            -- The row made again as a ledger_entries, as the batch write does (0014_ledger_keys.sql):
            -- on a Citus shard `e` is of the shard's own row type, which ledgerd_entry_json does not take.
            SELECT e.ledger_id, e.ledger_transaction_id AS id,
                   jsonb_agg(ledgerd_entry_json(ROW(e.id, e.ledger_transaction_id, e.ledger_account_id, e.direction,
                       e.amount, e.ledger_account_lock_version, e.metadata, e.created_at, e.discarded_at,
                       e.ledger_id)::ledger_entries) ORDER BY e.id) AS ledger_entries
            FROM ledger_entries e WHERE e.discarded_at IS NULL GROUP BY e.ledger_id, e.ledger_transaction_id
        )
        SELECT t.id, c.versions, c.newest
        FROM ledger_transactions t
        LEFT JOIN counted c ON c.ledger_id = t.ledger_id AND c.id = t.id
        LEFT JOIN newest n ON n.ledger_id = t.ledger_id AND n.id = t.id
        LEFT JOIN snapshots s ON s.ledger_id = t.ledger_id AND s.id = t.id
        WHERE c.id IS NULL OR c.newest <> c.versions - 1
           OR (n.status, n.description, n.effective_at, n.metadata, n.ledger_entries)
              IS DISTINCT FROM (t.status, t.description, t.effective_at, t.metadata,
                                coalesce(s.ledger_entries, '[]'::jsonb))
    """,
    # A partial post of a transaction of another ledger references nothing in its own ledger: the
    # first check names it.
    "a partial post posts part of a pending transaction of its ledger": """
        SELECT p.id, o.ledger_id, p.ledger_id AS partial_ledger_id, p.status
        FROM ledger_transactions p
        JOIN ledger_transactions o ON o.ledger_id = p.ledger_id AND o.id = p.partially_posts_ledger_transaction_id
        WHERE p.status <> 'posted'
    """,
    "a monitor's alerts alternate and end in its current state": """
        SELECT m.id, m.triggered, a.triggered AS alert_triggered, a.ledger_account_lock_version
        FROM ledger_account_balance_monitors m
        JOIN (
            SELECT x.ledger_id, x.ledger_account_balance_monitor_id AS monitor_id, x.triggered,
                   x.ledger_account_lock_version,
                   lag(x.triggered) OVER (PARTITION BY x.ledger_id, x.ledger_account_balance_monitor_id
                                          ORDER BY x.ledger_account_lock_version) AS previous,
                   row_number() OVER (PARTITION BY x.ledger_id, x.ledger_account_balance_monitor_id
                                      ORDER BY x.ledger_account_lock_version DESC) AS from_newest
            FROM ledger_account_balance_monitor_alerts x
        ) a ON a.ledger_id = m.ledger_id AND a.monitor_id = m.id
        WHERE a.previous IS NOT DISTINCT FROM a.triggered OR (a.from_newest = 1 AND a.triggered <> m.triggered)
    """,
    # An event naming a transaction of another ledger references nothing in its own: the first check.
    "every ledgerable event and the transaction made of it name each other": """
        SELECT e.id, e.ledger_transaction_id, t.ledgerable_type, t.ledgerable_id
        FROM ledgerable_events e
        JOIN ledger_transactions t ON t.ledger_id = e.ledger_id AND t.id = e.ledger_transaction_id
        WHERE t.ledgerable_type IS DISTINCT FROM 'ledgerable_event' OR t.ledgerable_id IS DISTINCT FROM e.id
        UNION ALL
        SELECT t.ledgerable_id, t.id, t.ledgerable_type, t.ledgerable_id FROM ledger_transactions t
        WHERE t.ledgerable_type = 'ledgerable_event' AND NOT EXISTS (
            SELECT 1 FROM ledgerable_events e
            WHERE e.ledger_id = t.ledger_id AND e.id = t.ledgerable_id AND e.ledger_transaction_id = t.id)
    """,
    "a category's stored ledger_account_count is the size of its closure": """
        SELECT c.id, c.ledger_account_count, count(x.ledger_account_id) AS reached
        FROM ledger_account_categories c
        LEFT JOIN ledger_account_category_closure x ON x.ledger_id = c.ledger_id AND x.ledger_account_category_id = c.id
        GROUP BY c.ledger_id, c.id HAVING c.ledger_account_count <> count(x.ledger_account_id)
    """,
    # Members of another ledger reference nothing in the membership's ledger: the first check.
    "category members share the category's currency": """
        SELECT c.id, a.id AS member_id FROM ledger_account_categories c
        JOIN ledger_account_category_accounts m ON m.ledger_id = c.ledger_id AND m.ledger_account_category_id = c.id
        JOIN ledger_accounts a ON a.ledger_id = c.ledger_id AND a.id = m.ledger_account_id
        WHERE (a.currency, a.currency_exponent) <> (c.currency, c.currency_exponent)
        UNION ALL
        SELECT c.id, n.id FROM ledger_account_categories c
        JOIN ledger_account_category_categories m
            ON m.ledger_id = c.ledger_id AND m.parent_ledger_account_category_id = c.id
        JOIN ledger_account_categories n ON n.ledger_id = c.ledger_id AND n.id = m.ledger_account_category_id
        WHERE (n.currency, n.currency_exponent) <> (c.currency, c.currency_exponent)
    """,
}

# The checks over the category walk, each run once per ledger that has categories ($1). The closure
# and path rows compared are the ledger's own, and of its categories (the category index finds
# them on one PostgreSQL, which has no ledger_id index on these tables); a row of a category of
# another ledger the first check names.
CATEGORY_CHECKS: dict[str, str] = {
    "category closures equal the recomputation from the direct memberships": f"""
        {CATEGORY_WALK}
        SELECT coalesce(r.ledger_account_category_id, c.ledger_account_category_id) AS id,
               coalesce(r.ledger_account_id, c.ledger_account_id) AS ledger_account_id,
               r.ledger_account_id IS NULL AS only_in_closure
        FROM (SELECT DISTINCT * FROM reached) r
        FULL JOIN (SELECT * FROM ledger_account_category_closure
                   WHERE ledger_id = $1 AND ledger_account_category_id IN (SELECT id FROM categories)) c
            ON c.ledger_account_category_id = r.ledger_account_category_id AND c.ledger_account_id = r.ledger_account_id
        WHERE r.ledger_account_id IS NULL OR c.ledger_account_id IS NULL
        UNION ALL
        SELECT coalesce(w.ancestor, p.ancestor_ledger_account_category_id),
               coalesce(w.descendant, p.descendant_ledger_account_category_id),
               w.ancestor IS NULL
        FROM (SELECT ancestor, descendant, min(depth) AS depth FROM walk GROUP BY 1, 2) w
        FULL JOIN (SELECT * FROM ledger_account_category_paths
                   WHERE ledger_id = $1 AND ancestor_ledger_account_category_id IN (SELECT id FROM categories)) p
            ON p.ancestor_ledger_account_category_id = w.ancestor
           AND p.descendant_ledger_account_category_id = w.descendant AND p.depth = w.depth
        WHERE w.ancestor IS NULL OR p.ancestor_ledger_account_category_id IS NULL
    """,
    "no category reaches an account or a category twice, or itself": f"""
        {CATEGORY_WALK}
        SELECT ledger_account_category_id AS id, ledger_account_id AS reached_id, count(*) AS paths
        FROM reached GROUP BY 1, 2 HAVING count(*) > 1
        UNION ALL
        SELECT ancestor, descendant, count(*) FROM walk GROUP BY 1, 2 HAVING count(*) > 1
    """,
    "category nesting stays within category_nesting_depth_max": f"""
        {CATEGORY_WALK}
        SELECT ancestor AS id, descendant, depth FROM walk WHERE depth > {limits.category_nesting_depth_max}
    """,
}


async def offenders(db: Any) -> dict[str, list[dict[str, Any]]]:
    """Check name -> up to OFFENDERS_MAX offending rows; empty lists when all hold."""
    found: dict[str, list[dict[str, Any]]] = {}
    async with db.acquire() as connection, connection.transaction(isolation="repeatable_read", readonly=True):
        # One snapshot for every check: a live database keeps writing while this runs.
        for name, sql in CHECKS.items():
            records = await connection.fetch(f"SELECT * FROM ({sql}) offenders LIMIT {OFFENDERS_MAX}")
            found[name] = [dict(r) for r in records]
        found.update({name: [] for name in CATEGORY_CHECKS})
        ledgers = [
            r["ledger_id"] for r in await connection.fetch("SELECT DISTINCT ledger_id FROM ledger_account_categories")
        ]
        for name, sql in CATEGORY_CHECKS.items():
            statement = await connection.prepare(f"SELECT * FROM ({sql}) offenders LIMIT {OFFENDERS_MAX}")
            for ledger in ledgers:
                if len(found[name]) >= OFFENDERS_MAX:
                    break
                found[name] += [dict(r) for r in await statement.fetch(ledger)][: OFFENDERS_MAX - len(found[name])]
    return found
