"""Ledger scopes: whether the ids a call names all belong to the ledgers a key is confined to
(docs/security.md, "Ledger scopes"). An object never moves to another ledger, so each id is looked
up once per process and remembered (in the ledger map); a key that is not confined never gets here."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import asyncpg

from ledgerd.server.domain import limits
from ledgerd.server.store.placement import LEDGERS
from ledgerd.server.store.scopes import Kind, owners_of


class LedgerScopes:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        # An object's ledger is the ledger map's (store/placement.py, shared with the reads by id);
        # here, each ledger's organization. Ids that do not exist are not remembered (they may be
        # made later, and the call's own NOT_FOUND answers them meanwhile).
        self._organization_of: dict[uuid.UUID, uuid.UUID] = {}

    async def outside(
        self, named: Iterable[tuple[Kind, uuid.UUID]], organization_id: uuid.UUID, ledger_ids: frozenset[uuid.UUID]
    ) -> tuple[Kind, uuid.UUID] | None:
        """The first named object of the organization that is outside `ledger_ids`, if any. Unknown
        ids and other organizations' ids are not outside: the call answers them NOT_FOUND, as it
        would for any key."""
        named = list(named)
        missing: dict[Kind, list[uuid.UUID]] = {}
        for kind, object_id in named:
            if self._owner(object_id) is None:
                missing.setdefault(kind, []).append(object_id)
        for kind, ids in missing.items():
            for object_id, (ledger_id, organization) in (await owners_of(self.pool, kind, ids)).items():
                self.remember(kind, object_id, ledger_id, organization)
        for kind, object_id in named:
            owner = self._owner(object_id)
            if owner is not None and owner[1] == organization_id and owner[0] not in ledger_ids:
                return kind, object_id
        return None

    def remember(self, kind: Kind, object_id: uuid.UUID, ledger_id: uuid.UUID, organization_id: uuid.UUID) -> None:
        """Records the ledger of an object a call just made (the interceptor reads it in the response)."""
        LEDGERS.learn(object_id, ledger_id)
        if ledger_id not in self._organization_of and len(self._organization_of) >= limits.ledger_scope_ledgers_max:
            self._organization_of.clear()
        self._organization_of[ledger_id] = organization_id

    def _owner(self, object_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID] | None:
        """(ledger, organization) of the object, when both are remembered."""
        ledger_id = LEDGERS.ledger_of((object_id,))
        organization_id = self._organization_of.get(ledger_id) if ledger_id is not None else None
        return (ledger_id, organization_id) if ledger_id is not None and organization_id is not None else None
