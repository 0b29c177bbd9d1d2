-- The totals of ledgerd_totals_as_of (0014_ledger_keys.sql) for accounts of one ledger, named
-- first. The ledger-less function selects entries by account alone, which on Citus is a read of
-- every shard; this one names its ledger on every table, so its statement is one on the ledger's
-- shard, and store/distribution.py makes it a distributed function routed by `ledger`: a call
-- that is its statement's whole (outside a transaction block) runs on the ledger's worker
-- (docs/scaling.md). The categories' balances as of a time read through it.
-- plpgsql, not sql: a sql function may be inlined into the calling query, and Citus delegates
-- only a call it sees (as ledgerd_feed_horizon, 0015_feed_horizon.sql).
CREATE FUNCTION ledgerd_ledger_totals_as_of(ledger uuid, account_ids uuid[], bound timestamptz, inclusive boolean)
RETURNS TABLE (ledger_account_id uuid, posted_credits numeric, posted_debits numeric,
               pending_credits numeric, pending_debits numeric)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT e.ledger_account_id,
        coalesce(sum(e.amount) FILTER (WHERE t.status = 'posted' AND e.direction = 'credit'), 0),
        coalesce(sum(e.amount) FILTER (WHERE t.status = 'posted' AND e.direction = 'debit'), 0),
        coalesce(sum(e.amount) FILTER (WHERE t.status = 'pending' AND e.direction = 'credit'), 0),
        coalesce(sum(e.amount) FILTER (WHERE t.status = 'pending' AND e.direction = 'debit'), 0)
    FROM ledger_entries e JOIN ledger_transactions t ON t.ledger_id = e.ledger_id AND t.id = e.ledger_transaction_id
    WHERE e.ledger_id = ledger AND t.ledger_id = ledger
      AND e.ledger_account_id = ANY (account_ids) AND e.discarded_at IS NULL AND t.status <> 'archived'
      AND (t.effective_at < bound OR (inclusive AND t.effective_at = bound))
    GROUP BY e.ledger_account_id;
END
$$;
