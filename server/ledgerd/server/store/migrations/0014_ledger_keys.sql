-- Every row of a ledger names its ledger (docs/scaling.md): `ledger_id` is the key by which a
-- distributed PostgreSQL (Citus) places rows, so that all of one ledger's rows live on one node and
-- every write, which never spans ledgers, runs on that node alone. On one PostgreSQL the columns
-- cost 16 bytes a row and buy the same layout everywhere.

-- Rows of a transaction or an account: that one's ledger, and NOT NULL from now on.
ALTER TABLE ledger_entries ADD COLUMN ledger_id uuid;
UPDATE ledger_entries e SET ledger_id = t.ledger_id FROM ledger_transactions t WHERE t.id = e.ledger_transaction_id;
ALTER TABLE ledger_entries ALTER COLUMN ledger_id SET NOT NULL;

ALTER TABLE ledger_account_versions ADD COLUMN ledger_id uuid;
UPDATE ledger_account_versions v SET ledger_id = a.ledger_id FROM ledger_accounts a WHERE a.id = v.ledger_account_id;
ALTER TABLE ledger_account_versions ALTER COLUMN ledger_id SET NOT NULL;

ALTER TABLE ledger_transaction_versions ADD COLUMN ledger_id uuid;
UPDATE ledger_transaction_versions v SET ledger_id = t.ledger_id FROM ledger_transactions t WHERE t.id = v.ledger_transaction_id;
ALTER TABLE ledger_transaction_versions ALTER COLUMN ledger_id SET NOT NULL;

ALTER TABLE ledger_account_balance_monitors ADD COLUMN ledger_id uuid;
UPDATE ledger_account_balance_monitors m SET ledger_id = a.ledger_id FROM ledger_accounts a WHERE a.id = m.ledger_account_id;
ALTER TABLE ledger_account_balance_monitors ALTER COLUMN ledger_id SET NOT NULL;

ALTER TABLE ledger_account_balance_monitor_alerts ADD COLUMN ledger_id uuid;
UPDATE ledger_account_balance_monitor_alerts m SET ledger_id = a.ledger_id FROM ledger_accounts a WHERE a.id = m.ledger_account_id;
ALTER TABLE ledger_account_balance_monitor_alerts ALTER COLUMN ledger_id SET NOT NULL;

-- Category memberships and closures: the category's ledger (a category and everything it reaches
-- are of one ledger, core/categories.py).
ALTER TABLE ledger_account_category_accounts ADD COLUMN ledger_id uuid;
UPDATE ledger_account_category_accounts m SET ledger_id = c.ledger_id FROM ledger_account_categories c WHERE c.id = m.ledger_account_category_id;
ALTER TABLE ledger_account_category_accounts ALTER COLUMN ledger_id SET NOT NULL;

ALTER TABLE ledger_account_category_categories ADD COLUMN ledger_id uuid;
UPDATE ledger_account_category_categories m SET ledger_id = c.ledger_id FROM ledger_account_categories c WHERE c.id = m.ledger_account_category_id;
ALTER TABLE ledger_account_category_categories ALTER COLUMN ledger_id SET NOT NULL;

ALTER TABLE ledger_account_category_paths ADD COLUMN ledger_id uuid;
UPDATE ledger_account_category_paths p SET ledger_id = c.ledger_id FROM ledger_account_categories c WHERE c.id = p.ancestor_ledger_account_category_id;
ALTER TABLE ledger_account_category_paths ALTER COLUMN ledger_id SET NOT NULL;

ALTER TABLE ledger_account_category_closure ADD COLUMN ledger_id uuid;
UPDATE ledger_account_category_closure m SET ledger_id = c.ledger_id FROM ledger_account_categories c WHERE c.id = m.ledger_account_category_id;
ALTER TABLE ledger_account_category_closure ALTER COLUMN ledger_id SET NOT NULL;

