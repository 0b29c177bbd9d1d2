"""The session-level advisory lock whose holder runs the background rounds (core/exclusive.py)."""

from __future__ import annotations

from typing import Any

Executor = Any

# The two-key advisory lock space, which never meets the one-key space of the account locks (the
# random last 64 bits of an account id) nor the migration lock; the class differs from the category
# membership locks' (store/categories.py). One lock per database: PostgreSQL keys advisory locks by
# database, so servers of different databases on one PostgreSQL never exclude each other.
#
# It only saves work: every process running the expirer would still be correct, because each
# expiry row-locks its hold and acts only on a pending, due one (exactly once; docs/write-path.md),
# and the sweeper deletes only rows past their retention. Without the lock, N processes would each
# scan for due holds every interval and contend for the same rows.
BACKGROUND_LOCK_CLASS = 0x6C62676B  # "lbgk"
BACKGROUND_LOCK_ID = 0


async def try_lock(connection: Executor) -> bool:
    """Takes the lock for the connection's session if nobody holds it; never waits."""
    return bool(
        await connection.fetchval("SELECT pg_try_advisory_lock($1, $2)", BACKGROUND_LOCK_CLASS, BACKGROUND_LOCK_ID)
    )


async def holder_pids(connection: Executor) -> list[int]:
    """The backend pids holding the lock on this database (at most one; for operators and tests)."""
    rows = await connection.fetch(
        """SELECT pid FROM pg_locks
           WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2 AND objsubid = 2
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())""",
        BACKGROUND_LOCK_CLASS,
        BACKGROUND_LOCK_ID,
    )
    return [row["pid"] for row in rows]
