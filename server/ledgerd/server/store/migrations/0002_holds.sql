-- Holds: card authorizations, each backed by one pending ledger transaction that holds `amount`.

CREATE TABLE holds (
    id                              uuid PRIMARY KEY,
    ledger_id                       uuid NOT NULL REFERENCES ledgers (id),
    ledger_account_id               uuid NOT NULL REFERENCES ledger_accounts (id),
    counter_ledger_account_id       uuid NOT NULL REFERENCES ledger_accounts (id),
    amount                          bigint NOT NULL CONSTRAINT holds_amount_nonnegative CHECK (amount >= 0),
    captured_amount                 bigint NOT NULL CONSTRAINT holds_captured_amount_nonnegative CHECK (captured_amount >= 0),
    currency                        text NOT NULL,
    status                          text NOT NULL CONSTRAINT holds_status_known CHECK (status IN ('pending', 'captured', 'released', 'expired')),
    external_id                     text,
    expires_at                      timestamptz,
    ledger_transaction_id           uuid NOT NULL CONSTRAINT holds_ledger_transaction_unique UNIQUE REFERENCES ledger_transactions (id),
    capture_ledger_transaction_ids  uuid[] NOT NULL,  -- oldest first
    available_balance_floor         bigint NOT NULL,
    metadata                        jsonb NOT NULL,
    request_fingerprint             bytea NOT NULL,
    created_at                      timestamptz NOT NULL,
    updated_at                      timestamptz NOT NULL,
    -- A pending hold holds something; a final one holds nothing.
    CONSTRAINT holds_amount_iff_pending CHECK ((status = 'pending') = (amount > 0)),
    CONSTRAINT holds_accounts_differ CHECK (ledger_account_id <> counter_ledger_account_id)
);
CREATE UNIQUE INDEX holds_external_id_unique ON holds (ledger_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX holds_ledger_account_id ON holds (ledger_account_id, id);
CREATE INDEX holds_ledger_id ON holds (ledger_id, id);
-- What the expirer scans: pending holds by expiry.
CREATE INDEX holds_pending_expires_at ON holds (expires_at) WHERE status = 'pending' AND expires_at IS NOT NULL;
