"""Time-ordered UUIDs (RFC 9562 version 7): ids sort by creation, so keyset pages and a
transaction's entries follow creation order, and new rows land at the right edge of every
primary-key index. Within a process they are strictly increasing (RFC 9562 method 3: when the
clock has not moved, the 74 random bits count up; when they run out, the timestamp moves on)."""

import os
import threading
import time
import uuid

_RANDOM_BITS = 74  # rand_a (12) and rand_b (62)
_lock = threading.Lock()
_last_ms = 0
_last_random = 0


def _assemble(ms: int, random_bits: int) -> uuid.UUID:
    rand_a, rand_b = random_bits >> 62, random_bits & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0x2 << 62 | rand_b
    # uuid.UUID(int=...) re-checks the range and version in Python; the value is valid by
    # construction, and ids are made several per write on the hot path.
    made = object.__new__(uuid.UUID)
    object.__setattr__(made, "int", value)
    object.__setattr__(made, "is_safe", uuid.SafeUUID.unknown)
    return made


def new_id() -> uuid.UUID:
    global _last_ms, _last_random
    now_ms = time.time_ns() // 1_000_000
    with _lock:
        if now_ms <= _last_ms:
            # Same millisecond, or the clock stepped back: the next value after the last one.
            now_ms, random_bits = _last_ms, _last_random + 1
            if random_bits >> _RANDOM_BITS:
                now_ms, random_bits = now_ms + 1, 0
        else:
            random_bits = int.from_bytes(os.urandom(10), "big") & ((1 << _RANDOM_BITS) - 1)
        _last_ms, _last_random = now_ms, random_bits
    return _assemble(now_ms, random_bits)
