"""The checks of `ledgerd verify`: each query returns the offenders of one invariant of
docs/design.md ("Invariants"), recomputed from the entries (the stored balances are never trusted
here)."""

from __future__ import annotations

from typing import Any

from ledgerd.server.domain import limits

OFFENDERS_MAX = 20

# Every path of the category graph recomputed from the direct memberships, one row per path (so a
# diamond shows twice); the depth bound, beyond any legal depth, stops at a cycle.
CATEGORY_WALK = f"""
    WITH RECURSIVE walk (ancestor, descendant, depth) AS (
        SELECT id, id, 0 FROM ledger_account_categories
        UNION ALL
        SELECT w.ancestor, m.ledger_account_category_id, w.depth + 1
        FROM walk w JOIN ledger_account_category_categories m ON m.parent_ledger_account_category_id = w.descendant
        WHERE w.depth <= {limits.category_nesting_depth_max + 1}
    ), reached (ledger_account_category_id, ledger_account_id) AS (
        SELECT w.ancestor, a.ledger_account_id
        FROM walk w JOIN ledger_account_category_accounts a ON a.ledger_account_category_id = w.descendant
    )
"""

CHECKS: dict[str, str] = {
    # The hot tables keep no foreign keys (0006_write_path.sql): their references are checked here.
    "every row references rows that exist": """
        SELECT 'ledger_transactions' AS rows, t.id::text AS id FROM ledger_transactions t
        WHERE NOT EXISTS (SELECT 1 FROM ledgers l WHERE l.id = t.ledger_id)
        UNION ALL
        SELECT 'ledger_entries', e.id::text FROM ledger_entries e
        WHERE NOT EXISTS (SELECT 1 FROM ledger_transactions t WHERE t.id = e.ledger_transaction_id)
           OR NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = e.ledger_account_id)
        UNION ALL
        SELECT 'ledger_account_versions', v.ledger_account_id || '/' || v.lock_version FROM ledger_account_versions v
        WHERE NOT EXISTS (SELECT 1 FROM ledger_transactions t WHERE t.id = v.ledger_transaction_id)
           OR NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = v.ledger_account_id)
        UNION ALL
        SELECT 'ledger_transaction_versions', v.ledger_transaction_id || '/' || v.version
        FROM ledger_transaction_versions v
        WHERE NOT EXISTS (SELECT 1 FROM ledger_transactions t WHERE t.id = v.ledger_transaction_id)
        UNION ALL
        SELECT 'holds', h.id::text FROM holds h
        WHERE NOT EXISTS (SELECT 1 FROM ledger_transactions t
                          WHERE t.id = h.ledger_transaction_id AND t.ledger_id = h.ledger_id)
           OR NOT EXISTS (SELECT 1 FROM ledger_accounts a
                          WHERE a.id = h.ledger_account_id AND a.ledger_id = h.ledger_id)
           OR NOT EXISTS (SELECT 1 FROM ledger_accounts a
                          WHERE a.id = h.counter_ledger_account_id AND a.ledger_id = h.ledger_id)
    """,
    # docs/scaling.md: every row of a ledger names its ledger (migration 0014), the key a distributed
    # PostgreSQL places it by; here, the one of the row it belongs to.
    "every row names the ledger of the row it belongs to": """
        SELECT 'ledger_entries' AS rows, e.id::text AS id FROM ledger_entries e
        JOIN ledger_transactions t ON t.id = e.ledger_transaction_id
        JOIN ledger_accounts a ON a.id = e.ledger_account_id
        WHERE e.ledger_id <> t.ledger_id OR e.ledger_id <> a.ledger_id
        UNION ALL
        SELECT 'ledger_account_versions', v.ledger_account_id || '/' || v.lock_version FROM ledger_account_versions v
        JOIN ledger_accounts a ON a.id = v.ledger_account_id WHERE v.ledger_id <> a.ledger_id
        UNION ALL
        SELECT 'ledger_transaction_versions', v.ledger_transaction_id || '/' || v.version
        FROM ledger_transaction_versions v
        JOIN ledger_transactions t ON t.id = v.ledger_transaction_id WHERE v.ledger_id <> t.ledger_id
        UNION ALL
        SELECT 'ledger_account_balance_monitors', m.id::text FROM ledger_account_balance_monitors m
        JOIN ledger_accounts a ON a.id = m.ledger_account_id WHERE m.ledger_id <> a.ledger_id
        UNION ALL
        SELECT 'ledger_account_balance_monitor_alerts', m.id::text FROM ledger_account_balance_monitor_alerts m
        JOIN ledger_accounts a ON a.id = m.ledger_account_id WHERE m.ledger_id <> a.ledger_id
        UNION ALL
        SELECT 'ledger_account_category_accounts', m.ledger_account_category_id || '/' || m.ledger_account_id
        FROM ledger_account_category_accounts m
        JOIN ledger_account_categories c ON c.id = m.ledger_account_category_id WHERE m.ledger_id <> c.ledger_id
        UNION ALL
        SELECT 'ledger_account_category_categories',
            m.parent_ledger_account_category_id || '/' || m.ledger_account_category_id
        FROM ledger_account_category_categories m
        JOIN ledger_account_categories c ON c.id = m.ledger_account_category_id WHERE m.ledger_id <> c.ledger_id
        UNION ALL
        SELECT 'ledger_account_category_paths',
            p.ancestor_ledger_account_category_id || '/' || p.descendant_ledger_account_category_id
        FROM ledger_account_category_paths p
        JOIN ledger_account_categories c ON c.id = p.descendant_ledger_account_category_id
        WHERE p.ledger_id <> c.ledger_id
        UNION ALL
        SELECT 'ledger_account_category_closure', m.ledger_account_category_id || '/' || m.ledger_account_id
        FROM ledger_account_category_closure m
        JOIN ledger_accounts a ON a.id = m.ledger_account_id WHERE m.ledger_id <> a.ledger_id
    """,
    # docs/audit.md: no effect without its record.
    "every transaction has its audit event": """
        SELECT t.id::text AS id FROM ledger_transactions t
        WHERE NOT EXISTS (SELECT 1 FROM (SELECT unnest(a.resource_ids) AS id FROM audit_events a) r WHERE r.id = t.id)
    """,
    "every transaction balances per currency": """
        SELECT e.ledger_transaction_id AS id, a.currency,
               sum(CASE e.direction WHEN 'debit' THEN e.amount::numeric ELSE -e.amount::numeric END) AS difference
        FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.ledger_account_id
        WHERE e.discarded_at IS NULL
        GROUP BY e.ledger_transaction_id, a.currency
        HAVING sum(CASE e.direction WHEN 'debit' THEN e.amount::numeric ELSE -e.amount::numeric END) <> 0
    """,
    "every transaction has a debit and a credit entry": """
        SELECT t.id FROM ledger_transactions t
        LEFT JOIN ledger_entries e ON e.ledger_transaction_id = t.id AND e.discarded_at IS NULL
        GROUP BY t.id
        HAVING count(*) FILTER (WHERE e.direction = 'debit') = 0 OR count(*) FILTER (WHERE e.direction = 'credit') = 0
    """,
    "entries touch accounts of their transaction's ledger": """
        SELECT e.id, e.ledger_transaction_id FROM ledger_entries e
        JOIN ledger_transactions t ON t.id = e.ledger_transaction_id
        JOIN ledger_accounts a ON a.id = e.ledger_account_id
        WHERE a.ledger_id <> t.ledger_id
    """,
    "stored balances equal the sums of the entries": """
        WITH sums AS (
            SELECT e.ledger_account_id AS id,
                coalesce(sum(e.amount::numeric) FILTER (WHERE t.status = 'posted' AND e.direction = 'credit'), 0)
                    AS posted_credits,
                coalesce(sum(e.amount::numeric) FILTER (WHERE t.status = 'posted' AND e.direction = 'debit'), 0)
                    AS posted_debits,
                coalesce(sum(e.amount::numeric) FILTER (WHERE t.status = 'pending' AND e.direction = 'credit'), 0)
                    AS pending_credits,
                coalesce(sum(e.amount::numeric) FILTER (WHERE t.status = 'pending' AND e.direction = 'debit'), 0)
                    AS pending_debits
            FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.ledger_transaction_id
            WHERE e.discarded_at IS NULL
            GROUP BY e.ledger_account_id
        )
        SELECT a.id, a.posted_credits, a.posted_debits, a.pending_credits, a.pending_debits,
               coalesce(s.posted_credits, 0) AS recomputed_posted_credits,
               coalesce(s.posted_debits, 0) AS recomputed_posted_debits,
               coalesce(s.pending_credits, 0) AS recomputed_pending_credits,
               coalesce(s.pending_debits, 0) AS recomputed_pending_debits
        FROM ledger_accounts a LEFT JOIN sums s ON s.id = a.id
        WHERE (a.posted_credits, a.posted_debits, a.pending_credits, a.pending_debits)
           IS DISTINCT FROM (coalesce(s.posted_credits, 0), coalesce(s.posted_debits, 0),
                             coalesce(s.pending_credits, 0), coalesce(s.pending_debits, 0))
    """,
    "lock_version equals the number of balance-changing transactions": """
        SELECT a.id, a.lock_version, count(v.lock_version) AS versions, max(v.lock_version) AS newest
        FROM ledger_accounts a LEFT JOIN ledger_account_versions v ON v.ledger_account_id = a.id
        GROUP BY a.id
        HAVING a.lock_version <> count(v.lock_version) OR a.lock_version <> coalesce(max(v.lock_version), 0)
    """,
    "the newest version of each account holds its stored balances": """
        SELECT a.id, a.lock_version FROM ledger_accounts a
        JOIN ledger_account_versions v ON v.ledger_account_id = a.id AND v.lock_version = a.lock_version
        WHERE (a.posted_credits, a.posted_debits, a.pending_credits, a.pending_debits)
           <> (v.posted_credits, v.posted_debits, v.pending_credits, v.pending_debits)
    """,
    "every version was made by a transaction that touches the account": """
        SELECT v.ledger_account_id AS id, v.lock_version, v.ledger_transaction_id FROM ledger_account_versions v
        WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.ledger_transaction_id = v.ledger_transaction_id
                                                          AND e.ledger_account_id = v.ledger_account_id)
    """,
    "entries record a version their account reached": """
        SELECT e.id, e.ledger_account_lock_version, a.lock_version FROM ledger_entries e
        JOIN ledger_accounts a ON a.id = e.ledger_account_id
        WHERE e.ledger_account_lock_version > a.lock_version
    """,
    "posted_at is set exactly on posted transactions": """
        SELECT id, status FROM ledger_transactions WHERE (status = 'posted') <> (posted_at IS NOT NULL)
    """,
    "a transaction has at most one reversal that is not archived": """
        SELECT reverses_ledger_transaction_id AS id, count(*) FROM ledger_transactions
        WHERE reverses_ledger_transaction_id IS NOT NULL AND status <> 'archived'
        GROUP BY reverses_ledger_transaction_id HAVING count(*) > 1
    """,
    "only posted transactions are reversed": """
        SELECT r.id, o.status
        FROM ledger_transactions r JOIN ledger_transactions o ON o.id = r.reverses_ledger_transaction_id
        WHERE o.status <> 'posted'
    """,
    "a pending hold holds exactly its amount in its pending transaction": """
        SELECT h.id, h.amount, t.status, coalesce(sum(e.amount), 0) AS held
        FROM holds h JOIN ledger_transactions t ON t.id = h.ledger_transaction_id
        LEFT JOIN ledger_entries e ON e.ledger_transaction_id = t.id AND e.ledger_account_id = h.ledger_account_id
                                  AND e.discarded_at IS NULL
        WHERE h.status = 'pending'
        GROUP BY h.id, h.amount, t.status
        HAVING t.status <> 'pending' OR coalesce(sum(e.amount), 0) <> h.amount
    """,
    "a final hold holds nothing any more": """
        SELECT h.id, h.status, t.status AS transaction_status
        FROM holds h JOIN ledger_transactions t ON t.id = h.ledger_transaction_id
        WHERE h.status <> 'pending' AND t.status = 'pending'
    """,
    "a hold's captured amount is what its captures posted": """
        SELECT h.id, h.captured_amount, coalesce(sum(e.amount), 0) AS posted
        FROM holds h
        LEFT JOIN LATERAL unnest(h.capture_ledger_transaction_ids) AS c (id) ON true
        LEFT JOIN ledger_transactions t ON t.id = c.id AND t.status = 'posted'
        LEFT JOIN ledger_entries e ON e.ledger_transaction_id = t.id AND e.ledger_account_id = h.ledger_account_id
                                  AND e.discarded_at IS NULL
        GROUP BY h.id HAVING h.captured_amount <> coalesce(sum(e.amount), 0)
    """,
    "a transaction's versions run from 0 without a gap, the newest being its current state": """
        WITH counted AS (
            SELECT v.ledger_transaction_id AS id, count(*) AS versions, max(v.version) AS newest
            FROM ledger_transaction_versions v GROUP BY v.ledger_transaction_id
        ), newest AS (
            SELECT DISTINCT ON (v.ledger_transaction_id) v.ledger_transaction_id AS id,
                   v.status, v.description, v.effective_at, v.metadata, v.ledger_entries
            FROM ledger_transaction_versions v ORDER BY v.ledger_transaction_id, v.version DESC
        ), snapshots AS (
            SELECT e.ledger_transaction_id AS id, jsonb_agg(ledgerd_entry_json(e) ORDER BY e.id) AS ledger_entries
            FROM ledger_entries e WHERE e.discarded_at IS NULL GROUP BY e.ledger_transaction_id
        )
        SELECT t.id, c.versions, c.newest
        FROM ledger_transactions t
        LEFT JOIN counted c ON c.id = t.id
        LEFT JOIN newest n ON n.id = t.id
        LEFT JOIN snapshots s ON s.id = t.id
        WHERE c.id IS NULL OR c.newest <> c.versions - 1
           OR (n.status, n.description, n.effective_at, n.metadata, n.ledger_entries)
              IS DISTINCT FROM (t.status, t.description, t.effective_at, t.metadata,
                                coalesce(s.ledger_entries, '[]'::jsonb))
    """,
    "a partial post posts part of a pending transaction of its ledger": """
        SELECT p.id, o.ledger_id, p.ledger_id AS partial_ledger_id, p.status
        FROM ledger_transactions p JOIN ledger_transactions o ON o.id = p.partially_posts_ledger_transaction_id
        WHERE p.status <> 'posted' OR o.ledger_id <> p.ledger_id
    """,
    "a monitor's alerts alternate and end in its current state": """
        SELECT m.id, m.triggered, a.triggered AS alert_triggered, a.ledger_account_lock_version
        FROM ledger_account_balance_monitors m
        JOIN LATERAL (
            SELECT x.triggered, x.ledger_account_lock_version,
                   lag(x.triggered) OVER (ORDER BY x.ledger_account_lock_version) AS previous,
                   row_number() OVER (ORDER BY x.ledger_account_lock_version DESC) AS from_newest
            FROM ledger_account_balance_monitor_alerts x WHERE x.ledger_account_balance_monitor_id = m.id
        ) a ON true
        WHERE a.previous IS NOT DISTINCT FROM a.triggered OR (a.from_newest = 1 AND a.triggered <> m.triggered)
    """,
    "every ledgerable event and the transaction made of it name each other": """
        SELECT e.id, e.ledger_transaction_id, t.ledgerable_type, t.ledgerable_id
        FROM ledgerable_events e JOIN ledger_transactions t ON t.id = e.ledger_transaction_id
        WHERE t.ledgerable_type IS DISTINCT FROM 'ledgerable_event' OR t.ledgerable_id IS DISTINCT FROM e.id
           OR t.ledger_id <> e.ledger_id
        UNION ALL
        SELECT t.ledgerable_id, t.id, t.ledgerable_type, t.ledgerable_id FROM ledger_transactions t
        WHERE t.ledgerable_type = 'ledgerable_event' AND NOT EXISTS (
            SELECT 1 FROM ledgerable_events e WHERE e.id = t.ledgerable_id AND e.ledger_transaction_id = t.id)
    """,
    "category closures equal the recomputation from the direct memberships": f"""
        {CATEGORY_WALK}
        SELECT coalesce(r.ledger_account_category_id, c.ledger_account_category_id) AS id,
               coalesce(r.ledger_account_id, c.ledger_account_id) AS ledger_account_id,
               r.ledger_account_id IS NULL AS only_in_closure
        FROM (SELECT DISTINCT * FROM reached) r
        FULL JOIN ledger_account_category_closure c
            ON c.ledger_account_category_id = r.ledger_account_category_id AND c.ledger_account_id = r.ledger_account_id
        WHERE r.ledger_account_id IS NULL OR c.ledger_account_id IS NULL
        UNION ALL
        SELECT coalesce(w.ancestor, p.ancestor_ledger_account_category_id),
               coalesce(w.descendant, p.descendant_ledger_account_category_id),
               w.ancestor IS NULL
        FROM (SELECT ancestor, descendant, min(depth) AS depth FROM walk GROUP BY 1, 2) w
        FULL JOIN ledger_account_category_paths p
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
    "a category's stored ledger_account_count is the size of its closure": """
        SELECT c.id, c.ledger_account_count, count(x.ledger_account_id) AS reached
        FROM ledger_account_categories c
        LEFT JOIN ledger_account_category_closure x ON x.ledger_account_category_id = c.id
        GROUP BY c.id HAVING c.ledger_account_count <> count(x.ledger_account_id)
    """,
    "category members share the category's ledger and currency": """
        SELECT c.id, a.id AS member_id FROM ledger_account_categories c
        JOIN ledger_account_category_accounts m ON m.ledger_account_category_id = c.id
        JOIN ledger_accounts a ON a.id = m.ledger_account_id
        WHERE (a.ledger_id, a.currency, a.currency_exponent) <> (c.ledger_id, c.currency, c.currency_exponent)
        UNION ALL
        SELECT c.id, n.id FROM ledger_account_categories c
        JOIN ledger_account_category_categories m ON m.parent_ledger_account_category_id = c.id
        JOIN ledger_account_categories n ON n.id = m.ledger_account_category_id
        WHERE (n.ledger_id, n.currency, n.currency_exponent) <> (c.ledger_id, c.currency, c.currency_exponent)
    """,
}


async def offenders(db: Any) -> dict[str, list[dict[str, Any]]]:
    """Check name -> up to OFFENDERS_MAX offending rows; empty lists when all hold."""
    found = {}
    async with db.acquire() as connection, connection.transaction(isolation="repeatable_read", readonly=True):
        # One snapshot for every check: a live database keeps writing while this runs.
        for name, sql in CHECKS.items():
            records = await connection.fetch(f"SELECT * FROM ({sql}) offenders LIMIT {OFFENDERS_MAX}")
            found[name] = [dict(r) for r in records]
    return found
