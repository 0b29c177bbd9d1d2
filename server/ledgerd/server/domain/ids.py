"""Time-ordered UUIDs (RFC 9562 version 7): ids sort by creation, so keyset pages and a
transaction's entries follow creation order, and new rows land at the right edge of every
primary-key index. Within a process they are strictly increasing (RFC 9562 method 3: the
random part is bumped when the clock has not moved)."""

import os
import threading
import time
import uuid

_VERSION_AND_VARIANT = (0x7 << 76) | (0x2 << 62)
_RANDOM_MASK = ((1 << 12) - 1) << 64 | ((1 << 62) - 1)
_lock = threading.Lock()
_last = 0


def new_id() -> uuid.UUID:
    global _last
    random_bits = int.from_bytes(os.urandom(10), "big") & _RANDOM_MASK
    candidate = ((time.time_ns() // 1_000_000) & ((1 << 48) - 1)) << 80 | _VERSION_AND_VARIANT | random_bits
    with _lock:
        if candidate <= _last:
            # Same millisecond (or the clock stepped back): the next value after the last one,
            # skipping the fixed version and variant bits.
            candidate = _last + 1
            if candidate & (0x3 << 62) != 0x2 << 62:
                candidate = (candidate | (0x3 << 62)) + (1 << 62)
                candidate = (candidate & ~(0x3 << 62)) | (0x2 << 62)
        _last = candidate
    return uuid.UUID(int=candidate)
