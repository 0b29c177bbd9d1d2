"""Every limit ledgerd enforces, by name. Nothing is unbounded; proto comments quote these names."""

INT64_MAX = 2**63 - 1

amount_max = INT64_MAX
entries_per_transaction_min = 2
entries_per_transaction_max = 1000
transactions_per_batch_max = 100
balance_accounts_max = 1000

name_length_max = 255
description_length_max = 1000
external_id_length_max = 180
idempotency_key_length_max = 255
currency_length_max = 16
currency_exponent_max = 18

metadata_keys_max = 50
metadata_key_length_max = 100
metadata_value_length_max = 500

hold_timeout_seconds_max = 365 * 24 * 3600
# Requests of one PlaceHolds stream being decided at once; more wait (back-pressure).
holds_per_stream_in_flight_max = 1000
# PlaceHoldBatch: requests in one call (TigerBeetle's batch size, less its own header).
holds_per_place_batch_max = 8190
# Group commit: writes applied in one database transaction, and batches in flight at once (2
# measured best on the 2-core machines: more batches only contend for the same locks and cores).
writes_per_batch_max = 200
batches_in_flight_max = 2
# A batch is decided against a snapshot read without locks; when a row it read moved before its
# write, it is decided again, this many times at most, and then once more under the locks.
optimistic_write_attempts_max = 2
# The expirer: holds released per database transaction, and how often it looks.
holds_per_expiry_batch_max = 100
hold_expiry_interval_seconds = 1.0
# The background rounds (expirer and sweeper) run in one process per database, the holder of an
# advisory lock (core/exclusive.py); how often the others try to take it: the bound on a takeover.
background_lock_interval_seconds = hold_expiry_interval_seconds

# Event handlers: a template string, the variables of a handler, the custom data of an event (as
# JSON, and its values), and the compiled handlers a server process keeps.
template_text_length_max = 1000
variables_per_handler_max = 20
custom_data_bytes_max = 16 * 1024
custom_data_values_max = 200
compiled_handlers_cached_max = 10_000
# Categories (Modern Treasury's bounds, docs/modern-treasury.md: nesting depth at most 4, a root
# with no nested category being level 0; at most 1,000,000 accounts per category graph).
category_nesting_depth_max = 4
category_accounts_max = 1_000_000
category_parents_max = 100
# Entries of one account statement: a longer period is refused (ask for shorter ones).
statement_entries_max = 5000

# Idempotency keys: how long a stored response is kept, and how the sweeper removes older ones.
idempotency_key_retention_seconds = 24 * 3600
idempotency_keys_per_sweep_max = 1000
idempotency_sweep_interval_seconds = 60.0

# Planner statistics (core/statistics.py): a table is analyzed once the rows changed since its last
# ANALYZE pass statistics_rows_changed_min plus statistics_growth_factor times the rows it then had
# (autovacuum's own rule, with a scale factor of 1: a table that doubled), checked on an interval.
statistics_rows_changed_min = 500
statistics_growth_factor = 1.0
statistics_interval_seconds = 5.0

# `ledgerd serve`: server processes on one address (--workers; each is a whole server with its own
# pool, so N times --pool-size connections must fit the database's max_connections: the bound stops a
# typo, it is no tuning advice), and connections per process (--pool-size: the background lock or a
# watch feed keeps one out of the pool while held, and the calls need at least one more).
workers_max = 32
pool_size_min = 2
pool_size_max = 1000

page_size_default = 25
page_size_max = 1000

# Balance watching and monitors.
watched_accounts_max = 1000
# Versions read per query when a watcher catches up; it reads again until it has them all.
watch_versions_per_read_max = 1000
balance_monitors_per_account_max = 10
# How often a watcher reads even without a notification: the bound on what a lost one delays.
watch_poll_interval_seconds = 5.0

# API keys (docs/security.md). A verified key is trusted this long without asking the database again:
# the bound on how long a revoked key still works on a running server (the promise is 5 s), and the
# period at which a process writes the keys' "last used" times.
api_key_cache_seconds = 4.0
api_key_cache_entries_max = 10_000
ledgers_per_api_key_max = 100
api_key_expires_in_seconds_max = 10 * 365 * 24 * 3600
# Which ledger an object belongs to never changes, so a key confined to ledgers checks each id once
# per process; this many ids are remembered (the oldest half is forgotten when full).
ledger_scope_ids_max = 200_000
