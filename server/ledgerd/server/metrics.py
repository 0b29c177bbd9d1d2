"""The server's Prometheus metrics: every family is prefixed `ledgerd_` (docs/operations.md,
"Metrics"), served by GET /metrics (http/metrics.py).

They are off until `enable()`. `serve --http-address` turns them on, since nothing could read them
otherwise; while they are off, each hook below returns at once. With `serve --workers N` the
supervisor gives the workers one PROMETHEUS_MULTIPROC_DIR, a fresh folder for each `serve`. Each
process writes its values into its own files there, and /metrics, in whichever process answers,
adds them all up (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import asyncpg
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess

from ledgerd.server.domain import limits

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"

# One process's own families only: no python_* or process_* families beside ledgerd_'s.
REGISTRY = CollectorRegistry(auto_describe=True)

_SECONDS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

rpc_duration_seconds = Histogram(
    "ledgerd_rpc_duration_seconds",
    "gRPC calls by full method name and status code, from arrival to the answer (a stream: to its end); "
    "_count is the number of calls",
    ["method", "code"],
    buckets=_SECONDS,
    registry=REGISTRY,
)
batch_writes = Histogram(
    "ledgerd_batch_writes",
    "Writes per group-commit batch (writes_per_batch_max at most)",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, limits.writes_per_batch_max),
    registry=REGISTRY,
)
batch_queue_wait_seconds = Histogram(
    "ledgerd_batch_queue_wait_seconds",
    "How long the oldest write of each group-commit batch waited in the queue before the batch started",
    buckets=_SECONDS,
    registry=REGISTRY,
)
batch_write_seconds = Histogram(
    "ledgerd_batch_write_seconds",
    "The ledgerd_write_batch call of each batch that wrote: it takes the batch's locks, writes and commits, "
    "so it bounds the lock window",
    buckets=_SECONDS,
    registry=REGISTRY,
)
pool_connections = Gauge(
    "ledgerd_pool_connections",
    "Database connections of the server's pools by state (in_use, idle), sampled every second",
    ["state"],
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
hold_decisions = Counter(
    "ledgerd_hold_decisions",
    "PlaceHold and IncreaseHold decisions made (stored answers replayed are not counted), by decision and "
    "decline reason",
    ["decision", "reason"],
    registry=REGISTRY,
)
hold_expiry_lag_seconds = Gauge(
    "ledgerd_hold_expiry_lag_seconds",
    "How far past its expires_at the most overdue pending hold was when the expirer's latest round began "
    "(0: none was due)",
    multiprocess_mode="mostrecent",
    registry=REGISTRY,
)
watchers = Gauge(
    "ledgerd_watchers",
    "Watch streams open, by feed (balances: WatchBalances; ledger_transactions: WatchLedgerTransactions)",
    ["feed"],
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
database_errors = Counter(
    "ledgerd_database_errors",
    "Calls that failed on a database error, by its kind (the asyncpg exception's name)",
    ["error"],
    registry=REGISTRY,
)

_enabled = False
# Enqueue time of each write waiting in the group-commit queue (only while enabled).
_queued: dict[Any, float] = {}
# Labelled children, looked up once: .labels() takes a lock and builds a key on every call.
_rpc_children: dict[tuple[str, str], Any] = {}
_decision_children: dict[tuple[Any, Any], Any] = {}


def enable() -> None:
    global _enabled
    _enabled = True


def enabled() -> bool:
    return _enabled


def exposition() -> bytes:
    """The Prometheus text of every process of this server (all workers in multiprocess mode)."""
    if os.environ.get(MULTIPROCESS_DIRECTORY):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def rpc_finished(method: str, code: str, seconds: float) -> None:
    child = _rpc_children.get((method, code))
    if child is None:
        child = _rpc_children[(method, code)] = rpc_duration_seconds.labels(method, code)
    child.observe(seconds)


def write_queued(future: Any) -> None:
    if _enabled:
        _queued[future] = time.perf_counter()


def batch_started(futures: Iterable[Any]) -> None:
    """A batch of the queued writes' `futures` starts: its size, and how long its oldest write
    (the first: the queue keeps arrival order) waited. Once per batch, not per write: a
    PlaceHoldBatch call queues thousands of writes at once."""
    if not _enabled:
        return
    now = time.perf_counter()
    count = 0
    oldest: float | None = None
    for future in futures:
        count += 1
        queued = _queued.pop(future, None)
        if oldest is None:
            oldest = queued
    if oldest is not None:
        batch_queue_wait_seconds.observe(now - oldest)
    batch_writes.observe(count)


def batch_decided(outcomes: Sequence[Any]) -> None:
    """Counts the hold decisions among a batch's outcomes (answers that carry a `decision`), one
    increment per kind and batch."""
    if not _enabled:
        return
    counted: dict[tuple[Any, Any], int] = {}
    for outcome in outcomes:
        decision = getattr(outcome, "decision", None)
        if decision is not None:
            kind = (decision, outcome.decline_reason)
            counted[kind] = counted.get(kind, 0) + 1
    for (decision, reason), count in counted.items():
        child = _decision_children.get((decision, reason))
        if child is None:
            child = hold_decisions.labels(decision.value, reason.value if reason is not None else "")
            _decision_children[(decision, reason)] = child
        child.inc(count)


def batch_written(seconds: float) -> None:
    if _enabled:
        batch_write_seconds.observe(seconds)


def hold_expiry_lag(seconds: float) -> None:
    if _enabled:
        hold_expiry_lag_seconds.set(max(seconds, 0.0))


def database_error(error: BaseException) -> None:
    if _enabled:
        database_errors.labels(type(error).__name__).inc()


@contextmanager
def watching(feed: str) -> Iterator[None]:
    """Counts a watch stream as open while inside."""
    if not _enabled:
        yield
        return
    gauge = watchers.labels(feed)
    gauge.inc()
    try:
        yield
    finally:
        gauge.dec()


async def sample_pool(pool: asyncpg.Pool) -> None:
    """Sets the pool gauges every metrics_pool_sample_interval_seconds, until cancelled."""
    in_use, idle = pool_connections.labels("in_use"), pool_connections.labels("idle")
    while True:
        size, free = pool.get_size(), pool.get_idle_size()
        in_use.set(size - free)
        idle.set(free)
        await asyncio.sleep(limits.metrics_pool_sample_interval_seconds)
