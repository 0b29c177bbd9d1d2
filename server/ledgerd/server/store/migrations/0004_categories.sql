-- Ledger account categories: named aggregations of accounts and of other categories, and the
-- closures that make a category's balances one indexed read (never an aggregate kept on the write
-- path: that would put every wallet write on one category row).
--
-- The graph of categories and accounts is a multitree: between any two nodes there is at most one
-- path, so every account a category reaches is counted once, and no category reaches itself. The
-- closures below therefore hold one row per (ancestor, descendant) pair, and a membership change
-- adds or removes exactly the pairs whose one path runs through the changed edge. Membership
-- changes of a ledger are serialised by an advisory lock (store/categories.py); balance writes
-- never read these tables.

CREATE TABLE ledger_account_categories (
    id                 uuid PRIMARY KEY,
    ledger_id          uuid NOT NULL REFERENCES ledgers (id),
    name               text NOT NULL,
    description        text NOT NULL,
    normal_balance     text NOT NULL CONSTRAINT ledger_account_categories_normal_balance_known CHECK (normal_balance IN ('credit', 'debit')),
    currency           text NOT NULL CONSTRAINT ledger_account_categories_currency_format CHECK (currency ~ '^[A-Z0-9_]{1,16}$'),
    currency_exponent  smallint NOT NULL CONSTRAINT ledger_account_categories_currency_exponent_range CHECK (currency_exponent BETWEEN 0 AND 18),
    metadata           jsonb NOT NULL,
    -- How many accounts it reaches: kept by the membership changes (never by balance writes), so
    -- the size limit is checked without counting the closure.
    ledger_account_count  bigint NOT NULL CONSTRAINT ledger_account_categories_ledger_account_count_nonnegative CHECK (ledger_account_count >= 0),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX ledger_account_categories_ledger_id ON ledger_account_categories (ledger_id, id);
CREATE INDEX ledger_account_categories_metadata ON ledger_account_categories USING gin (metadata jsonb_path_ops);

-- Direct memberships: an account in a category.
CREATE TABLE ledger_account_category_accounts (
    ledger_account_category_id  uuid NOT NULL REFERENCES ledger_account_categories (id),
    ledger_account_id           uuid NOT NULL REFERENCES ledger_accounts (id),
    created_at                  timestamptz NOT NULL,
    PRIMARY KEY (ledger_account_category_id, ledger_account_id)
);
CREATE INDEX ledger_account_category_accounts_ledger_account_id
    ON ledger_account_category_accounts (ledger_account_id);

-- Direct memberships: a category nested in another.
CREATE TABLE ledger_account_category_categories (
    parent_ledger_account_category_id  uuid NOT NULL REFERENCES ledger_account_categories (id),
    ledger_account_category_id         uuid NOT NULL REFERENCES ledger_account_categories (id),
    created_at                         timestamptz NOT NULL,
    PRIMARY KEY (parent_ledger_account_category_id, ledger_account_category_id),
    CONSTRAINT ledger_account_category_categories_not_self CHECK (parent_ledger_account_category_id <> ledger_account_category_id)
);
CREATE INDEX ledger_account_category_categories_child
    ON ledger_account_category_categories (ledger_account_category_id);

-- Category closure: every (ancestor, descendant) pair of categories, self pairs included (depth
-- 0), with the length of the one path between them.
CREATE TABLE ledger_account_category_paths (
    ancestor_ledger_account_category_id    uuid NOT NULL REFERENCES ledger_account_categories (id),
    descendant_ledger_account_category_id  uuid NOT NULL REFERENCES ledger_account_categories (id),
    depth                                  smallint NOT NULL CONSTRAINT ledger_account_category_paths_depth_nonnegative CHECK (depth >= 0),
    PRIMARY KEY (ancestor_ledger_account_category_id, descendant_ledger_account_category_id),
    CONSTRAINT ledger_account_category_paths_self_iff_depth_zero
        CHECK ((ancestor_ledger_account_category_id = descendant_ledger_account_category_id) = (depth = 0))
);
CREATE INDEX ledger_account_category_paths_descendant
    ON ledger_account_category_paths (descendant_ledger_account_category_id, ancestor_ledger_account_category_id);

-- Account closure: every account a category reaches, directly or through nested categories. The
-- primary key is the database half of "each account counted once"; the index on the account
-- answers "which categories reach this account".
CREATE TABLE ledger_account_category_closure (
    ledger_account_category_id  uuid NOT NULL REFERENCES ledger_account_categories (id),
    ledger_account_id           uuid NOT NULL REFERENCES ledger_accounts (id),
    PRIMARY KEY (ledger_account_category_id, ledger_account_id)
);
CREATE INDEX ledger_account_category_closure_ledger_account_id
    ON ledger_account_category_closure (ledger_account_id, ledger_account_category_id);

-- The totals of the given accounts counting only the entries (not discarded, of transactions
-- that are not archived) whose transaction is effective before `bound`, or at it when
-- `inclusive`; each transaction's current status decides posted or pending. Numeric sums: the
-- caller checks the int64 range. Accounts without such entries have no row.
CREATE FUNCTION ledgerd_totals_as_of(account_ids uuid[], bound timestamptz, inclusive boolean)
RETURNS TABLE (ledger_account_id uuid, posted_credits numeric, posted_debits numeric,
               pending_credits numeric, pending_debits numeric)
LANGUAGE sql STABLE AS $$
    SELECT e.ledger_account_id,
        coalesce(sum(e.amount) FILTER (WHERE t.status = 'posted' AND e.direction = 'credit'), 0),
        coalesce(sum(e.amount) FILTER (WHERE t.status = 'posted' AND e.direction = 'debit'), 0),
        coalesce(sum(e.amount) FILTER (WHERE t.status = 'pending' AND e.direction = 'credit'), 0),
        coalesce(sum(e.amount) FILTER (WHERE t.status = 'pending' AND e.direction = 'debit'), 0)
    FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.ledger_transaction_id
    WHERE e.ledger_account_id = ANY (account_ids) AND e.discarded_at IS NULL AND t.status <> 'archived'
      AND (t.effective_at < bound OR (inclusive AND t.effective_at = bound))
    GROUP BY e.ledger_account_id
$$;
