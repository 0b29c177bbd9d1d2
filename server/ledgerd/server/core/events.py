"""Use cases of event handlers and ledgerable events.

An event is matched to its one enabled handler (an index lookup of its (field, value) pairs), the
handler's variables are found (one statement, by index), its compiled template is rendered, and
the resulting ledger transaction goes through the transaction write path (core.writer, via the
group-commit coalescer) together with the event row: locks, balance conditions and idempotency as
for CreateLedgerTransaction, and the event is written in the same database transaction as its
ledger transaction, or not at all."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import asyncpg

from ledgerd.server.core.clock import utcnow
from ledgerd.server.core.coalescer import Coalescer
from ledgerd.server.core.idempotency import Idempotency, Replay, replay_or_refuse, run_idempotent
from ledgerd.server.core.ledgers import ledger_not_found, require_parents
from ledgerd.server.core.paging import Page, PageRequest
from ledgerd.server.core.transactions import CreateLedgerTransaction
from ledgerd.server.core.writer import BatchState, WriteDefaults
from ledgerd.server.domain import events as rules
from ledgerd.server.domain import limits
from ledgerd.server.domain.errors import ErrorReason, FailedPrecondition, LedgerError, NotFound
from ledgerd.server.domain.events import CompiledHandler, LedgerableEvent, LedgerEventHandler
from ledgerd.server.domain.ids import new_id
from ledgerd.server.domain.model import LedgerTransaction
from ledgerd.server.store import events as store
from ledgerd.server.store import idempotency as idempotency_store
from ledgerd.server.store import ledgers as ledgers_store
from ledgerd.server.store import scopes as scopes_store
from ledgerd.server.store.scopes import Kind


@dataclass(frozen=True)
class EventOutcome:
    ledgerable_event: LedgerableEvent
    ledger_transaction: LedgerTransaction


@dataclass(frozen=True)
class CreateLedgerableEvent(WriteDefaults):
    """A ledger transaction made by a handler, and its event: one write of the write path."""

    event: LedgerableEvent
    transaction: CreateLedgerTransaction
    idempotency: Idempotency[EventOutcome] | None = None

    def account_ids(self, state: BatchState) -> Iterable[uuid.UUID]:
        return self.transaction.account_ids(state)

    def apply(self, state: BatchState) -> EventOutcome:
        try:
            transaction = self.transaction.apply(state)
        except LedgerError as error:
            # Unbalanced, a failed balance condition, an unknown account: named after the handler.
            error.metadata["ledger_event_handler_id"] = str(self.event.ledger_event_handler_id)
            raise
        event = replace(self.event, ledger_transaction_id=transaction.id, created_at=state.now)
        state.accept_ledgerable_event(event)
        return EventOutcome(event, transaction)


@dataclass(frozen=True)
class HandlerDefinition:
    ledger_id: uuid.UUID
    name: str
    description: str
    conditions: dict[str, str]
    variables: dict[str, Any]
    ledger_transaction_template: dict[str, Any]
    metadata: dict[str, str]


@dataclass(frozen=True)
class EventRequest:
    ledger_id: uuid.UUID
    name: str
    description: str
    custom_data: dict[str, Any]
    metadata: dict[str, str]
    # The request as sent, sans idempotency key.
    fingerprint: bytes


def handler_not_found(handler_id: uuid.UUID) -> NotFound:
    return NotFound(
        ErrorReason.LEDGER_EVENT_HANDLER_NOT_FOUND,
        f"ledger event handler {handler_id} not found",
        {"ledger_event_handler_id": str(handler_id)},
    )


def _overlap(handler_id: uuid.UUID | None, conditions: Mapping[str, str]) -> FailedPrecondition:
    named = f" ({handler_id})" if handler_id else ""
    return FailedPrecondition(
        ErrorReason.LEDGER_EVENT_HANDLER_CONDITIONS_OVERLAP,
        f"an enabled ledger event handler{named} of the ledger already takes events whose "
        f"{conditions['field']} equals {conditions['value']!r}: disable it first",
        {"ledger_event_handler_id": str(handler_id or "")},
    )


class EventsUseCases:
    """Event handlers and ledgerable events for one database. Compiled handlers are cached by id:
    a handler's definition never changes (only disabled_at does, and matching reads that each time)."""

    def __init__(self, pool: asyncpg.Pool, coalescer: Coalescer) -> None:
        self.pool = pool
        self.coalescer = coalescer
        self._compiled: OrderedDict[uuid.UUID, CompiledHandler] = OrderedDict()

    async def create_handler(
        self,
        organization_id: uuid.UUID,
        definition: HandlerDefinition,
        idempotency: Idempotency[LedgerEventHandler] | None,
    ) -> LedgerEventHandler | Replay:
        now = utcnow()
        handler = LedgerEventHandler(id=new_id(), created_at=now, updated_at=now, **vars(definition))
        compiled = rules.compile_handler(handler)  # INVALID_ARGUMENT before anything is read

        async def create(connection: asyncpg.Connection) -> LedgerEventHandler:
            if await ledgers_store.get_ledger(connection, organization_id, handler.ledger_id) is None:
                raise ledger_not_found(handler.ledger_id)
            field, value = handler.conditions["field"], handler.conditions["value"]
            existing = await store.enabled_handler_with_condition(connection, handler.ledger_id, field, value)
            if existing is not None:
                raise _overlap(existing, handler.conditions)
            try:
                await store.insert_handler(connection, handler)
            except asyncpg.UniqueViolationError:
                raise _overlap(None, handler.conditions) from None  # a concurrent creation came first
            return handler

        created = await run_idempotent(self.pool, organization_id, idempotency, create)
        if created is handler:
            self._remember(compiled)
        return created

    async def get_handler(self, organization_id: uuid.UUID, handler_id: uuid.UUID) -> LedgerEventHandler:
        handler = await store.get_handler(self.pool, organization_id, handler_id)
        if handler is None:
            raise handler_not_found(handler_id)
        return handler

    async def list_handlers(self, organization_id: uuid.UUID, page: PageRequest, **filters: Any) -> Page[Any]:
        await require_parents(self.pool, organization_id, **filters)
        items = await store.list_handlers(self.pool, organization_id, page.after, page.size + 1, **filters)
        return Page.of(items, page)

    async def disable_handler(
        self,
        organization_id: uuid.UUID,
        handler_id: uuid.UUID,
        idempotency: Idempotency[LedgerEventHandler] | None,
    ) -> LedgerEventHandler | Replay:
        async def disable(connection: asyncpg.Connection) -> LedgerEventHandler:
            handler = await store.disable_handler(connection, organization_id, handler_id, utcnow())
            if handler is None:
                raise handler_not_found(handler_id)
            return handler

        return await run_idempotent(self.pool, organization_id, idempotency, disable)

    async def create_event(
        self, organization_id: uuid.UUID, request: EventRequest, idempotency: Idempotency[EventOutcome] | None
    ) -> EventOutcome | Replay:
        if idempotency is not None:
            # A replay answers as the first time, whatever the handlers and accounts are now.
            stored = await idempotency_store.find(self.pool, organization_id, idempotency.key)
            if stored is not None:
                return replay_or_refuse(stored, idempotency)
        handler = await self._match(organization_id, request)
        context = rules.event_context(request.name, request.description, request.custom_data, request.metadata)
        queries = rules.render_queries(handler, context)
        found = await store.find_variable_accounts(self.pool, handler.ledger_id, queries)
        variables = {}
        for (query, value), accounts in zip(queries, found, strict=True):
            if len(accounts) != 1:
                raise _variable_refused(handler, query.name, value, accounts)
            variables[query.name] = rules.account_fields(accounts[0])
        rendered = rules.render_transaction(handler, {**context, rules.VARIABLES_ROOT: variables}, request.metadata)
        found_ids = {uuid.UUID(fields["id"]) for fields in variables.values()}
        await self._require_handler_ledger(
            organization_id, handler, {e.ledger_account_id for e in rendered.entries} - found_ids
        )
        event_id = new_id()
        write = CreateLedgerableEvent(
            event=LedgerableEvent(
                id=event_id,
                ledger_id=request.ledger_id,
                name=request.name,
                description=request.description,
                custom_data=request.custom_data,
                metadata=request.metadata,
                ledger_event_handler_id=handler.id,
                ledger_transaction_id=event_id,  # set by the write
                created_at=utcnow(),  # set by the write
            ),
            transaction=CreateLedgerTransaction(
                ledger_entries=rendered.entries,
                status=rendered.status,
                description=rendered.description,
                external_id=None,
                effective_at=rendered.effective_at,
                metadata=rendered.metadata,
                fingerprint=request.fingerprint,
                ledgerable_type=rules.LEDGERABLE_TYPE,
                ledgerable_id=event_id,
            ),
            idempotency=idempotency,
        )
        outcome = await self.coalescer.apply(organization_id, write)
        assert isinstance(outcome, EventOutcome | Replay)
        return outcome

    async def get_event(self, organization_id: uuid.UUID, event_id: uuid.UUID) -> LedgerableEvent:
        event = await store.get_ledgerable_event(self.pool, organization_id, event_id)
        if event is None:
            raise NotFound(
                ErrorReason.LEDGERABLE_EVENT_NOT_FOUND,
                f"ledgerable event {event_id} not found",
                {"ledgerable_event_id": str(event_id)},
            )
        return event

    async def _match(self, organization_id: uuid.UUID, request: EventRequest) -> CompiledHandler:
        candidates = rules.condition_candidates(request.name, request.custom_data, request.metadata)
        matched = await store.match_handlers(self.pool, organization_id, request.ledger_id, candidates)
        if matched is None:
            raise ledger_not_found(request.ledger_id)
        if not matched:
            raise FailedPrecondition(
                ErrorReason.NO_LEDGER_EVENT_HANDLER_MATCHED,
                f"no enabled ledger event handler of ledger {request.ledger_id} matches the event {request.name!r}",
                {"ledger_id": str(request.ledger_id), "name": request.name[:100]},
            )
        if len(matched) > 1:
            ids = ",".join(str(h) for h in matched)
            raise FailedPrecondition(
                ErrorReason.LEDGER_EVENT_HANDLERS_AMBIGUOUS,
                f"ledger event handlers {ids} all match the event: an event must match exactly one",
                {"ledger_event_handler_ids": ids},
            )
        return await self._compiled_handler(organization_id, matched[0])

    async def _require_handler_ledger(
        self, organization_id: uuid.UUID, handler: CompiledHandler, account_ids: set[uuid.UUID]
    ) -> None:
        """An entry's account written in the template or rendered from the event's data must be of
        the handler's ledger, like those its variables find (which look only there): else an event
        of one ledger would write to another, past a key confined to the first (docs/security.md)."""
        if not account_ids:
            return
        owners = await scopes_store.owners_of(self.pool, Kind.ACCOUNT, sorted(account_ids))
        for account_id, (ledger_id, owner) in owners.items():
            # Another organization's account is left to the write, which answers it NOT_FOUND.
            if owner == organization_id and ledger_id != handler.ledger_id:
                raise FailedPrecondition(
                    ErrorReason.LEDGER_MISMATCH,
                    f"ledger account {account_id} is not of the handler's ledger {handler.ledger_id}",
                    {"ledger_event_handler_id": str(handler.id), "ledger_account_id": str(account_id)},
                )

    async def _compiled_handler(self, organization_id: uuid.UUID, handler_id: uuid.UUID) -> CompiledHandler:
        compiled = self._compiled.get(handler_id)
        if compiled is not None:
            self._compiled.move_to_end(handler_id)
            return compiled
        handler = await self.get_handler(organization_id, handler_id)
        return self._remember(rules.compile_handler(handler))

    def _remember(self, compiled: CompiledHandler) -> CompiledHandler:
        self._compiled[compiled.id] = compiled
        while len(self._compiled) > limits.compiled_handlers_cached_max:
            self._compiled.popitem(last=False)
        return compiled


def _variable_refused(handler: CompiledHandler, variable: str, value: Any, accounts: list[Any]) -> FailedPrecondition:
    many = bool(accounts)
    return FailedPrecondition(
        ErrorReason.LEDGER_EVENT_VARIABLE_MANY_ACCOUNTS if many else ErrorReason.LEDGER_EVENT_VARIABLE_NO_ACCOUNT,
        f"variable {variable!r} of ledger event handler {handler.id} finds "
        f"{'more than one ledger account' if many else 'no ledger account'} for {value!r}",
        {"ledger_event_handler_id": str(handler.id), "variable": variable},
    )