-- Idempotency keys and audit events: the ledger of what the call created or changed. NULL only for
-- rows stored before this migration (nothing names their ledger) and, for audit events, for a
-- call that changed no ledger's rows.
ALTER TABLE idempotency_keys ADD COLUMN ledger_id uuid;
ALTER TABLE audit_events ADD COLUMN ledger_id uuid;

-- As in 0004_categories.sql, with entries joined to their transactions on the ledger too (on Citus,
-- tables join on their distribution column only).
CREATE OR REPLACE FUNCTION ledgerd_totals_as_of(account_ids uuid[], bound timestamptz, inclusive boolean)
RETURNS TABLE (ledger_account_id uuid, posted_credits numeric, posted_debits numeric,
               pending_credits numeric, pending_debits numeric)
LANGUAGE sql STABLE AS $$
    SELECT e.ledger_account_id,
        coalesce(sum(e.amount) FILTER (WHERE t.status = 'posted' AND e.direction = 'credit'), 0),
        coalesce(sum(e.amount) FILTER (WHERE t.status = 'posted' AND e.direction = 'debit'), 0),
        coalesce(sum(e.amount) FILTER (WHERE t.status = 'pending' AND e.direction = 'credit'), 0),
        coalesce(sum(e.amount) FILTER (WHERE t.status = 'pending' AND e.direction = 'debit'), 0)
    FROM ledger_entries e JOIN ledger_transactions t ON t.ledger_id = e.ledger_id AND t.id = e.ledger_transaction_id
    WHERE e.ledger_account_id = ANY (account_ids) AND e.discarded_at IS NULL AND t.status <> 'archived'
      AND (t.effective_at < bound OR (inclusive AND t.effective_at = bound))
    GROUP BY e.ledger_account_id
$$;

-- The batch write names its ledger (the argument a distributed PostgreSQL routes the call by),
-- fills every row's ledger_id, and writes the batch's audit events itself, so that the call is
-- the whole statement (a statement that wraps it cannot be sent whole to one node).
DROP FUNCTION ledgerd_write_batch(timestamptz, ledger_transactions[], ledger_transactions[], xid[], uuid[],
    ledger_entries[], ledgerd_account_change[], ledger_account_versions[], holds[], holds[], xid[],
    idempotency_keys[], ledger_account_balance_monitors[], ledger_account_balance_monitor_alerts[],
    ledgerable_events[]);

-- As in 0006_write_path.sql, but for the ledger argument, the ledger_id columns and the audit events;
-- every statement on a ledger table names the ledger, so that on Citus, where the call runs on the
-- ledger's worker, each is a statement on that worker's shard (docs/scaling.md).
CREATE FUNCTION ledgerd_write_batch(
    ledger                uuid,
    now                   timestamptz,
    new_transactions      ledger_transactions[],
    changed_transactions  ledger_transactions[],
    changed_transaction_xmins xid[],
    discarded_entries_of  uuid[],
    new_entries           ledger_entries[],
    account_changes       ledgerd_account_change[],
    new_versions          ledger_account_versions[],
    new_holds             holds[],
    changed_holds         holds[],
    changed_hold_xmins    xid[],
    new_idempotency_keys  idempotency_keys[],
    changed_monitors      ledger_account_balance_monitors[],
    new_alerts            ledger_account_balance_monitor_alerts[],
    new_ledgerable_events ledgerable_events[],
    new_audit_events      audit_events[]
) RETURNS SETOF ledgerd_account_base
LANGUAGE plpgsql AS $$
DECLARE
    lock_key  bigint;
    written   bigint;
    bases     ledgerd_account_base[];
    moved     CONSTANT text := 'ledgerd: a row the batch was decided against moved since it was read';
