-- The change feed's horizon (docs/change-feed.md), asked of the node that writes the ledger's
-- versions. On one PostgreSQL that is the database itself. On Citus the batch write runs on the
-- ledger's worker, so the versions' xact_ids are that worker's transaction ids and only that
-- worker's snapshot bounds them: store/distribution.py makes this function distributed by its
-- ledger, and Citus runs a call on the worker that holds the ledger (docs/scaling.md).
-- plpgsql, not sql: a sql function may be inlined into the calling query, and Citus delegates
-- only a call it sees.
CREATE FUNCTION ledgerd_feed_horizon(ledger uuid) RETURNS xid8 LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN pg_snapshot_xmin(pg_current_snapshot());
END
$$;
