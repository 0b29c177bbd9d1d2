-- Event handlers and ledgerable events (EventService): stored templates that turn single-entry
-- business events into ledger transactions, the events, and the link from a transaction to what
-- it was made from.

CREATE TABLE ledger_event_handlers (
    id                           uuid PRIMARY KEY,
    ledger_id                    uuid NOT NULL REFERENCES ledgers (id),
    name                         text NOT NULL,
    description                  text NOT NULL,
    -- The one condition, as columns so that matching is an index lookup.
    condition_field              text NOT NULL CONSTRAINT ledger_event_handlers_condition_field_path CHECK (condition_field LIKE 'ledgerable_event.%'),
    condition_operator           text NOT NULL CONSTRAINT ledger_event_handlers_condition_operator_known CHECK (condition_operator = 'equals'),
    condition_value              text NOT NULL,
    -- As sent (the seeds' JSON shape); never changed after creation.
    variables                    jsonb NOT NULL,
    ledger_transaction_template  jsonb NOT NULL,
    metadata                     jsonb NOT NULL,
    created_at                   timestamptz NOT NULL,
    updated_at                   timestamptz NOT NULL,
    disabled_at                  timestamptz
);
-- Matching an event: (ledger, field, value) pairs of the event against the enabled handlers. Also
-- the database half of "two enabled handlers of a ledger never have the same condition".
CREATE UNIQUE INDEX ledger_event_handlers_one_enabled_per_condition
    ON ledger_event_handlers (ledger_id, condition_field, condition_value)
    WHERE disabled_at IS NULL;
CREATE INDEX ledger_event_handlers_ledger_id ON ledger_event_handlers (ledger_id, id);
CREATE INDEX ledger_event_handlers_metadata ON ledger_event_handlers USING gin (metadata jsonb_path_ops);

CREATE TABLE ledgerable_events (
    id                       uuid PRIMARY KEY,
    ledger_id                uuid NOT NULL REFERENCES ledgers (id),
    name                     text NOT NULL,
    description              text NOT NULL,
    custom_data              jsonb NOT NULL CONSTRAINT ledgerable_events_custom_data_object CHECK (jsonb_typeof(custom_data) = 'object'),
    metadata                 jsonb NOT NULL,
    ledger_event_handler_id  uuid NOT NULL REFERENCES ledger_event_handlers (id),
    -- Written in the same database transaction as the event: one transaction per event.
    ledger_transaction_id    uuid NOT NULL CONSTRAINT ledgerable_events_one_per_transaction UNIQUE REFERENCES ledger_transactions (id),
    created_at               timestamptz NOT NULL
);
CREATE INDEX ledgerable_events_ledger_id ON ledgerable_events (ledger_id, id);

ALTER TABLE ledger_transactions
    ADD COLUMN ledgerable_type text CONSTRAINT ledger_transactions_ledgerable_type_known CHECK (ledgerable_type = 'ledgerable_event'),
    ADD COLUMN ledgerable_id uuid,
    ADD CONSTRAINT ledger_transactions_ledgerable_both_or_neither CHECK ((ledgerable_type IS NULL) = (ledgerable_id IS NULL));
CREATE UNIQUE INDEX ledger_transactions_ledgerable ON ledger_transactions (ledgerable_type, ledgerable_id)
    WHERE ledgerable_id IS NOT NULL;

-- Variables found by name (metadata queries use ledger_accounts_metadata, GIN, of 0001; id the key).
CREATE INDEX ledger_accounts_name ON ledger_accounts (ledger_id, name);

-- Variables are found through ledger_accounts_metadata on every event. With fastupdate, GIN keeps
-- new entries in a pending list that every search reads in full until the next vacuum: after
-- 60,000 new accounts a lookup took 5.5 ms instead of 0.1 ms. Accounts are created far less
-- often than events are posted, so each insert updates the index itself.
ALTER INDEX ledger_accounts_metadata SET (fastupdate = off);
