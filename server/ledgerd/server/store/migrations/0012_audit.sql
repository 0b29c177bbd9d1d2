-- The audit trail (docs/audit.md): one row for every accepted API call that changed something,
-- written in the same database transaction as its effect. Append-only.

CREATE TABLE audit_events (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL,
    -- NULL for the rows that record what existed before the audit trail did (below).
    api_key_id       uuid,
    -- The full gRPC method name, or the HTTP method and path.
    method           text NOT NULL CONSTRAINT audit_events_method_not_empty CHECK (method <> ''),
    -- The ids of what the call created or changed (ledger transactions, holds, accounts, ...).
    resource_ids     uuid[] NOT NULL,
    created_at       timestamptz NOT NULL
);

-- ListAuditEvents pages an organization's events by id (ids are time-ordered), optionally by key.
CREATE INDEX audit_events_organization ON audit_events (organization_id, id);
CREATE INDEX audit_events_api_key ON audit_events (organization_id, api_key_id, id);

CREATE FUNCTION ledgerd_audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION ledgerd_audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerd_audit_events_append_only();

-- Transactions written before this migration have no caller to record: one event per ledger
-- says so, so that `ledgerd verify` finds every transaction audited.
INSERT INTO audit_events (id, organization_id, api_key_id, method, resource_ids, created_at)
SELECT gen_random_uuid(), l.organization_id, NULL, 'before the audit trail (migration 0012)',
       array_agg(t.id ORDER BY t.id), now()
FROM ledger_transactions t JOIN ledgers l ON l.id = t.ledger_id
GROUP BY l.id, l.organization_id;
