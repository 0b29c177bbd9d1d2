"""CSV: a header row of the column names, then one line per row (RFC 4180 quoting, "\\n" line ends,
UTF-8). Integers as integers; times in RFC 3339, UTC, with microseconds (`2026-12-02T01:02:03.000004Z`);
metadata as its JSON object; a list of ids as a JSON array; NULL as an empty field."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, BinaryIO

from ledgerd.server.domain.exports import Column, ColumnKind


def rfc3339(instant: datetime) -> str:
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


# The kinds whose values are not already what the CSV field says (text and integers are).
_FORMATS: dict[ColumnKind, Callable[[Any], str]] = {ColumnKind.TIMESTAMP: rfc3339, ColumnKind.TEXT_LIST: json.dumps}


class CsvRows:
    def __init__(self, output: BinaryIO, columns: Sequence[Column]) -> None:
        self._text = io.TextIOWrapper(output, encoding="utf-8", newline="")
        self._writer = csv.writer(self._text, lineterminator="\n")
        self._writer.writerow([column.name for column in columns])
        self._formatted = [(index, _FORMATS[c.kind]) for index, c in enumerate(columns) if c.kind in _FORMATS]

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        if not self._formatted:
            self._writer.writerows(rows)
            return
        for row in rows:
            values = list(row)
            for index, format_value in self._formatted:
                if values[index] is not None:
                    values[index] = format_value(values[index])
            self._writer.writerow(values)

    def close(self) -> None:
        self._text.flush()
        self._text.detach()  # the output is the caller's to close
