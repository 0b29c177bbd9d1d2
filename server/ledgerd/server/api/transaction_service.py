"""TransactionService: double-entry writes and their reads. Convert, call one use case, convert back."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

from google.protobuf.message import Message

from ledgerd.server.api import convert
from ledgerd.server.api.responding import respond
from ledgerd.server.core.idempotency import Idempotency, Replay
from ledgerd.server.core.transactions import (
    CreateLedgerTransaction,
    PartialPostLedgerTransaction,
    ReverseLedgerTransaction,
    TransactionsUseCases,
    UpdateLedgerTransaction,
)
from ledgerd.server.domain import limits
from ledgerd.server.domain.balances import Status
from ledgerd.server.domain.errors import LedgerError
from ledgerd.server.domain.model import LedgerTransaction
from ledgerd.server.domain.transactions import EntryRequest
from ledgerd.server.domain.validation import Violations
from ledgerd.server.interceptors.authentication import current_organization
from ledgerd.server.interceptors.errors import item_error
from ledgerd.v1 import common_pb2, transaction_pb2_grpc
from ledgerd.v1 import transaction_pb2 as pb

R = TypeVar("R", bound=Message)
ALL_STATUSES = (Status.PENDING, Status.POSTED, Status.ARCHIVED)
CHANGED_STATUSES = (Status.POSTED, Status.ARCHIVED)


def _created(transaction: LedgerTransaction) -> pb.CreateLedgerTransactionResponse:
    return pb.CreateLedgerTransactionResponse(ledger_transaction=convert.ledger_transaction(transaction))


def _create_command(
    request: pb.CreateLedgerTransactionRequest, idempotency: Idempotency[LedgerTransaction] | None
) -> CreateLedgerTransaction:
    """The write a create request asks for; INVALID_ARGUMENT with every violation otherwise."""
    violations = Violations()
    convert.common_fields(violations, request)
    entries = convert.entry_requests(violations, "ledger_entries", request.ledger_entries)
    status = convert.status(violations, "status", request.status, allowed=ALL_STATUSES) or Status.PENDING
    effective_at = convert.optional_datetime(violations, request, "effective_at", stored=True)
    violations.raise_if_any()
    return CreateLedgerTransaction(
        ledger_entries=entries,
        status=status,
        description=request.description,
        external_id=request.external_id or None,
        effective_at=effective_at,
        metadata=dict(request.metadata),
        fingerprint=convert.fingerprint("CreateLedgerTransaction", request),
        idempotency=idempotency,
    )


def _idempotency(key: str, request: pb.CreateLedgerTransactionRequest) -> Idempotency[LedgerTransaction]:
    # The same key, fingerprint and stored response as a single CreateLedgerTransaction: a batch item
    # and a single call with the same key and body replay each other.
    return Idempotency(
        key, convert.fingerprint("CreateLedgerTransaction", request), lambda t: _created(t).SerializeToString()
    )


class TransactionService(transaction_pb2_grpc.TransactionServiceServicer):
    def __init__(self, transactions: TransactionsUseCases) -> None:
        self.transactions = transactions

    async def CreateLedgerTransaction(
        self, request: pb.CreateLedgerTransactionRequest, context: Any
    ) -> pb.CreateLedgerTransactionResponse:
        command = _create_command(request, None)
        return await self._write("CreateLedgerTransaction", request, pb.CreateLedgerTransactionResponse, command)

    async def CreateLedgerTransactions(
        self, request: pb.CreateLedgerTransactionsRequest, context: Any
    ) -> pb.CreateLedgerTransactionsResponse:
        violations = Violations()
        if not request.requests:
            violations.add("requests", "is required")
        if len(request.requests) > limits.transactions_per_batch_max:
            violations.add(
                "requests", f"has more than {limits.transactions_per_batch_max} items (transactions_per_batch_max)"
            )
        violations.text("idempotency_key", request.idempotency_key, limits.idempotency_key_length_max - 4)
        violations.raise_if_any()
        results: list[pb.CreateLedgerTransactionsResult | None] = []
        commands: list[tuple[int, CreateLedgerTransaction]] = []
        for index, item in enumerate(request.requests):
            key = item.idempotency_key or (f"{request.idempotency_key}/{index}" if request.idempotency_key else "")
            try:
                commands.append((index, _create_command(item, _idempotency(key, item) if key else None)))
                results.append(None)
            except LedgerError as error:
                results.append(pb.CreateLedgerTransactionsResult(error=item_error(error)))
        outcomes = await self.transactions.create_many(current_organization(), [c for _, c in commands])
        for (index, _), outcome in zip(commands, outcomes, strict=True):
            results[index] = _result(outcome)
        return pb.CreateLedgerTransactionsResponse(results=[r for r in results if r is not None])

    async def GetLedgerTransaction(
        self, request: pb.GetLedgerTransactionRequest, context: Any
    ) -> pb.GetLedgerTransactionResponse:
        transaction_id = convert.required_id(request.id)
        transaction = await self.transactions.get(current_organization(), transaction_id)
        return pb.GetLedgerTransactionResponse(ledger_transaction=convert.ledger_transaction(transaction))

    async def ListLedgerTransactions(
        self, request: pb.ListLedgerTransactionsRequest, context: Any
    ) -> pb.ListLedgerTransactionsResponse:
        violations = Violations()
        page = convert.page_request(violations, request)
        ledger_id = violations.uuid("ledger_id", request.ledger_id, required=False)
        account_id = violations.uuid("ledger_account_id", request.ledger_account_id, required=False)
        status = convert.status(violations, "status", request.status, allowed=ALL_STATUSES)
        violations.text("external_id", request.external_id, limits.external_id_length_max)
        violations.metadata("metadata", request.metadata)
        effective_at_range = convert.effective_at_range(violations, request)
        violations.raise_if_any()
        result = await self.transactions.list(
            current_organization(),
            page,
            ledger_id=ledger_id,
            ledger_account_id=account_id,
            status=status.value if status else None,
            external_id=request.external_id or None,
            metadata=dict(request.metadata),
            **effective_at_range,
        )
        return pb.ListLedgerTransactionsResponse(
            ledger_transactions=[convert.ledger_transaction(t) for t in result.items],
            next_page_token=result.next_page_token,
        )

    async def UpdateLedgerTransaction(
        self, request: pb.UpdateLedgerTransactionRequest, context: Any
    ) -> pb.UpdateLedgerTransactionResponse:
        violations = Violations()
        transaction_id = violations.uuid("id", request.id)
        convert.common_fields(violations, request)
        status = convert.status(violations, "status", request.status, allowed=CHANGED_STATUSES)
        entries: tuple[EntryRequest, ...] = ()
        if request.ledger_entries:
            entries = convert.entry_requests(violations, "ledger_entries", request.ledger_entries)
        effective_at = convert.optional_datetime(violations, request, "effective_at", stored=True)
        violations.raise_if_any()
        assert transaction_id is not None
        command = UpdateLedgerTransaction(
            id=transaction_id,
            status=status,
            ledger_entries=entries,
            description=request.description if request.HasField("description") else None,
            metadata=dict(request.metadata),
            effective_at=effective_at,
        )
        return await self._write("UpdateLedgerTransaction", request, pb.UpdateLedgerTransactionResponse, command)

    async def ReverseLedgerTransaction(
        self, request: pb.ReverseLedgerTransactionRequest, context: Any
    ) -> pb.ReverseLedgerTransactionResponse:
        violations = Violations()
        transaction_id = violations.uuid("id", request.id)
        convert.common_fields(violations, request)
        status = convert.status(violations, "status", request.status, allowed=ALL_STATUSES) or Status.POSTED
        effective_at = convert.optional_datetime(violations, request, "effective_at", stored=True)
        violations.raise_if_any()
        assert transaction_id is not None
        command = ReverseLedgerTransaction(
            id=transaction_id,
            status=status,
            description=request.description or None,
            external_id=request.external_id or None,
            effective_at=effective_at,
            metadata=dict(request.metadata),
            fingerprint=convert.fingerprint("ReverseLedgerTransaction", request),
        )
        return await self._write("ReverseLedgerTransaction", request, pb.ReverseLedgerTransactionResponse, command)

    async def GetLedgerEntry(self, request: pb.GetLedgerEntryRequest, context: Any) -> pb.GetLedgerEntryResponse:
        entry = await self.transactions.get_entry(current_organization(), convert.required_id(request.id))
        return pb.GetLedgerEntryResponse(ledger_entry=convert.ledger_entry(entry))

    async def ListLedgerEntries(
        self, request: pb.ListLedgerEntriesRequest, context: Any
    ) -> pb.ListLedgerEntriesResponse:
        violations = Violations()
        page = convert.page_request(violations, request)
        account_id = violations.uuid("ledger_account_id", request.ledger_account_id, required=False)
        transaction_id = violations.uuid("ledger_transaction_id", request.ledger_transaction_id, required=False)
        status = convert.status(violations, "status", request.status, allowed=ALL_STATUSES)
        direction = None
        if request.direction != common_pb2.DIRECTION_UNSPECIFIED:
            direction = convert.direction(violations, "direction", request.direction)
        effective_at_range = convert.effective_at_range(violations, request)
        violations.metadata("metadata", request.metadata)
        version_range = convert.optional_bounds(violations, request, "ledger_account_lock_version")
        if any(v is not None for v in version_range.values()) and account_id is None:
            violations.add("ledger_account_id", "is required with a lock_version bound: versions are per account")
        violations.raise_if_any()
        result = await self.transactions.list_entries(
            current_organization(),
            page,
            ledger_account_id=account_id,
            ledger_transaction_id=transaction_id,
            status=status.value if status else None,
            direction=direction.value if direction else None,
            show_discarded=request.show_discarded,
            metadata=dict(request.metadata),
            **effective_at_range,
            **version_range,
        )
        return pb.ListLedgerEntriesResponse(
            ledger_entries=[convert.ledger_entry(e) for e in result.items], next_page_token=result.next_page_token
        )

    async def PartialPostLedgerTransaction(
        self, request: pb.PartialPostLedgerTransactionRequest, context: Any
    ) -> pb.PartialPostLedgerTransactionResponse:
        violations = Violations()
        transaction_id = violations.uuid("id", request.id)
        convert.common_fields(violations, request)
        entries = convert.entry_requests(violations, "posted_ledger_entries", request.posted_ledger_entries)
        effective_at = convert.optional_datetime(violations, request, "effective_at", stored=True)
        violations.raise_if_any()
        assert transaction_id is not None
        command = PartialPostLedgerTransaction(
            id=transaction_id,
            posted_ledger_entries=entries,
            description=request.description or None,
            effective_at=effective_at,
            metadata=dict(request.metadata),
            fingerprint=convert.fingerprint("PartialPostLedgerTransaction", request),
        )
        return await self._write(
            "PartialPostLedgerTransaction", request, pb.PartialPostLedgerTransactionResponse, command
        )

    async def ListLedgerTransactionVersions(
        self, request: pb.ListLedgerTransactionVersionsRequest, context: Any
    ) -> pb.ListLedgerTransactionVersionsResponse:
        violations = Violations()
        transaction_id = violations.uuid("ledger_transaction_id", request.ledger_transaction_id)
        page = convert.page_request(violations, request)
        bounds = convert.optional_bounds(violations, request, "version")
        violations.raise_if_any()
        assert transaction_id is not None
        result = await self.transactions.list_versions(current_organization(), transaction_id, page, **bounds)
        return pb.ListLedgerTransactionVersionsResponse(
            ledger_transaction_versions=[convert.ledger_transaction_version(v) for v in result.items],
            next_page_token=result.next_page_token,
        )

    async def _write(self, method: str, request: Any, response_type: type[R], command: Any) -> R:
        """One write through the coalescer, answered with the transaction it made or changed (or
        replayed by its idempotency key)."""
        organization = current_organization()
        return await respond(
            method,
            request,
            response_type,
            lambda idempotency: self.transactions.write(organization, _with(command, idempotency)),
            lambda transaction: response_type(ledger_transaction=convert.ledger_transaction(transaction)),
        )


def _with(command: Any, idempotency: Idempotency[LedgerTransaction] | None) -> Any:
    return replace(command, idempotency=idempotency)


def _result(outcome: LedgerTransaction | Replay | LedgerError) -> pb.CreateLedgerTransactionsResult:
    if isinstance(outcome, LedgerError):
        return pb.CreateLedgerTransactionsResult(error=item_error(outcome))
    if isinstance(outcome, Replay):
        replayed = pb.CreateLedgerTransactionResponse.FromString(outcome.response)
        return pb.CreateLedgerTransactionsResult(ledger_transaction=replayed.ledger_transaction)
    return pb.CreateLedgerTransactionsResult(ledger_transaction=convert.ledger_transaction(outcome))
