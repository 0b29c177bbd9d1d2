"""Ledger scopes: whether the ids a call names all belong to the ledgers a key is confined to
(docs/security.md, "Ledger scopes"). An object never moves to another ledger, so each id is looked
up once per process and remembered; a key that is not confined never gets here."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import asyncpg

from ledgerd.server.domain import limits
from ledgerd.server.store.scopes import Kind, owners_of


class LedgerScopes:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        # (kind, id) -> (ledger id, organization id); ids that do not exist are not remembered (they
        # may be made later, and the call's own NOT_FOUND answers them meanwhile).
        self._owners: dict[tuple[Kind, uuid.UUID], tuple[uuid.UUID, uuid.UUID]] = {}

    async def outside(
        self, named: Iterable[tuple[Kind, uuid.UUID]], organization_id: uuid.UUID, ledger_ids: frozenset[uuid.UUID]
    ) -> tuple[Kind, uuid.UUID] | None:
        """The first named object of the organization that is outside `ledger_ids`, if any. Unknown
        ids and other organizations' ids are not outside: the call answers them NOT_FOUND, as it
        would for any key."""
        named = list(named)
        missing: dict[Kind, list[uuid.UUID]] = {}
        for kind, object_id in named:
            if (kind, object_id) not in self._owners:
                missing.setdefault(kind, []).append(object_id)
        for kind, ids in missing.items():
            await self._look_up(kind, ids)
        for kind, object_id in named:
            owner = self._owners.get((kind, object_id))
            if owner is not None and owner[1] == organization_id and owner[0] not in ledger_ids:
                return kind, object_id
        return None

    def remember(self, kind: Kind, object_id: uuid.UUID, ledger_id: uuid.UUID, organization_id: uuid.UUID) -> None:
        """Records the ledger of an object a call just made (the interceptor reads it in the response)."""
        self._make_room(1)
        self._owners[(kind, object_id)] = (ledger_id, organization_id)

    async def _look_up(self, kind: Kind, ids: list[uuid.UUID]) -> None:
        found = await owners_of(self.pool, kind, ids)
        self._make_room(len(found))
        for object_id, owner in found.items():
            self._owners[(kind, object_id)] = owner

    def _make_room(self, count: int) -> None:
        if len(self._owners) + count > limits.ledger_scope_ids_max:
            # Dicts keep insertion order: forget the older half.
            for key in list(self._owners)[: len(self._owners) // 2]:
                del self._owners[key]
