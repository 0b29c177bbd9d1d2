"""`ledgerd export TABLE --ledger LEDGER_ID [--format csv|parquet] [--output FILE]`, on DATABASE_URL
(else the embedded database). Standard output by default; with --output, the file appears only
once complete (written beside it under a temporary name, then renamed), so a failed export leaves
no partial file behind. Exit status 0; 1 for an unknown ledger or a database without ledgerd's
tables (said on standard error; export never migrates: it may read a replica); 2 for a usage error."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import asyncpg

from ledgerd.server.core.exports import RowSink, export_table
from ledgerd.server.domain.errors import NotFound
from ledgerd.server.domain.exports import TABLES
from ledgerd.server.export.csv_writer import CsvRows
from ledgerd.server.export.parquet_writer import ParquetRows
from ledgerd.server.store.embedded import database_url

FORMATS: dict[str, Callable[..., RowSink]] = {"csv": CsvRows, "parquet": ParquetRows}
EXPORT_FAILED_STATUS = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("table", choices=sorted(TABLES), help="what to export")
    parser.add_argument("--ledger", required=True, type=uuid.UUID, metavar="LEDGER_ID", help="the ledger's id")
    parser.add_argument("--format", choices=sorted(FORMATS), default="csv", help="csv (default) or parquet")
    parser.add_argument("--output", type=Path, metavar="FILE", help="write FILE instead of standard output")


async def export(arguments: argparse.Namespace) -> int:
    connection = await asyncpg.connect(database_url())
    try:
        with _output(arguments.output) as output:
            rows = await export_table(
                connection,
                arguments.table,
                arguments.ledger,
                lambda: FORMATS[arguments.format](output, TABLES[arguments.table]),
            )
    except NotFound as error:
        print(f"ledgerd export: {error.message}", file=sys.stderr)
        return EXPORT_FAILED_STATUS
    except asyncpg.UndefinedTableError:
        print("ledgerd export: the database has no ledgerd tables (run ledgerd migrate on it)", file=sys.stderr)
        return EXPORT_FAILED_STATUS
    finally:
        await connection.close()
    if arguments.output is not None:
        print(f"ledgerd export: {rows} rows of {arguments.table} written to {arguments.output}", file=sys.stderr)
    return 0


@contextmanager
def _output(path: Path | None) -> Iterator[BinaryIO]:
    if path is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(descriptor, "wb") as file:
            yield file
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
