"""`ledgerd sync --to URL`: pushes every ledger table into a warehouse, each run only the row
versions written since the last one (docs/change-feed.md, "The warehouse sync").

A run reads the source's horizon H once. For each table, it copies the row versions written by
the transactions in [the table's mark, H): all of them have finished, so none can commit later
inside the window. It copies them chunk by chunk in primary-key order. Each chunk is one warehouse
transaction: the rows are upserted by primary key, and the progress goes into the marks table in
the same commit. A run that is killed leaves every committed chunk and its progress; the next run
finishes the window from there before it opens a new one. So nothing is copied twice, and nothing
is skipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import asyncpg

from ledgerd.server.store import distribution
from ledgerd.server.store import warehouse as store
from ledgerd.server.store.warehouse import Mark, Table

log = logging.getLogger(__name__)


class SyncAlreadyRunning(RuntimeError):
    pass


class SyncNotOnCitus(RuntimeError):
    """A run copies the row versions below one horizon of transaction ids, read off the source's
    snapshot; on Citus every worker numbers its own transactions and the coordinator's snapshot
    bounds none of them, so a window would miss rows (docs/scaling.md): refused rather than run."""


@dataclass
class SyncReport:
    horizon: int
    copied: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)


async def sync(source: asyncpg.Connection, warehouse: asyncpg.Connection, schema: str, rows_max: int) -> SyncReport:
    """One run: every synced table brought up to the source's current horizon."""
    if await distribution.is_distributed(source):
        raise SyncNotOnCitus("ledgerd sync does not run on Citus (docs/scaling.md)")
    if not await store.lock_warehouse(warehouse):
        raise SyncAlreadyRunning("another ledgerd sync is writing into this warehouse")
    tables = [await store.describe(source, name) for name in store.SYNCED_TABLES]
    await store.prepare_warehouse(warehouse, schema, tables)
    report = SyncReport(await store.horizon(source))
    for table in tables:
        await _sync_table(source, warehouse, schema, table, report, rows_max)
    return report


async def _sync_table(
    source: asyncpg.Connection,
    warehouse: asyncpg.Connection,
    schema: str,
    table: Table,
    report: SyncReport,
    rows_max: int,
) -> None:
    report.copied[table.name] = 0
    report.deleted[table.name] = 0
    mark = await store.read_mark(warehouse, schema, table.name)
    while True:
        if mark.copying_below is None:
            if mark.copied_below is not None and mark.copied_below >= report.horizon:
                log.info("sync: %s: %d rows copied", table.name, report.copied[table.name])
                return  # nothing below the horizon is new
            mark = await _open_window(source, warehouse, schema, table, mark, report)
        # The window in progress (a killed run's, or the one just opened), chunk by chunk.
        async with warehouse.transaction():
            copied, last = await store.copy_chunk(source, warehouse, schema, table, mark, rows_max)
            if copied < rows_max:
                mark = Mark(mark.copying_below, None, None)  # the window is done
            else:
                mark = Mark(mark.copied_below, mark.copying_below, last)
            await store.write_mark(warehouse, schema, table.name, mark)
        report.copied[table.name] += copied


async def _open_window(
    source: asyncpg.Connection, warehouse: asyncpg.Connection, schema: str, table: Table, mark: Mark, report: SyncReport
) -> Mark:
    """The window [the mark, the horizon), opened in one warehouse transaction with the deletions
    it holds: a row deleted and added again inside the window is then copied back by its rows."""
    opened = Mark(mark.copied_below, report.horizon, None)
    async with warehouse.transaction():
        if mark.copied_below is not None and table.name in store.TABLES_WITH_DELETIONS:
            keys = await store.deleted_keys(source, table, mark.copied_below, report.horizon)
            await store.delete_keys(warehouse, schema, table, keys)
            report.deleted[table.name] += len(keys)
        await store.write_mark(warehouse, schema, table.name, opened)
    return opened
