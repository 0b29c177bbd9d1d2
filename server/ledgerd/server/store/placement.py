"""The ledger of each row this process has seen, so that a read by id can name its ledger.

On Citus a statement that names its ledger (`ledger_id = $n`) goes to the one shard holding that
ledger; one that names only ids goes to every shard of the table, an index probe on each, planned
and gathered by the coordinator (docs/scaling.md, "Reads by id"). A request names accounts, holds
and transactions by id alone, so the map is what turns its reads into single-shard ones.

A row's ledger never changes, and ids are UUIDs no two rows of any database share, so whatever the
map learnt stays true, whichever database the pool it came through points at (a row absent from
that database is simply not found, with or without the ledger). It is bounded; the oldest ids are
forgotten first, and a forgotten id costs one read by id alone, which learns it again. On one
PostgreSQL the extra condition costs nothing measurable: the same primary-key probe, one more
column compared."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from ledgerd.server.domain import limits

Executor = Any

_PLACEHOLDER = re.compile(r"\$(\d+)")


class LedgerMap:
    """Row id -> its ledger id, for at most `size` ids; the oldest learnt is forgotten first."""

    __slots__ = ("_ledger_of", "_size")

    def __init__(self, size: int) -> None:
        self._ledger_of: dict[uuid.UUID, uuid.UUID] = {}
        self._size = size

    def __len__(self) -> int:
        return len(self._ledger_of)

    def learn(self, row_id: uuid.UUID, ledger_id: uuid.UUID) -> None:
        known = self._ledger_of
        if row_id in known:
            return
        if len(known) >= self._size:
            del known[next(iter(known))]  # dicts keep insertion order: the oldest id
        known[row_id] = ledger_id

    def learn_rows(self, records: Iterable[Mapping[str, Any]], column: str = "id") -> None:
        for record in records:
            self.learn(record[column], record["ledger_id"])

    def ledger_of(self, ids: Iterable[uuid.UUID]) -> uuid.UUID | None:
        """The one ledger every id of `ids` is known to be in; None when some id is unknown, the ids
        are in different ledgers, or there are none."""
        found = None
        for row_id in ids:
            ledger = self._ledger_of.get(row_id)
            if ledger is None or (found is not None and ledger != found):
                return None
            found = ledger
        return found


LEDGERS = LedgerMap(limits.placed_ids_max)


class ByIds:
    """A read whose statement has `{ledger}` where a condition on its ledger column goes: sent with
    `AND column = $n` (n after the statement's own parameters) when the ledger is known, without it
    otherwise. A subquery on another ledger table compares its ledger with `{ledger_id}`: the
    parameter, or the column when there is none (Citus routes a correlated subquery to one shard
    only when its own condition names the ledger)."""

    __slots__ = ("anywhere", "in_ledger")

    def __init__(self, statement: str, column: str) -> None:
        parameter = f"${max((int(n) for n in _PLACEHOLDER.findall(statement)), default=0) + 1}"
        self.anywhere = statement.replace("{ledger}", "").replace("{ledger_id}", column)
        self.in_ledger = statement.replace("{ledger}", f"AND {column} = {parameter}").replace("{ledger_id}", parameter)

    async def fetch(self, db: Executor, ledger_id: uuid.UUID | None, *arguments: Any) -> list[Any]:
        if ledger_id is None:
            return list(await db.fetch(self.anywhere, *arguments))
        return list(await db.fetch(self.in_ledger, *arguments, ledger_id))

    async def fetch_ids(self, db: Executor, ids: Collection[uuid.UUID], *arguments: Any) -> list[Any]:
        """The rows of `ids` (which `arguments` hand the statement): read in their ledger when the map
        knows it, and the map learns the ledger of every row found (its `id` and `ledger_id`). No
        ids, no rows, and no statement (on Citus it would go to every shard)."""
        if not ids:
            return []
        records = await self.fetch(db, LEDGERS.ledger_of(ids), *arguments)
        LEDGERS.learn_rows(records)
        return records
