-- The layout of ledgerd on a Citus coordinator (docs/scaling.md), applied once by
-- store/distribution.py after the migrations, in one transaction. Every ledger table is distributed
-- by ledger_id (ledgers by id) and colocated with ledgers, so all of a ledger's rows are on one
-- worker; organizations and API keys, small and read by every call, are reference tables (a copy
-- on every node). Citus requires every unique key to hold the distribution column and every foreign
-- key between distributed tables to join on it: the keys get ledger_id first, and the foreign keys
-- between ledger tables are dropped (`ledgerd verify` checks those references, as it does on one
-- PostgreSQL for the hot tables, 0006_write_path.sql).

-- Foreign keys between ledger tables (those to organizations, a reference table, stay).
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT conrelid::regclass AS t, conname FROM pg_constraint
           WHERE contype = 'f' AND connamespace = 'public'::regnamespace AND confrelid <> 'organizations'::regclass
  LOOP EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.t, r.conname); END LOOP;
END $$;
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_pkey, ADD PRIMARY KEY (ledger_id, id);
ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_pkey, ADD PRIMARY KEY (ledger_id, id);
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_pkey, ADD PRIMARY KEY (ledger_id, id);
ALTER TABLE ledger_account_versions DROP CONSTRAINT ledger_account_versions_pkey, ADD PRIMARY KEY (ledger_id, ledger_account_id, lock_version);
-- Keys stored before migration 0014 name no ledger and cannot be placed: replays of requests that
-- old are not kept (docs/scaling.md). On Citus a key is unique per ledger and organization.
DELETE FROM idempotency_keys WHERE ledger_id IS NULL;
ALTER TABLE idempotency_keys ALTER COLUMN ledger_id SET NOT NULL, DROP CONSTRAINT idempotency_keys_pkey, ADD PRIMARY KEY (ledger_id, organization_id, idempotency_key);
ALTER TABLE holds DROP CONSTRAINT holds_pkey, ADD PRIMARY KEY (ledger_id, id), DROP CONSTRAINT holds_ledger_transaction_unique, ADD UNIQUE (ledger_id, ledger_transaction_id);
ALTER TABLE ledger_event_handlers DROP CONSTRAINT ledger_event_handlers_pkey, ADD PRIMARY KEY (ledger_id, id);
ALTER TABLE ledgerable_events DROP CONSTRAINT ledgerable_events_pkey, ADD PRIMARY KEY (ledger_id, id), DROP CONSTRAINT ledgerable_events_one_per_transaction, ADD UNIQUE (ledger_id, ledger_transaction_id);
ALTER TABLE ledger_account_categories DROP CONSTRAINT ledger_account_categories_pkey, ADD PRIMARY KEY (ledger_id, id);
ALTER TABLE ledger_account_category_accounts DROP CONSTRAINT ledger_account_category_accounts_pkey, ADD PRIMARY KEY (ledger_id, ledger_account_category_id, ledger_account_id);
ALTER TABLE ledger_account_category_categories DROP CONSTRAINT ledger_account_category_categories_pkey, ADD PRIMARY KEY (ledger_id, parent_ledger_account_category_id, ledger_account_category_id);
ALTER TABLE ledger_account_category_paths DROP CONSTRAINT ledger_account_category_paths_pkey, ADD PRIMARY KEY (ledger_id, ancestor_ledger_account_category_id, descendant_ledger_account_category_id);
ALTER TABLE ledger_account_category_closure DROP CONSTRAINT ledger_account_category_closure_pkey, ADD PRIMARY KEY (ledger_id, ledger_account_category_id, ledger_account_id);
ALTER TABLE ledger_transaction_versions DROP CONSTRAINT ledger_transaction_versions_pkey, ADD PRIMARY KEY (ledger_id, ledger_transaction_id, version);
ALTER TABLE ledger_account_balance_monitors DROP CONSTRAINT ledger_account_balance_monitors_pkey, ADD PRIMARY KEY (ledger_id, id);
ALTER TABLE ledger_account_balance_monitor_alerts DROP CONSTRAINT ledger_account_balance_monitor_alerts_pkey, ADD PRIMARY KEY (ledger_id, id),
  DROP CONSTRAINT ledger_account_balance_monitor_alerts_once, ADD UNIQUE (ledger_id, ledger_account_balance_monitor_id, ledger_account_lock_version);
-- Partial unique indexes that lacked the ledger.
DROP INDEX ledger_transactions_one_live_reversal;
CREATE UNIQUE INDEX ledger_transactions_one_live_reversal ON ledger_transactions (ledger_id, reverses_ledger_transaction_id) WHERE reverses_ledger_transaction_id IS NOT NULL AND status <> 'archived';
DROP INDEX ledger_transactions_ledgerable;
CREATE UNIQUE INDEX ledger_transactions_ledgerable ON ledger_transactions (ledger_id, ledgerable_type, ledgerable_id) WHERE ledgerable_id IS NOT NULL;
-- Audit events recorded before migration 0014 name no ledger and cannot be placed either; the
-- append-only trigger is lifted for this one removal, which docs/scaling.md tells to export first.
ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
DELETE FROM audit_events WHERE ledger_id IS NULL;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only;
ALTER TABLE audit_events ALTER COLUMN ledger_id SET NOT NULL, DROP CONSTRAINT audit_events_pkey, ADD PRIMARY KEY (ledger_id, id);
-- The deleted-membership records (0008) are not kept on Citus: the trigger would run on the
-- shard, on a worker, where the coordinator's ledgerd_deleted_rows does not exist, and so refuse
-- every membership removal. They serve only the sync, which does not run on Citus yet
-- (docs/scaling.md); to do with it: a table of them placed by ledger.
DROP TRIGGER ledger_account_category_accounts_deleted ON ledger_account_category_accounts;
DROP TRIGGER ledger_account_category_categories_deleted ON ledger_account_category_categories;
-- Triggers on distributed tables (the audit trail's append-only ones) run on the shards: allowed
-- by citus.enable_unsafe_triggers, set for this transaction.
SELECT create_reference_table('organizations');
SELECT create_reference_table('api_keys');
-- Read by every batch write, which runs on a worker: a copy on every node (docs/scaling.md on
-- watching).
SELECT create_reference_table('ledgerd_balance_listeners');
SELECT create_distributed_table('ledgers', 'id');
SELECT create_distributed_table(t, 'ledger_id', colocate_with => 'ledgers') FROM unnest(ARRAY[
 'ledger_accounts','ledger_transactions','ledger_entries','ledger_account_versions','idempotency_keys','holds',
 'ledger_event_handlers','ledgerable_events','ledger_account_categories','ledger_account_category_accounts',
 'ledger_account_category_categories','ledger_account_category_paths','ledger_account_category_closure',
 'ledger_transaction_versions','ledger_account_balance_monitors','ledger_account_balance_monitor_alerts','audit_events']) t;