BEGIN
    -- The call writes one ledger's rows only: what lets a distributed PostgreSQL run it whole on
    -- the node that holds that ledger (docs/scaling.md). A row of another ledger is a programmer
    -- error, refused before anything is locked.
    IF EXISTS (SELECT 1 FROM unnest(new_transactions) t WHERE t.ledger_id <> ledger)
        OR EXISTS (SELECT 1 FROM unnest(changed_transactions) t WHERE t.ledger_id <> ledger)
        OR EXISTS (SELECT 1 FROM unnest(new_holds) h WHERE h.ledger_id <> ledger)
        OR EXISTS (SELECT 1 FROM unnest(changed_holds) h WHERE h.ledger_id <> ledger)
        OR EXISTS (SELECT 1 FROM unnest(new_idempotency_keys) k WHERE k.ledger_id IS DISTINCT FROM ledger)
        OR EXISTS (SELECT 1 FROM unnest(changed_monitors) m WHERE m.ledger_id <> ledger)
        OR EXISTS (SELECT 1 FROM unnest(new_alerts) a WHERE a.ledger_id <> ledger)
        OR EXISTS (SELECT 1 FROM unnest(new_ledgerable_events) e WHERE e.ledger_id <> ledger)
        OR EXISTS (SELECT 1 FROM unnest(new_audit_events) e WHERE e.ledger_id IS DISTINCT FROM ledger) THEN
        RAISE EXCEPTION 'ledgerd: a row of the batch is not of ledger %', ledger;
    END IF;

    -- Holds and transactions being changed: locked, then changed only as they were read (xmin is
    -- PostgreSQL's own row version: any update of the row changes it).
    IF cardinality(changed_holds) > 0 THEN
        PERFORM 1 FROM holds h WHERE h.ledger_id = ledger AND h.id IN (SELECT c.id FROM unnest(changed_holds) c)
            ORDER BY h.id FOR UPDATE;
        UPDATE holds h SET amount = c.amount, captured_amount = c.captured_amount, status = c.status,
            capture_ledger_transaction_ids = c.capture_ledger_transaction_ids, updated_at = c.updated_at
        FROM unnest(changed_holds) WITH ORDINALITY AS c
        JOIN unnest(changed_hold_xmins) WITH ORDINALITY AS x (row_version, n) ON x.n = c.ordinality
        WHERE h.ledger_id = ledger AND h.id = c.id AND h.xmin = x.row_version AND h.status = 'pending';
        GET DIAGNOSTICS written = ROW_COUNT;
        IF written <> cardinality(changed_holds) THEN
            RAISE EXCEPTION USING ERRCODE = 'serialization_failure', MESSAGE = moved;
        END IF;
    END IF;
    IF cardinality(changed_transactions) > 0 THEN
        PERFORM 1 FROM ledger_transactions t
        WHERE t.ledger_id = ledger AND t.id IN (SELECT c.id FROM unnest(changed_transactions) c)
            ORDER BY t.id FOR UPDATE;
        UPDATE ledger_transactions t SET status = c.status, posted_at = c.posted_at, description = c.description,
            metadata = c.metadata, effective_at = c.effective_at, updated_at = c.updated_at
        FROM unnest(changed_transactions) WITH ORDINALITY AS c
        JOIN unnest(changed_transaction_xmins) WITH ORDINALITY AS x (row_version, n) ON x.n = c.ordinality
        WHERE t.ledger_id = ledger AND t.id = c.id AND t.xmin = x.row_version AND t.status = 'pending';
        GET DIAGNOSTICS written = ROW_COUNT;
        IF written <> cardinality(changed_transactions) THEN
            RAISE EXCEPTION USING ERRCODE = 'serialization_failure', MESSAGE = moved;
        END IF;
    END IF;

    -- Guarded accounts: advisory locks in the global key order, so guarded writers of one account
    -- take turns (and never deadlock) and a waiting one finds the account as its holder left it.
    FOR lock_key IN
        SELECT DISTINCT ledgerd_lock_key(c.id) FROM unnest(account_changes) c
        WHERE c.expected_lock_version IS NOT NULL ORDER BY 1
    LOOP
        PERFORM pg_advisory_xact_lock(lock_key);
    END LOOP;

    -- Everything that needs no account row: written before the account rows are locked, so the
    -- window in which an unguarded (shared) account is locked is as short as it can be.
    INSERT INTO ledger_transactions SELECT * FROM unnest(new_transactions);
    IF cardinality(discarded_entries_of) > 0 THEN
        UPDATE ledger_entries SET discarded_at = now
        WHERE ledger_id = ledger AND ledger_transaction_id = ANY (discarded_entries_of) AND discarded_at IS NULL;
    END IF;
    INSERT INTO holds SELECT * FROM unnest(new_holds);
    IF cardinality(new_idempotency_keys) > 0 THEN
        INSERT INTO idempotency_keys SELECT * FROM unnest(new_idempotency_keys) ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS written = ROW_COUNT;
        IF written <> cardinality(new_idempotency_keys) THEN
            RAISE EXCEPTION USING ERRCODE = 'unique_violation',
                MESSAGE = 'ledgerd: another request stored one of the idempotency keys first';
        END IF;
    END IF;
    IF cardinality(new_ledgerable_events) > 0 THEN
        INSERT INTO ledgerable_events SELECT * FROM unnest(new_ledgerable_events);
    END IF;
    INSERT INTO audit_events SELECT * FROM unnest(new_audit_events);
    IF cardinality(changed_monitors) > 0 THEN
        -- An update of the flipped ones and an insert of the new ones rather than an upsert on the
        -- id: on Citus the monitors' key is (ledger_id, id) (store/citus_layout.sql). Monitor ids
        -- are made by the server, so no other call inserts one of these meanwhile.
        UPDATE ledger_account_balance_monitors m SET triggered = c.triggered, updated_at = c.updated_at,
            ledger_account_lock_version = c.ledger_account_lock_version
        FROM unnest(changed_monitors) c WHERE m.ledger_id = ledger AND m.id = c.id;
        INSERT INTO ledger_account_balance_monitors SELECT * FROM unnest(changed_monitors) c
        WHERE NOT EXISTS (SELECT 1 FROM ledger_account_balance_monitors m WHERE m.ledger_id = ledger AND m.id = c.id);
        INSERT INTO ledger_account_balance_monitor_alerts SELECT * FROM unnest(new_alerts);
    END IF;

    -- Every account row, locked in id order, then changed by its deltas: a guarded one only at the
    -- version its decisions read (the paired assertion of its advisory lock).
    PERFORM 1 FROM ledger_accounts a WHERE a.ledger_id = ledger AND a.id IN (SELECT c.id FROM unnest(account_changes) c)
        ORDER BY a.id FOR NO KEY UPDATE;
    WITH changed AS (
        UPDATE ledger_accounts a SET posted_credits = a.posted_credits + c.posted_credits,
            posted_debits = a.posted_debits + c.posted_debits, pending_credits = a.pending_credits + c.pending_credits,
            pending_debits = a.pending_debits + c.pending_debits, lock_version = a.lock_version + c.versions,
            updated_at = now
        FROM unnest(account_changes) c
        WHERE a.id = c.id AND a.ledger_id = ledger
            AND (c.expected_lock_version IS NULL OR a.lock_version = c.expected_lock_version)
        RETURNING ROW(a.id, a.lock_version - c.versions, a.posted_credits - c.posted_credits,
            a.posted_debits - c.posted_debits, a.pending_credits - c.pending_credits,
            a.pending_debits - c.pending_debits)::ledgerd_account_base AS base
    )
    SELECT coalesce(array_agg(base), '{}') INTO bases FROM changed;
    IF cardinality(bases) <> cardinality(account_changes) THEN
        RAISE EXCEPTION USING ERRCODE = 'serialization_failure', MESSAGE = moved;
    END IF;

    -- Entries and account versions at the real bases.
    INSERT INTO ledger_entries (id, ledger_transaction_id, ledger_account_id, direction, amount,
        ledger_account_lock_version, metadata, created_at, discarded_at, ledger_id)
    SELECT e.id, e.ledger_transaction_id, e.ledger_account_id, e.direction, e.amount,
        b.lock_version + e.ledger_account_lock_version, e.metadata, e.created_at, e.discarded_at, ledger
    FROM unnest(new_entries) e JOIN unnest(bases) b ON b.id = e.ledger_account_id;
    GET DIAGNOSTICS written = ROW_COUNT;
    IF written <> cardinality(new_entries) THEN
        RAISE EXCEPTION 'ledgerd: an entry of the batch names an account the batch does not change';
    END IF;
    INSERT INTO ledger_account_versions (ledger_account_id, lock_version, ledger_transaction_id, posted_credits,
        posted_debits, pending_credits, pending_debits, created_at, ledger_id)
    SELECT v.ledger_account_id, b.lock_version + v.lock_version, v.ledger_transaction_id,
        b.posted_credits + v.posted_credits, b.posted_debits + v.posted_debits,
        b.pending_credits + v.pending_credits, b.pending_debits + v.pending_debits, v.created_at, ledger
    FROM unnest(new_versions) v JOIN unnest(bases) b ON b.id = v.ledger_account_id;
    GET DIAGNOSTICS written = ROW_COUNT;
    IF written <> cardinality(new_versions) THEN
        RAISE EXCEPTION 'ledgerd: a version of the batch names an account the batch does not change';
    END IF;

    -- Transaction versions (0005_history.sql): version 0 for a new transaction, one more for a
    -- changed one; its entries as ledgerd_entry_json writes them, from this batch's entries where
    -- it has new ones, else as its previous version recorded them.
    INSERT INTO ledger_transaction_versions (ledger_transaction_id, version, description, status, external_id,
        effective_at, posted_at, metadata, ledger_entries, created_at, ledger_id)
    SELECT t.id, coalesce(previous.version + 1, 0), t.description, t.status, t.external_id, t.effective_at,
        t.posted_at, t.metadata, coalesce(fresh.entries, previous.ledger_entries, '[]'::jsonb), t.updated_at, ledger
    FROM (SELECT n.*, false AS changed FROM unnest(new_transactions) n
          UNION ALL SELECT c.*, true FROM unnest(changed_transactions) c) t
    LEFT JOIN (
        SELECT e.ledger_transaction_id, jsonb_agg(ledgerd_entry_json(ROW(e.id, e.ledger_transaction_id,
            e.ledger_account_id, e.direction, e.amount, b.lock_version + e.ledger_account_lock_version, e.metadata,
            e.created_at, e.discarded_at, ledger)::ledger_entries) ORDER BY e.id) AS entries
        FROM unnest(new_entries) e JOIN unnest(bases) b ON b.id = e.ledger_account_id
        WHERE e.discarded_at IS NULL
        GROUP BY e.ledger_transaction_id
    ) fresh ON fresh.ledger_transaction_id = t.id
    LEFT JOIN LATERAL (
        SELECT v.version, v.ledger_entries FROM ledger_transaction_versions v
        WHERE v.ledger_id = ledger AND v.ledger_transaction_id = t.id ORDER BY v.version DESC LIMIT 1
    ) previous ON t.changed;

    IF EXISTS (SELECT 1 FROM ledgerd_balance_listeners) AND cardinality(new_versions) > 0 THEN
        -- The accounts that moved, or none ("any") when the list would not fit a notification.
        PERFORM pg_notify('ledgerd_balances', CASE WHEN length(accounts) <= 7900 THEN accounts ELSE '' END)
        FROM (SELECT string_agg(DISTINCT v.ledger_account_id::text, ',') AS accounts FROM unnest(new_versions) v) n;
    END IF;
    RETURN QUERY SELECT * FROM unnest(bases);
END;
$$;

