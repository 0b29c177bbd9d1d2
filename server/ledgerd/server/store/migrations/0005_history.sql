-- History of the ledger: transaction versions, partial posts, entry queries by version and
-- metadata, balance watching, balance monitors.

-- A posted transaction made from part of a pending one (PartialPostLedgerTransaction).
ALTER TABLE ledger_transactions
    ADD COLUMN partially_posts_ledger_transaction_id uuid REFERENCES ledger_transactions (id);
CREATE INDEX ledger_transactions_partially_posts ON ledger_transactions (partially_posts_ledger_transaction_id)
    WHERE partially_posts_ledger_transaction_id IS NOT NULL;

-- Every state a transaction has had: version 0 as created, one more per change. Written by the
-- database itself (a trigger), so no write path can forget it.
CREATE TABLE ledger_transaction_versions (
    ledger_transaction_id  uuid NOT NULL REFERENCES ledger_transactions (id),
    version                bigint NOT NULL CONSTRAINT ledger_transaction_versions_version_nonnegative CHECK (version >= 0),
    description            text NOT NULL,
    status                 text NOT NULL,
    external_id            text,
    effective_at           timestamptz NOT NULL,
    posted_at              timestamptz,
    metadata               jsonb NOT NULL,
    -- The entries of that state: [{id, ledger_account_id, direction, amount, ledger_account_lock_version, metadata, created_at}].
    ledger_entries         jsonb NOT NULL,
    created_at             timestamptz NOT NULL,
    PRIMARY KEY (ledger_transaction_id, version)
);

-- An entry as a version records it; one definition, read one transaction at a time by the version
-- triggers (ledgerd_entries_snapshot) and all at once by `ledgerd verify`.
CREATE FUNCTION ledgerd_entry_json(e ledger_entries) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object(
        'id', e.id, 'ledger_account_id', e.ledger_account_id, 'direction', e.direction, 'amount', e.amount,
        'ledger_account_lock_version', e.ledger_account_lock_version, 'metadata', e.metadata,
        'created_at', e.created_at)
$$;

CREATE FUNCTION ledgerd_entries_snapshot(transaction_id uuid) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(ledgerd_entry_json(e) ORDER BY e.id), '[]'::jsonb)
    FROM ledger_entries e WHERE e.ledger_transaction_id = transaction_id AND e.discarded_at IS NULL
$$;

-- Statement-level AFTER triggers run when the whole write statement is done, so the snapshot sees
-- the entries written by the same statement; set-based, one call per statement (a row-level
-- trigger cost three to four times as much per transaction, measured). Updates of one transaction
-- are serialised by its row lock.
CREATE FUNCTION ledgerd_write_transaction_versions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_transaction_versions (ledger_transaction_id, version, description, status, external_id,
        effective_at, posted_at, metadata, ledger_entries, created_at)
    SELECT c.id, coalesce(previous.version + 1, 0), c.description, c.status, c.external_id, c.effective_at,
        c.posted_at, c.metadata, ledgerd_entries_snapshot(c.id), c.updated_at
    FROM changed c
    LEFT JOIN LATERAL (SELECT max(v.version) AS version FROM ledger_transaction_versions v
                       WHERE v.ledger_transaction_id = c.id) previous ON TG_OP = 'UPDATE';
    RETURN NULL;
END;
$$;

INSERT INTO ledger_transaction_versions (ledger_transaction_id, version, description, status, external_id,
    effective_at, posted_at, metadata, ledger_entries, created_at)
SELECT t.id, 0, t.description, t.status, t.external_id, t.effective_at, t.posted_at, t.metadata,
    ledgerd_entries_snapshot(t.id), t.updated_at
FROM ledger_transactions t;

CREATE TRIGGER ledger_transactions_inserted_versions AFTER INSERT ON ledger_transactions
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ledgerd_write_transaction_versions();
CREATE TRIGGER ledger_transactions_updated_versions AFTER UPDATE ON ledger_transactions
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ledgerd_write_transaction_versions();

