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
# A method name in an audit filter (gRPC's full names, or an HTTP method and path).
audit_method_length_max = 512
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
# The ledgers of the accounts, holds and transactions a process remembers, so that its reads by id
# name their ledger (store/placement.py): ~150 bytes each, ~40 MB at most; the oldest are forgotten.
placed_ids_max = 262_144
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
# Nesting of a JSON value (custom_data, a variable's query value): objects and lists within one
# another. Deeper ones are refused at validation; past about 30 levels, protobuf's decoder itself
# refuses the request (and the server answers INVALID_ARGUMENT too, interceptors/decoding.py).
json_depth_max = 16
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

# Errors: the field violations one INVALID_ARGUMENT lists (the others are counted), the bytes of an
# error's google.rpc.Status (trailer grpc-status-details-bin, sent base64: 4/3 of it) and of its
# message (also sent as grpc-message, percent-encoded: up to 3 times it), together within gRPC's
# default 8 KiB limit on the metadata a client accepts.
field_violations_max = 20
error_details_bytes_max = 3000
error_message_bytes_max = 1000
# The wait RetryInfo advises before retrying UNAVAILABLE (the database) or RESOURCE_EXHAUSTED.
retry_delay_seconds = 0.5

# Admission (interceptors/admission.py, core/coalescer.py): calls being served at once by one
# process, and writes waiting for a batch. Past either the answer is RESOURCE_EXHAUSTED at once,
# with a RetryInfo, rather than a queue that grows until every caller's deadline has passed.
# 2,000 unary PlaceHolds in flight measured p99 ~1.7 s on the 2-core machines; 1,000 keeps the
# wait under a second. A stream or a PlaceHoldBatch is one call carrying many writes, hence the
# second bound: two full PlaceHoldBatch calls may wait (or the harness's batch mode, 8 calls of
# 1,000, twice over); a write is ~2 KB queued, so the queue stays under ~40 MB.
calls_in_flight_max = 1000
writes_queued_max = 2 * holds_per_place_batch_max
# gRPC core's own queue of calls not yet handed to the application (its default, 1,000, answers
# CANCELLED past it): set above calls_in_flight_max so that ledgerd's admission answers first.
grpc_pending_calls_max = 4 * calls_in_flight_max
# Graceful shutdown (SIGTERM): calls in flight get this long to finish; the rest are cancelled. Then
# the pool gets this long to close before its connections are cut: a process exits within the sum.
shutdown_grace_seconds = 10.0
pool_close_seconds = 5.0
# Within the grace: the server stops only once no call has arrived for this long (every refused
# caller pausing as its RetryInfo asked), since gRPC cancels the calls it holds unstarted at the stop.
shutdown_quiet_seconds = 0.25

# The embedded PostgreSQL (store/embedded.py): starts tried before giving up, and the pause between.
embedded_start_attempts_max = 5
embedded_start_retry_seconds = 1.0

page_size_default = 25
page_size_max = 1000

# Balance watching and monitors.
watched_accounts_max = 1000
# Versions read per query when a watcher catches up; it reads again until it has them all.
watch_versions_per_read_max = 1000
balance_monitors_per_account_max = 10
# How often a watcher reads even without a notification: the bound on what a lost one delays.
watch_poll_interval_seconds = 5.0

# The change feed of ledger transactions (WatchLedgerTransactions): versions read per query, and
# how often a watcher looks for newly committed ones (the feed polls: docs/change-feed.md).
transaction_feed_versions_per_read_max = 500
transaction_feed_poll_interval_seconds = 0.2

# `ledgerd sync`: rows per warehouse transaction (--rows-per-transaction): what a killed run redoes
# at most, per table.
sync_rows_per_transaction_default = 10_000
sync_rows_per_transaction_max = 1_000_000

# HTTP (`serve --http-address`): the largest request body accepted (413 beyond it); a batch of
# entries_per_transaction_max entries with full metadata fits well within it.
http_body_bytes_max = 4 * 1024 * 1024
# A body strict JSON refuses is read as JSON5 (hand-written bodies: trailing commas) only up to this
# size: the JSON5 parser is pure Python, so a larger one would cost a core for nothing.
http_lenient_body_bytes_max = 64 * 1024
# `ledgerd export`: rows brought by each fetch of its server-side cursor (what a CSV export holds
# at a time), and rows per Parquet row group (what a Parquet export holds at a time, as Arrow
# columns; a multiple of the fetch, so every row group but the last is full).
export_rows_per_fetch = 10_000
export_rows_per_row_group = 100_000

# GET /metrics: how often each process samples its pool's connections.
metrics_pool_sample_interval_seconds = 1.0
# API keys (docs/security.md). A verified key is trusted this long without asking the database again:
# the bound on how long a revoked key still works on a running server (the promise is 5 s), and the
# period at which a process writes the keys' "last used" times.
api_key_cache_seconds = 4.0
api_key_cache_entries_max = 10_000
ledgers_per_api_key_max = 100
api_key_expires_in_seconds_max = 10 * 365 * 24 * 3600
# Which ledger an object belongs to never changes, so a key confined to ledgers checks each id once
# per process (the ids' ledgers are the ledger map's, placed_ids_max); the organizations of this
# many ledgers are remembered beside them (all forgotten when full).
ledger_scope_ledgers_max = 100_000
