"""HoldService: the card-authorization flow. Convert, call one use case, convert back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from functools import partial
from typing import Any

from ledgerd.server.api import convert
from ledgerd.server.api.responding import Rendering, answer, idempotency_of, respond
from ledgerd.server.core.clock import utcnow
from ledgerd.server.core.holds import (
    CaptureHold,
    HoldAnswer,
    HoldsUseCases,
    IncreaseHold,
    PlaceHold,
    ReleaseHold,
)
from ledgerd.server.core.idempotency import Idempotency
from ledgerd.server.domain import limits
from ledgerd.server.domain.errors import LedgerError
from ledgerd.server.domain.validation import Violations
from ledgerd.server.interceptors.authentication import current_organization
from ledgerd.server.interceptors.errors import item_error, translate
from ledgerd.v1 import errors_pb2, hold_pb2_grpc
from ledgerd.v1 import hold_pb2 as pb


def _answer(answer: HoldAnswer) -> pb.PlaceHoldResponse:
    return pb.PlaceHoldResponse(
        decision=convert.HOLD_DECISION_VALUES[answer.decision],
        decline_reason=convert.DECLINE_REASON_VALUES[answer.decline_reason] if answer.decline_reason else None,
        hold=convert.hold(answer.hold) if answer.hold else None,
        available_balance=convert.balance(answer.available_balance),
    )


def _place_command(request: pb.PlaceHoldRequest) -> PlaceHold:
    """The write a PlaceHold request asks for; INVALID_ARGUMENT with every violation otherwise."""
    violations = Violations()
    account_id = violations.uuid("ledger_account_id", request.ledger_account_id)
    counter_id = violations.uuid("counter_ledger_account_id", request.counter_ledger_account_id)
    if account_id is not None and account_id == counter_id:
        violations.add("counter_ledger_account_id", "must differ from ledger_account_id")
    violations.amount("amount", request.amount)
    if request.currency:
        violations.currency("currency", request.currency)
    convert.common_fields(violations, request)
    expires_at = convert.optional_datetime(violations, request, "expires_at", stored=True)
    if expires_at is not None and expires_at <= utcnow():
        violations.add("expires_at", "must be in the future")
    timeout_seconds = None
    if request.HasField("timeout_seconds"):
        timeout_seconds = request.timeout_seconds
        if not 1 <= timeout_seconds <= limits.hold_timeout_seconds_max:
            violations.add(
                "timeout_seconds", f"must be 1 to {limits.hold_timeout_seconds_max} (hold_timeout_seconds_max)"
            )
    floor = 0
    if request.HasField("available_balance_amount"):
        guard = request.available_balance_amount
        if any(guard.HasField(bound) for bound in ("gt", "lt", "lte", "eq")):
            violations.add("available_balance_amount", "only gte (the floor of the available balance) is accepted")
        floor = guard.gte
    violations.raise_if_any()
    assert account_id is not None and counter_id is not None
    return PlaceHold(
        ledger_account_id=account_id,
        counter_ledger_account_id=counter_id,
        amount=request.amount,
        currency=request.currency or None,
        external_id=request.external_id or None,
        expires_at=expires_at,
        timeout_seconds=timeout_seconds,
        allow_partial=request.allow_partial,
        available_balance_floor=floor,
        metadata=dict(request.metadata),
        fingerprint=convert.fingerprint("PlaceHold", request),
    )


def _hold_id_and_amount(request: pb.IncreaseHoldRequest | pb.CaptureHoldRequest) -> uuid.UUID:
    """The hold a request names, after checking it and the amount (INVALID_ARGUMENT otherwise)."""
    violations = Violations()
    hold_id = violations.uuid("hold_id", request.hold_id)
    violations.amount("amount", request.amount)
    convert.common_fields(violations, request)
    violations.raise_if_any()
    assert hold_id is not None
    return hold_id


def _with(command: Any, idempotency: Idempotency[Any] | None) -> Any:
    return replace(command, idempotency=idempotency)


class HoldService(hold_pb2_grpc.HoldServiceServicer):
    def __init__(self, holds: HoldsUseCases) -> None:
        self.holds = holds

    async def PlaceHold(self, request: pb.PlaceHoldRequest, context: Any) -> pb.PlaceHoldResponse:
        command = _place_command(request)
        organization = current_organization()
        return await respond(
            "PlaceHold",
            request,
            pb.PlaceHoldResponse,
            lambda idempotency: self.holds.write(organization, _with(command, idempotency)),
            _answer,
            command.fingerprint,
        )

    def _placing(
        self, organization: uuid.UUID, request: pb.PlaceHoldRequest
    ) -> asyncio.Future[pb.PlaceHoldResponse | errors_pb2.ItemError]:
        """PlaceHold without a handler of its own: the request goes straight to the batcher, and the
        future answers as PlaceHold would, or with the refusal PlaceHold would raise."""
        placed: asyncio.Future[pb.PlaceHoldResponse | errors_pb2.ItemError] = asyncio.get_running_loop().create_future()
        try:
            command = _place_command(request)
        except LedgerError as error:
            placed.set_result(item_error(error))
            return placed
        rendering = Rendering(_answer)
        idempotency = idempotency_of("PlaceHold", request, rendering, command.fingerprint)

        def decided(outcome: asyncio.Future[Any]) -> None:
            try:
                result = outcome.result()
                if isinstance(result, LedgerError):
                    raise result
                placed.set_result(answer(result, pb.PlaceHoldResponse, rendering))
            except BaseException as error:  # one request's failure (even a cancelled batch) is its own answer
                placed.set_result(item_error(translate(error)))

        self.holds.enqueue(organization, _with(command, idempotency)).add_done_callback(decided)
        return placed

    async def PlaceHoldBatch(self, request: pb.PlaceHoldBatchRequest, context: Any) -> pb.PlaceHoldBatchResponse:
        violations = Violations()
        if not request.requests:
            violations.add("requests", "is required")
        if len(request.requests) > limits.holds_per_place_batch_max:
            violations.add(
                "requests", f"has more than {limits.holds_per_place_batch_max} items (holds_per_place_batch_max)"
            )
        violations.raise_if_any()
        organization = current_organization()
        # Queued in order, so the batcher decides them in order (core.coalescer).
        answers = await asyncio.gather(*[self._placing(organization, item) for item in request.requests])
        return pb.PlaceHoldBatchResponse(
            results=[
                pb.PlaceHoldBatchResult(error=a)
                if isinstance(a, errors_pb2.ItemError)
                else pb.PlaceHoldBatchResult(response=a)
                for a in answers
            ]
        )

    async def PlaceHolds(
        self, requests: AsyncIterator[pb.PlaceHoldRequest], context: Any
    ) -> AsyncIterator[pb.PlaceHoldResponse]:
        """Decides up to holds_per_stream_in_flight_max requests at once (they coalesce with every
        other write); answers as each decision is made. Each message goes straight to the batcher."""
        organization = current_organization()
        answers: asyncio.Queue[pb.PlaceHoldResponse | None] = asyncio.Queue()
        room = asyncio.Semaphore(limits.holds_per_stream_in_flight_max)
        pending: set[asyncio.Future[Any]] = set()

        def answered(request: pb.PlaceHoldRequest, placed: asyncio.Future[Any]) -> None:
            pending.discard(placed)
            room.release()
            result = placed.result()
            response = pb.PlaceHoldResponse(error=result) if isinstance(result, errors_pb2.ItemError) else result
            response.idempotency_key = request.idempotency_key
            response.external_id = request.external_id
            answers.put_nowait(response)

        async def read() -> None:
            async for request in requests:
                await room.acquire()
                placed = self._placing(organization, request)
                pending.add(placed)
                placed.add_done_callback(partial(answered, request))
            if pending:
                await asyncio.wait(set(pending))
            answers.put_nowait(None)

        reader = asyncio.create_task(read())
        try:
            while (response := await answers.get()) is not None:
                yield response
            await reader
        finally:
            reader.cancel()

    async def IncreaseHold(self, request: pb.IncreaseHoldRequest, context: Any) -> pb.IncreaseHoldResponse:
        command = IncreaseHold(_hold_id_and_amount(request), request.amount)
        organization = current_organization()

        def render(answer: HoldAnswer) -> pb.IncreaseHoldResponse:
            placed = _answer(answer)
            return pb.IncreaseHoldResponse(
                decision=placed.decision,
                decline_reason=placed.decline_reason,
                hold=placed.hold,
                available_balance=placed.available_balance,
            )

        return await respond(
            "IncreaseHold",
            request,
            pb.IncreaseHoldResponse,
            lambda idempotency: self.holds.write(organization, _with(command, idempotency)),
            render,
        )

    async def CaptureHold(self, request: pb.CaptureHoldRequest, context: Any) -> pb.CaptureHoldResponse:
        final = request.final if request.HasField("final") else True
        command = CaptureHold(_hold_id_and_amount(request), request.amount, final)
        organization = current_organization()
        return await respond(
            "CaptureHold",
            request,
            pb.CaptureHoldResponse,
            lambda idempotency: self.holds.write(organization, _with(command, idempotency)),
            lambda captured: pb.CaptureHoldResponse(
                hold=convert.hold(captured.hold),
                ledger_transaction=convert.ledger_transaction(captured.ledger_transaction),
            ),
        )

    async def ReleaseHold(self, request: pb.ReleaseHoldRequest, context: Any) -> pb.ReleaseHoldResponse:
        violations = Violations()
        hold_id = violations.uuid("hold_id", request.hold_id)
        if request.HasField("amount"):
            violations.amount("amount", request.amount)
        convert.common_fields(violations, request)
        violations.raise_if_any()
        assert hold_id is not None
        command = ReleaseHold(hold_id, request.amount if request.HasField("amount") else None)
        organization = current_organization()
        return await respond(
            "ReleaseHold",
            request,
            pb.ReleaseHoldResponse,
            lambda idempotency: self.holds.write(organization, _with(command, idempotency)),
            lambda hold: pb.ReleaseHoldResponse(hold=convert.hold(hold)),
        )

    async def GetHold(self, request: pb.GetHoldRequest, context: Any) -> pb.GetHoldResponse:
        hold = await self.holds.get(current_organization(), convert.required_id(request.id))
        return pb.GetHoldResponse(hold=convert.hold(hold))

    async def ListHolds(self, request: pb.ListHoldsRequest, context: Any) -> pb.ListHoldsResponse:
        violations = Violations()
        page = convert.page_request(violations, request)
        account_id = violations.uuid("ledger_account_id", request.ledger_account_id, required=False)
        status = convert.hold_status(violations, "status", request.status)
        violations.text("external_id", request.external_id, limits.external_id_length_max)
        violations.metadata("metadata", request.metadata)
        violations.raise_if_any()
        result = await self.holds.list(
            current_organization(),
            page,
            ledger_account_id=account_id,
            status=status.value if status else None,
            external_id=request.external_id or None,
            metadata=dict(request.metadata),
        )
        return pb.ListHoldsResponse(
            holds=[convert.hold(h) for h in result.items], next_page_token=result.next_page_token
        )
