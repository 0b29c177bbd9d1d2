"""SQL of balance monitors and their alerts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from ledgerd.server.domain.monitors import BalanceMonitor, BalanceMonitorAlert
from ledgerd.server.store import rows
from ledgerd.server.store.placement import LEDGERS, ByIds

Executor = Any

# Whether an account (alias a) has monitors: read with the account, so that a write on accounts
# without monitors (nearly all) spends no round trip on them.
# Whether account `a` has monitors, for a store.placement.ByIds statement on `a`: `{ledger_id}`, the
# ledger itself where the statement names it, lets Citus route the subquery to that one shard.
MONITORED = (
    "EXISTS (SELECT 1 FROM ledger_account_balance_monitors m"
    " WHERE m.ledger_id = {ledger_id} AND m.ledger_account_id = a.id) AS monitored"
)

_ORGANIZATION_JOIN = (
    "JOIN ledger_accounts a ON a.ledger_id = m.ledger_id AND a.id = m.ledger_account_id"
    " JOIN ledgers l ON l.id = a.ledger_id"
)

_ALERT_COLUMNS = f"""x.id, x.ledger_account_balance_monitor_id, x.ledger_account_id, x.triggered,
    x.ledger_account_lock_version, x.created_at, a.normal_balance, a.currency, a.currency_exponent,
    {rows.RESULTING_COLUMNS}"""

_ALERT_JOINS = """JOIN ledger_accounts a ON a.ledger_id = x.ledger_id AND a.id = x.ledger_account_id
    JOIN ledger_account_versions r ON r.ledger_id = x.ledger_id AND r.ledger_account_id = x.ledger_account_id
        AND r.lock_version = x.ledger_account_lock_version"""


_MONITORS_OF = ByIds(
    "SELECT * FROM ledger_account_balance_monitors WHERE ledger_account_id = ANY($1::uuid[]) {ledger} ORDER BY id",
    "ledger_id",
)


async def monitors_of(db: Executor, account_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[BalanceMonitor, ...]]:
    records = await _MONITORS_OF.fetch(db, LEDGERS.ledger_of(account_ids), account_ids)
    found: dict[uuid.UUID, tuple[BalanceMonitor, ...]] = {}
    for record in records:
        found[record["ledger_account_id"]] = (*found.get(record["ledger_account_id"], ()), rows.balance_monitor(record))
    return found


async def get_monitor(db: Executor, organization_id: uuid.UUID, monitor_id: uuid.UUID) -> BalanceMonitor | None:
    row = await db.fetchrow(
        f"""SELECT m.* FROM ledger_account_balance_monitors m {_ORGANIZATION_JOIN}
            WHERE m.id = $1 AND l.organization_id = $2""",
        monitor_id,
        organization_id,
    )
    return rows.balance_monitor(row) if row else None


async def list_monitors(
    db: Executor,
    organization_id: uuid.UUID,
    after: uuid.UUID | None,
    limit: int,
    *,
    ledger_account_id: uuid.UUID | None,
    metadata: Mapping[str, str],
) -> list[BalanceMonitor]:
    records = await db.fetch(
        f"""SELECT m.* FROM ledger_account_balance_monitors m {_ORGANIZATION_JOIN}
            WHERE l.organization_id = $1 AND ($2::uuid IS NULL OR m.id > $2)
              AND ($3::uuid IS NULL OR m.ledger_account_id = $3) AND m.metadata @> $4
            ORDER BY m.id LIMIT $5""",
        organization_id,
        after,
        ledger_account_id,
        dict(metadata),
        limit,
    )
    return [rows.balance_monitor(r) for r in records]


async def list_alerts(
    db: Executor, monitor_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[BalanceMonitorAlert]:
    records = await db.fetch(
        f"""SELECT {_ALERT_COLUMNS} FROM ledger_account_balance_monitor_alerts x {_ALERT_JOINS}
            WHERE x.ledger_account_balance_monitor_id = $1 AND ($2::uuid IS NULL OR x.id > $2)
            ORDER BY x.id LIMIT $3""",
        monitor_id,
        after,
        limit,
    )
    return [rows.balance_monitor_alert(r) for r in records]


async def alerts_at(
    db: Executor, versions: Sequence[tuple[uuid.UUID, int]]
) -> dict[tuple[uuid.UUID, int], list[BalanceMonitorAlert]]:
    """The alerts recorded at each (account, lock_version)."""
    if not versions:
        return {}
    records = await db.fetch(
        f"""SELECT {_ALERT_COLUMNS} FROM ledger_account_balance_monitor_alerts x {_ALERT_JOINS}
            JOIN unnest($1::uuid[], $2::bigint[]) AS w(ledger_account_id, lock_version)
                ON w.ledger_account_id = x.ledger_account_id AND w.lock_version = x.ledger_account_lock_version
            ORDER BY x.id""",
        [account for account, _ in versions],
        [version for _, version in versions],
    )
    found: dict[tuple[uuid.UUID, int], list[BalanceMonitorAlert]] = {}
    for record in records:
        found.setdefault((record["ledger_account_id"], record["ledger_account_lock_version"]), []).append(
            rows.balance_monitor_alert(record)
        )
    return found
