"""Exporting one table of one ledger: every row, read in one snapshot (a read-only, repeatable-read
transaction, so a concurrent write shows entirely or not at all), handed to a sink a fetch at a
time. The ledger is looked up first, so that an unknown one is refused before any output exists."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import asyncpg

from ledgerd.server.core.ledgers import ledger_not_found
from ledgerd.server.domain import limits
from ledgerd.server.store import exports as store


class RowSink(Protocol):
    """Where rows go, in the columns of domain/exports.py (export/csv_writer.py, parquet_writer.py)."""

    def write(self, rows: Sequence[Sequence[Any]]) -> None: ...

    def close(self) -> None: ...


async def export_table(
    connection: asyncpg.Connection,
    table: str,
    ledger_id: uuid.UUID,
    open_sink: Callable[[], RowSink],
    *,
    rows_per_fetch: int = limits.export_rows_per_fetch,
) -> int:
    """Writes the ledger's rows of `table` to the sink `open_sink` opens once the ledger is found,
    and closes it; returns how many rows. Raises NotFound (LEDGER_NOT_FOUND) for an unknown ledger."""
    async with connection.transaction(isolation="repeatable_read", readonly=True):
        if not await store.ledger_exists(connection, ledger_id):
            raise ledger_not_found(ledger_id)
        sink = open_sink()
        count = 0
        async for rows in store.fetch_rows(connection, table, ledger_id, rows_per_fetch):
            sink.write(rows)
            count += len(rows)
        sink.close()
    return count
