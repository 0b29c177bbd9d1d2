"""The garbage collector's settings for a long-running process that serves many small calls
(`ledgerd serve`; and the benchmark's processes, its echo server, load client and SQL floor, so
that they compare like for like)."""

from __future__ import annotations

import gc

# Young-generation collections every this many net allocations of tracked objects (CPython's
# default is 700). Every unary call allocates many (messages, futures, tasks, dataclasses, rows), so
# with 64 calls in flight the default collects many times per batch and promotes what is merely in
# flight into the older generations, whose collections walk the process's caches. Measured in
# benchmarks/README.md ("Garbage collection"): -18% server CPU per operation.
YOUNG_COLLECTION_THRESHOLD = 50_000
OLDER_COLLECTION_THRESHOLDS = (20, 20)


def tune_garbage_collector() -> None:
    """Once serving: what start-up made (modules, handlers, the pool) is frozen out of every later
    collection, and young collections run far less often. Reference cycles are still collected."""
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *OLDER_COLLECTION_THRESHOLDS)
