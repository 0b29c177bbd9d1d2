"""EventService: event handlers and ledgerable events. Convert, call one use case, convert back.

A handler's conditions, variables and template travel in Modern Treasury's JSON shape (the proto
messages as JSON with their field names), which is also how they are stored."""

from __future__ import annotations

import json
from typing import Any

from google.protobuf import json_format, struct_pb2

from ledgerd.server.api import convert
from ledgerd.server.api.convert_json import plain_struct, plain_value
from ledgerd.server.api.responding import respond
from ledgerd.server.core.events import EventOutcome, EventRequest, EventsUseCases, HandlerDefinition
from ledgerd.server.domain import limits
from ledgerd.server.domain.events import LedgerableEvent, LedgerEventHandler
from ledgerd.server.domain.validation import Violations
from ledgerd.server.interceptors.authentication import current_organization
from ledgerd.v1 import event_pb2 as pb
from ledgerd.v1 import event_pb2_grpc


def _json(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def ledger_event_handler(value: LedgerEventHandler) -> pb.LedgerEventHandler:
    message = pb.LedgerEventHandler(
        id=str(value.id),
        ledger_id=str(value.ledger_id),
        name=value.name,
        description=value.description,
        metadata=value.metadata,
        created_at=convert.timestamp(value.created_at),
        updated_at=convert.timestamp(value.updated_at),
        disabled_at=convert.timestamp(value.disabled_at),
    )
    json_format.ParseDict(value.conditions, message.conditions)
    json_format.ParseDict(value.ledger_transaction_template, message.ledger_transaction_template)
    for name, variable in value.variables.items():
        json_format.ParseDict(variable, message.variables[name])
    return message


def ledgerable_event(value: LedgerableEvent) -> pb.LedgerableEvent:
    custom_data = struct_pb2.Struct()
    custom_data.update(value.custom_data)
    return pb.LedgerableEvent(
        id=str(value.id),
        ledger_id=str(value.ledger_id),
        name=value.name,
        description=value.description,
        custom_data=custom_data,
        metadata=value.metadata,
        ledger_event_handler_id=str(value.ledger_event_handler_id),
        ledger_transaction_id=str(value.ledger_transaction_id),
        created_at=convert.timestamp(value.created_at),
    )


def _created_event(outcome: EventOutcome) -> pb.CreateLedgerableEventResponse:
    return pb.CreateLedgerableEventResponse(
        ledgerable_event=ledgerable_event(outcome.ledgerable_event),
        ledger_transaction=convert.ledger_transaction(outcome.ledger_transaction),
    )


def _values_in(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_values_in(v) for v in value.values())
    if isinstance(value, list):
        return sum(_values_in(v) for v in value)
    return 1


def _custom_data(violations: Violations, message: struct_pb2.Struct) -> dict[str, Any]:
    # Its wire size bounds its JSON size from below (within a few bytes per value): a far larger one
    # is refused before it is walked.
    if message.ByteSize() > 2 * limits.custom_data_bytes_max:
        violations.add(
            "custom_data", f"is larger than {limits.custom_data_bytes_max} bytes as JSON (custom_data_bytes_max)"
        )
        return {}
    data = plain_struct(violations, "custom_data", message)
    if len(json.dumps(data, separators=(",", ":"))) > limits.custom_data_bytes_max:
        violations.add(
            "custom_data", f"is larger than {limits.custom_data_bytes_max} bytes as JSON (custom_data_bytes_max)"
        )
    elif _values_in(data) > limits.custom_data_values_max:
        violations.add("custom_data", f"has more than {limits.custom_data_values_max} values (custom_data_values_max)")
    return data


def _variables(violations: Violations, request: pb.CreateLedgerEventHandlerRequest) -> dict[str, Any]:
    """The variables in Modern Treasury's JSON shape, once their query values are known to be JSON."""
    variables = {}
    for name, variable in request.variables.items():
        if variable.query.HasField("value"):
            plain_value(violations, f"variables[{name[:40]}].query.value", variable.query.value)
    if not violations.items:
        variables = {name: _json(variable) for name, variable in request.variables.items()}
    return variables


class EventService(event_pb2_grpc.EventServiceServicer):
    def __init__(self, events: EventsUseCases) -> None:
        self.events = events

    async def CreateLedgerEventHandler(
        self, request: pb.CreateLedgerEventHandlerRequest, context: Any
    ) -> pb.CreateLedgerEventHandlerResponse:
        violations = Violations()
        ledger_id = violations.uuid("ledger_id", request.ledger_id)
        convert.common_fields(violations, request, name_required=True)
        for field in ("conditions", "ledger_transaction_template"):
            if not request.HasField(field):
                violations.add(field, "is required")
        variables = _variables(violations, request)
        violations.raise_if_any()
        assert ledger_id is not None
        definition = HandlerDefinition(
            ledger_id=ledger_id,
            name=request.name,
            description=request.description,
            conditions={k: getattr(request.conditions, k) for k in ("field", "operator", "value")},
            variables=variables,
            ledger_transaction_template=_json(request.ledger_transaction_template),
            metadata=dict(request.metadata),
        )
        organization = current_organization()
        return await respond(
            "CreateLedgerEventHandler",
            request,
            pb.CreateLedgerEventHandlerResponse,
            lambda idempotency: self.events.create_handler(organization, definition, idempotency),
            lambda h: pb.CreateLedgerEventHandlerResponse(ledger_event_handler=ledger_event_handler(h)),
        )

    async def GetLedgerEventHandler(
        self, request: pb.GetLedgerEventHandlerRequest, context: Any
    ) -> pb.GetLedgerEventHandlerResponse:
        handler = await self.events.get_handler(current_organization(), convert.required_id(request.id))
        return pb.GetLedgerEventHandlerResponse(ledger_event_handler=ledger_event_handler(handler))

    async def ListLedgerEventHandlers(
        self, request: pb.ListLedgerEventHandlersRequest, context: Any
    ) -> pb.ListLedgerEventHandlersResponse:
        violations = Violations()
        page = convert.page_request(violations, request)
        ledger_id = violations.uuid("ledger_id", request.ledger_id, required=False)
        violations.text("name", request.name, limits.name_length_max)
        violations.metadata("metadata", request.metadata)
        violations.raise_if_any()
        result = await self.events.list_handlers(
            current_organization(),
            page,
            ledger_id=ledger_id,
            name=request.name or None,
            metadata=dict(request.metadata),
        )
        return pb.ListLedgerEventHandlersResponse(
            ledger_event_handlers=[ledger_event_handler(h) for h in result.items],
            next_page_token=result.next_page_token,
        )

    async def DisableLedgerEventHandler(
        self, request: pb.DisableLedgerEventHandlerRequest, context: Any
    ) -> pb.DisableLedgerEventHandlerResponse:
        violations = Violations()
        handler_id = violations.uuid("id", request.id)
        convert.common_fields(violations, request)
        violations.raise_if_any()
        assert handler_id is not None
        organization = current_organization()
        return await respond(
            "DisableLedgerEventHandler",
            request,
            pb.DisableLedgerEventHandlerResponse,
            lambda idempotency: self.events.disable_handler(organization, handler_id, idempotency),
            lambda h: pb.DisableLedgerEventHandlerResponse(ledger_event_handler=ledger_event_handler(h)),
        )

    async def CreateLedgerableEvent(
        self, request: pb.CreateLedgerableEventRequest, context: Any
    ) -> pb.CreateLedgerableEventResponse:
        violations = Violations()
        ledger_id = violations.uuid("ledger_id", request.ledger_id)
        convert.common_fields(violations, request, name_required=True)
        custom_data = _custom_data(violations, request.custom_data)
        violations.raise_if_any()
        assert ledger_id is not None
        event = EventRequest(
            ledger_id=ledger_id,
            name=request.name,
            description=request.description,
            custom_data=custom_data,
            metadata=dict(request.metadata),
            fingerprint=convert.fingerprint("CreateLedgerableEvent", request),
        )
        organization = current_organization()
        return await respond(
            "CreateLedgerableEvent",
            request,
            pb.CreateLedgerableEventResponse,
            lambda idempotency: self.events.create_event(organization, event, idempotency),
            _created_event,
        )

    async def GetLedgerableEvent(
        self, request: pb.GetLedgerableEventRequest, context: Any
    ) -> pb.GetLedgerableEventResponse:
        event = await self.events.get_event(current_organization(), convert.required_id(request.id))
        return pb.GetLedgerableEventResponse(ledgerable_event=ledgerable_event(event))