-- What the idempotency key sweeper reads: keys by age.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- Entry history: an account's entries by version, and metadata queries. The tables written on the
-- hot path index only non-empty metadata: most of their rows have none, and a GIN insertion per
-- row was a measured few percent of the card-authorization rate (store.rows.metadata_contains
-- writes the matching clause).
CREATE INDEX ledger_entries_ledger_account_lock_version ON ledger_entries (ledger_account_id, ledger_account_lock_version);
CREATE INDEX ledger_entries_metadata ON ledger_entries USING gin (metadata jsonb_path_ops) WHERE metadata <> '{}'::jsonb;
CREATE INDEX holds_metadata ON holds USING gin (metadata jsonb_path_ops) WHERE metadata <> '{}'::jsonb;
DROP INDEX ledger_transactions_metadata;
CREATE INDEX ledger_transactions_metadata ON ledger_transactions USING gin (metadata jsonb_path_ops)
    WHERE metadata <> '{}'::jsonb;

-- Balance watching: after each commit that moved accounts, one notification naming them (or
-- naming none, meaning "any", when the list would not fit a notification's 8000 bytes).
CREATE FUNCTION ledgerd_notify_balances() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    accounts text;
BEGIN
    SELECT string_agg(DISTINCT n.ledger_account_id::text, ',') INTO accounts FROM new_versions n;
    IF accounts IS NOT NULL THEN
        PERFORM pg_notify('ledgerd_balances', CASE WHEN length(accounts) <= 7900 THEN accounts ELSE '' END);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER ledger_account_versions_notify AFTER INSERT ON ledger_account_versions
    REFERENCING NEW TABLE AS new_versions
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerd_notify_balances();

-- Balance monitors: a stored condition on one account's balances, evaluated by the write path at
-- every version of the account (under its lock), with an alert at every flip.
CREATE TABLE ledger_account_balance_monitors (
    id                           uuid PRIMARY KEY,
    ledger_account_id            uuid NOT NULL REFERENCES ledger_accounts (id),
    field                        text NOT NULL CONSTRAINT ledger_account_balance_monitors_field_known CHECK (field IN (
        'available_balance_amount', 'pending_balance_amount', 'posted_balance_amount', 'ledger_account_lock_version')),
    operator                     text NOT NULL CONSTRAINT ledger_account_balance_monitors_operator_known CHECK (operator IN (
        'less_than', 'less_than_or_equals', 'equals', 'greater_than_or_equals', 'greater_than')),
    value                        bigint NOT NULL,
    description                  text NOT NULL,
    metadata                     jsonb NOT NULL,
    -- Whether the condition held at ledger_account_lock_version, the last version evaluated.
    triggered                    boolean NOT NULL,
    ledger_account_lock_version  bigint NOT NULL,
    created_at                   timestamptz NOT NULL,
    updated_at                   timestamptz NOT NULL
);
CREATE INDEX ledger_account_balance_monitors_ledger_account_id ON ledger_account_balance_monitors (ledger_account_id, id);
CREATE INDEX ledger_account_balance_monitors_metadata ON ledger_account_balance_monitors USING gin (metadata jsonb_path_ops);

CREATE TABLE ledger_account_balance_monitor_alerts (
    id                                 uuid PRIMARY KEY,
    ledger_account_balance_monitor_id  uuid NOT NULL REFERENCES ledger_account_balance_monitors (id),
    ledger_account_id                  uuid NOT NULL REFERENCES ledger_accounts (id),
    -- true: the condition started to hold; false: it stopped (resolved).
    triggered                          boolean NOT NULL,
    ledger_account_lock_version        bigint NOT NULL,
    created_at                         timestamptz NOT NULL,
    CONSTRAINT ledger_account_balance_monitor_alerts_once UNIQUE (ledger_account_balance_monitor_id, ledger_account_lock_version)
);
CREATE INDEX ledger_account_balance_monitor_alerts_ledger_account
    ON ledger_account_balance_monitor_alerts (ledger_account_id, ledger_account_lock_version);
