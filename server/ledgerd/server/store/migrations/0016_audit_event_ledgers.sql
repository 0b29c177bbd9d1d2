-- Audit events stored before migration 0014 name no ledger, yet `ledgerd verify` now finds a
-- transaction's audit event within its own ledger (the form Citus can run, docs/scaling.md). Their
-- ledger is the one of what they record: the first of their resources that is a ledger transaction,
-- an account, a hold or a ledger. Only ledger_id is filled, which 0014 added after they were
-- written; what they record is unchanged, so the append-only trigger is lifted for this statement
-- alone. On a Citus coordinator laid out by ledgerd there are none left (the layout deleted them):
-- the statement is run only when there are, as it joins across ledgers, which Citus cannot plan.
DO $$
BEGIN
    IF EXISTS (SELECT FROM audit_events WHERE ledger_id IS NULL) THEN
        ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
        EXECUTE $update$
            UPDATE audit_events a SET ledger_id = coalesce(
                (SELECT t.ledger_id FROM ledger_transactions t WHERE t.id = ANY (a.resource_ids) ORDER BY t.id LIMIT 1),
                (SELECT x.ledger_id FROM ledger_accounts x WHERE x.id = ANY (a.resource_ids) ORDER BY x.id LIMIT 1),
                (SELECT h.ledger_id FROM holds h WHERE h.id = ANY (a.resource_ids) ORDER BY h.id LIMIT 1),
                (SELECT l.id FROM ledgers l WHERE l.id = ANY (a.resource_ids) ORDER BY l.id LIMIT 1))
            WHERE a.ledger_id IS NULL
        $update$;
        ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only;
    END IF;
END
$$;
