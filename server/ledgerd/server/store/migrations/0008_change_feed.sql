-- Getting data out (docs/change-feed.md): the change feed of ledger transactions
-- (WatchLedgerTransactions) and the push to a warehouse (`ledgerd sync`).

-- The database transaction that wrote each transaction version. Filled by the column's default:
-- ledgerd_write_batch (0006_write_path.sql), the only writer of this table, names its columns,
-- so the write path is unchanged. pg_current_xact_id() is the top-level transaction's id even
-- inside a subtransaction, and an xid8 never wraps. Versions written before this migration all
-- get the migration's own id (the table is rewritten once); among them the feed's order is the
-- (ledger_transaction_id, version) order.
ALTER TABLE ledger_transaction_versions ADD COLUMN xact_id xid8 NOT NULL DEFAULT pg_current_xact_id();

-- The feed reads versions in (xact_id, ledger_transaction_id, version) order from a cursor.
CREATE INDEX ledger_transaction_versions_xact_id
    ON ledger_transaction_versions (xact_id, ledger_transaction_id, version);

-- The 64-bit id of the transaction that wrote a row, from its 32-bit xmin: the most recent id at
-- or below `newest` with those low 32 bits. `newest` is the reading snapshot's xmax - 1, computed
-- once per statement by the caller (store/warehouse.py): exact for every row written within the
-- last 2^32 transactions, which is what the sync's marks compare it with (docs/change-feed.md).
-- Plain arithmetic, so it is inlined: a tenth of the cost per row of a function that reads the
-- snapshot itself (measured).
CREATE FUNCTION ledgerd_row_xact_id(row_xmin xid, newest bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT newest - ((newest - row_xmin::text::bigint) % 4294967296 + 4294967296) % 4294967296
$$;

-- Rows deleted from a synced table (the direct category memberships are the only ledger rows ever
-- deleted): the sync deletes them from the warehouse. Membership changes are not on the write
-- path; a row per removed membership.
CREATE TABLE ledgerd_deleted_rows (
    table_name  text NOT NULL,
    key         jsonb NOT NULL,
    deleted_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION ledgerd_record_deleted_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledgerd_deleted_rows (table_name, key) SELECT TG_TABLE_NAME, to_jsonb(d) FROM deleted d;
    RETURN NULL;
END;
$$;

CREATE TRIGGER ledger_account_category_accounts_deleted AFTER DELETE ON ledger_account_category_accounts
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION ledgerd_record_deleted_rows();
CREATE TRIGGER ledger_account_category_categories_deleted AFTER DELETE ON ledger_account_category_categories
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION ledgerd_record_deleted_rows();
