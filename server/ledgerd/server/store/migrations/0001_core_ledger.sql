-- The core ledger: organizations and API keys, ledgers, ledger accounts with stored balances,
-- ledger transactions and entries, the per-account version history, idempotency keys.
-- Invariants live here too: every CHECK below is the database half of a domain assertion.

CREATE TABLE organizations (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CONSTRAINT organizations_name_unique UNIQUE,
    created_at  timestamptz NOT NULL
);

CREATE TABLE api_keys (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    key_hash         bytea NOT NULL CONSTRAINT api_keys_key_hash_unique UNIQUE,
    created_at       timestamptz NOT NULL,
    revoked_at       timestamptz
);

CREATE TABLE ledgers (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    name             text NOT NULL,
    description      text NOT NULL,
    metadata         jsonb NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX ledgers_organization_id ON ledgers (organization_id, id);
CREATE INDEX ledgers_metadata ON ledgers USING gin (metadata jsonb_path_ops);

CREATE TABLE ledger_accounts (
    id                 uuid PRIMARY KEY,
    ledger_id          uuid NOT NULL REFERENCES ledgers (id),
    name               text NOT NULL,
    description        text NOT NULL,
    normal_balance     text NOT NULL CONSTRAINT ledger_accounts_normal_balance_known CHECK (normal_balance IN ('credit', 'debit')),
    currency           text NOT NULL CONSTRAINT ledger_accounts_currency_format CHECK (currency ~ '^[A-Z0-9_]{1,16}$'),
    currency_exponent  smallint NOT NULL CONSTRAINT ledger_accounts_currency_exponent_range CHECK (currency_exponent BETWEEN 0 AND 18),
    metadata           jsonb NOT NULL,
    -- Posted totals, and totals of entries of pending transactions only.
    posted_credits     bigint NOT NULL CONSTRAINT ledger_accounts_posted_credits_nonnegative CHECK (posted_credits >= 0),
    posted_debits      bigint NOT NULL CONSTRAINT ledger_accounts_posted_debits_nonnegative CHECK (posted_debits >= 0),
    pending_credits    bigint NOT NULL CONSTRAINT ledger_accounts_pending_credits_nonnegative CHECK (pending_credits >= 0),
    pending_debits     bigint NOT NULL CONSTRAINT ledger_accounts_pending_debits_nonnegative CHECK (pending_debits >= 0),
    lock_version       bigint NOT NULL CONSTRAINT ledger_accounts_lock_version_nonnegative CHECK (lock_version >= 0),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    -- The pending view's credits and debits must fit int64 as well.
    CONSTRAINT ledger_accounts_pending_credits_fit CHECK (posted_credits <= 9223372036854775807 - pending_credits),
    CONSTRAINT ledger_accounts_pending_debits_fit CHECK (posted_debits <= 9223372036854775807 - pending_debits)
);
CREATE INDEX ledger_accounts_ledger_id ON ledger_accounts (ledger_id, id);
CREATE INDEX ledger_accounts_metadata ON ledger_accounts USING gin (metadata jsonb_path_ops);

CREATE TABLE ledger_transactions (
    id                              uuid PRIMARY KEY,
    ledger_id                       uuid NOT NULL REFERENCES ledgers (id),
    description                     text NOT NULL,
    status                          text NOT NULL CONSTRAINT ledger_transactions_status_known CHECK (status IN ('pending', 'posted', 'archived')),
    external_id                     text,
    effective_at                    timestamptz NOT NULL,
    posted_at                       timestamptz,
    metadata                        jsonb NOT NULL,
    reverses_ledger_transaction_id  uuid REFERENCES ledger_transactions (id),
    -- What the creating request said (sans idempotency key): a retry with the same external_id
    -- and this fingerprint is a replay; with another, a conflict.
    request_fingerprint             bytea NOT NULL,
    created_at                      timestamptz NOT NULL,
    updated_at                      timestamptz NOT NULL,
    CONSTRAINT ledger_transactions_posted_at_iff_posted CHECK ((status = 'posted') = (posted_at IS NOT NULL)),
    CONSTRAINT ledger_transactions_not_self_reversing CHECK (reverses_ledger_transaction_id <> id)
);
CREATE UNIQUE INDEX ledger_transactions_external_id_unique
    ON ledger_transactions (ledger_id, external_id)
    WHERE external_id IS NOT NULL AND status <> 'archived';
CREATE UNIQUE INDEX ledger_transactions_one_live_reversal
    ON ledger_transactions (reverses_ledger_transaction_id)
    WHERE reverses_ledger_transaction_id IS NOT NULL AND status <> 'archived';
CREATE INDEX ledger_transactions_ledger_id ON ledger_transactions (ledger_id, id);
CREATE INDEX ledger_transactions_effective_at ON ledger_transactions (ledger_id, effective_at);
CREATE INDEX ledger_transactions_metadata ON ledger_transactions USING gin (metadata jsonb_path_ops);

CREATE TABLE ledger_entries (
    id                           uuid PRIMARY KEY,
    ledger_transaction_id        uuid NOT NULL REFERENCES ledger_transactions (id),
    ledger_account_id            uuid NOT NULL REFERENCES ledger_accounts (id),
    direction                    text NOT NULL CONSTRAINT ledger_entries_direction_known CHECK (direction IN ('credit', 'debit')),
    amount                       bigint NOT NULL CONSTRAINT ledger_entries_amount_positive CHECK (amount > 0),
    -- The account's lock_version right after this entry was written; with the account id it
    -- names the row of ledger_account_versions holding the resulting balances.
    ledger_account_lock_version  bigint NOT NULL CONSTRAINT ledger_entries_lock_version_nonnegative CHECK (ledger_account_lock_version >= 0),
    metadata                     jsonb NOT NULL,
    created_at                   timestamptz NOT NULL,
    -- Set when an update of the pending transaction replaced its entries.
    discarded_at                 timestamptz
);
CREATE INDEX ledger_entries_ledger_transaction_id ON ledger_entries (ledger_transaction_id);
CREATE INDEX ledger_entries_ledger_account_id ON ledger_entries (ledger_account_id, id);

-- One row per balance-changing transaction applied to an account: its balances right after.
-- lock_version equals the number of these rows, and the newest equals the stored balances.
CREATE TABLE ledger_account_versions (
    ledger_account_id      uuid NOT NULL REFERENCES ledger_accounts (id),
    lock_version           bigint NOT NULL CONSTRAINT ledger_account_versions_lock_version_positive CHECK (lock_version > 0),
    ledger_transaction_id  uuid NOT NULL REFERENCES ledger_transactions (id),
    posted_credits         bigint NOT NULL,
    posted_debits          bigint NOT NULL,
    pending_credits        bigint NOT NULL,
    pending_debits         bigint NOT NULL,
    created_at             timestamptz NOT NULL,
    PRIMARY KEY (ledger_account_id, lock_version)
);

CREATE TABLE idempotency_keys (
    organization_id      uuid NOT NULL REFERENCES organizations (id),
    idempotency_key      text NOT NULL,
    request_fingerprint  bytea NOT NULL,
    response             bytea NOT NULL,
    created_at           timestamptz NOT NULL,
    PRIMARY KEY (organization_id, idempotency_key)
);

-- Takes a transaction-scoped advisory lock per account of the organization, in one global order
-- (the lock key: the random last 64 bits of the id), so concurrent writers never deadlock; then reads the accounts, after the
-- locks, so the balances seen are the latest committed ones. Foreign ids are neither locked nor
-- returned.
CREATE FUNCTION ledgerd_lock_ledger_accounts(organization uuid, account_ids uuid[])
RETURNS SETOF ledger_accounts
LANGUAGE plpgsql AS $$
DECLARE
    lock_key bigint;
BEGIN
    FOR lock_key IN
        SELECT DISTINCT ('x' || right(replace(a.id::text, '-', ''), 16))::bit(64)::bigint
        FROM ledger_accounts a JOIN ledgers l ON l.id = a.ledger_id
        WHERE a.id = ANY (account_ids) AND l.organization_id = organization
        ORDER BY 1
    LOOP
        PERFORM pg_advisory_xact_lock(lock_key);
    END LOOP;
    RETURN QUERY
        SELECT a.* FROM ledger_accounts a JOIN ledgers l ON l.id = a.ledger_id
        WHERE a.id = ANY (account_ids) AND l.organization_id = organization;
END;
$$;
