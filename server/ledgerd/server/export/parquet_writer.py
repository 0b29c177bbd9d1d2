"""Parquet through pyarrow, with typed columns: int64 amounts and versions, int16 exponents,
timestamp[us, UTC] times, strings for ids and metadata (its JSON), list<string> for id lists. Rows
arrive a fetch at a time and become Arrow columns at once; a row group is written every
`rows_per_row_group` rows, so memory holds at most one row group."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from ledgerd.server.domain import limits
from ledgerd.server.domain.exports import Column, ColumnKind

ARROW_TYPES: dict[ColumnKind, pa.DataType] = {
    ColumnKind.TEXT: pa.string(),
    ColumnKind.INT16: pa.int16(),
    ColumnKind.INT64: pa.int64(),
    ColumnKind.TIMESTAMP: pa.timestamp("us", tz="UTC"),
    ColumnKind.JSON: pa.string(),
    ColumnKind.TEXT_LIST: pa.list_(pa.string()),
}


def schema_of(columns: Sequence[Column]) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.kind], nullable=c.nullable) for c in columns])


class ParquetRows:
    def __init__(
        self,
        output: BinaryIO,
        columns: Sequence[Column],
        *,
        rows_per_row_group: int = limits.export_rows_per_row_group,
    ) -> None:
        self._schema = schema_of(columns)
        self._writer = pq.ParquetWriter(output, self._schema)
        self._rows_per_row_group = rows_per_row_group
        self._batches: list[pa.RecordBatch] = []
        self._rows = 0

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        values = zip(*rows, strict=True)
        arrays = [pa.array(column, type=field.type) for column, field in zip(values, self._schema, strict=True)]
        self._batches.append(pa.RecordBatch.from_arrays(arrays, schema=self._schema))
        self._rows += len(rows)
        if self._rows >= self._rows_per_row_group:
            self._flush()

    def _flush(self) -> None:
        if self._batches:
            table = pa.Table.from_batches(self._batches, schema=self._schema)
            self._writer.write_table(table, row_group_size=self._rows_per_row_group)
        self._batches, self._rows = [], 0

    def close(self) -> None:
        self._flush()
        self._writer.close()
