"""One operation of /api: MT's method and path, the JSON models of its query and body, and the
gRPC servicer method it calls in process (no network hop and no serialization: the servicer is
called as a coroutine, so HTTP gets exactly gRPC's validation, limits, idempotency and tenancy).

A request goes: query string and JSON body, checked by their pydantic models (every bad field is
one 422 listing them all) -> the servicer's request message (wire.fill) -> the servicer -> the
object of its response as MT's JSON (wire.to_json, then the operation's `shape`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import json5
import pydantic
from aiohttp import web
from google.protobuf import json_format, message_factory
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from multidict import MultiMapping

from ledgerd.server.api.event_service import EventService
from ledgerd.server.api.ledger_service import LedgerService
from ledgerd.server.api.monitor_service import BalanceMonitorService
from ledgerd.server.api.transaction_service import TransactionService
from ledgerd.server.core.use_cases import UseCases
from ledgerd.server.domain import limits
from ledgerd.server.domain.errors import FieldViolation, InvalidArgument
from ledgerd.server.http.auth import api_key
from ledgerd.server.http.wire import fill, to_json
from ledgerd.server.interceptors.authentication import act_as
from ledgerd.server.interceptors.authorization import Authorizer
from ledgerd.v1 import event_pb2, ledger_pb2, monitor_pb2, transaction_pb2

JsonObject = dict[str, Any]
Shape = Callable[[JsonObject], JsonObject]
IDEMPOTENCY_KEY = "Idempotency-Key"
AFTER_CURSOR = "X-After-Cursor"
PER_PAGE = "X-Per-Page"
PATH_PARAMETER = re.compile(r"\{([^}]+)\}")
# The proto service of each Bridge field.
SERVICES: Mapping[str, ServiceDescriptor] = {
    "ledgers": ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"],
    "transactions": transaction_pb2.DESCRIPTOR.services_by_name["TransactionService"],
    "monitors": monitor_pb2.DESCRIPTOR.services_by_name["BalanceMonitorService"],
    "events": event_pb2.DESCRIPTOR.services_by_name["EventService"],
}
# `name`, `name[]` and `name[key]` (MT's query style: arrays with brackets, maps as deepObject).
QUERY_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\[\]]*)\])?$")


def unchanged(value: JsonObject) -> JsonObject:
    return value


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # under /api, aiohttp's syntax: /ledgers/{id}
    summary: str
    service: str  # a field of Bridge
    rpc: str  # the servicer's method; its request and response messages follow from the proto
    response: type[pydantic.BaseModel]  # MT's object, for the OpenAPI document
    body: type[pydantic.BaseModel] | None = None
    query: type[pydantic.BaseModel] | None = None
    # Path parameter -> request field; by default each parameter fills the field of its name.
    path_fields: Mapping[str, str] | None = None
    status: int = 200
    listing: bool = False
    # MT's touches the mechanical mapping cannot make: on the request's fields, and on the object.
    prepare: Shape = unchanged
    shape: Shape = unchanged

    @property
    def name(self) -> str:
        return self.rpc

    @property
    def fields_of_path(self) -> Mapping[str, str]:
        if self.path_fields is not None:
            return self.path_fields
        return {name: name for name in PATH_PARAMETER.findall(self.path)}

    @property
    def method_descriptor(self) -> MethodDescriptor:
        return SERVICES[self.service].methods_by_name[self.rpc]

    @property
    def request_type(self) -> type[Message]:
        return message_factory.GetMessageClass(self.method_descriptor.input_type)

    @property
    def answer(self) -> str:
        """The response's field holding the object (or, listing, the list): its first message field
        (the resource, by the protos' convention; CreateLedgerableEvent's second is the transaction
        written, which MT's answer names by its id)."""
        return next(f.name for f in self.method_descriptor.output_type.fields if f.message_type is not None)


@dataclass(frozen=True)
class Bridge:
    """The servicers /api calls: instances of the gRPC ones, on the same use cases."""

    ledgers: LedgerService
    transactions: TransactionService
    monitors: BalanceMonitorService
    events: EventService

    @classmethod
    def of(cls, use_cases: UseCases) -> Bridge:
        return cls(
            ledgers=LedgerService(use_cases.ledgers, use_cases.categories, use_cases.history),
            transactions=TransactionService(use_cases.transactions, use_cases.transaction_feed),
            monitors=BalanceMonitorService(use_cases.monitors),
            events=EventService(use_cases.events),
        )


def field_name(location: tuple[int | str, ...]) -> str:
    """("ledger_entries", 0, "amount") as ledger_entries[0].amount, MT's way of naming a parameter."""
    name = ""
    for part in location:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name


def validated(model: type[pydantic.BaseModel], data: Any, prefix: tuple[str, ...] = ()) -> JsonObject:
    try:
        parsed = model.model_validate(data)
    except pydantic.ValidationError as error:
        raise InvalidArgument(
            [
                FieldViolation(field_name((*prefix, *problem["loc"])) or "body", problem["msg"])
                for problem in error.errors(include_url=False)
            ]
        ) from None
    return parsed.model_dump(exclude_unset=True)


def query_values(query: MultiMapping[str]) -> JsonObject:
    """MT's query string as JSON: `a=1` as a, `a[]=1&a[]=2` as a list, `a[k]=v` as a map."""
    values: JsonObject = {}
    violations = []
    for key, value in query.items():
        match = QUERY_KEY.fullmatch(key)
        if match is None:
            violations.append(FieldViolation(key[:100], "is not a parameter of this operation"))
            continue
        name, inner = match.group(1), match.group(2)
        if inner is None:
            values[name] = value
        elif inner == "":
            values.setdefault(name, [])
            if isinstance(values[name], list):
                values[name].append(value)
        else:
            values.setdefault(name, {})
            if isinstance(values[name], dict):
                values[name][inner] = value
    if violations:
        raise InvalidArgument(violations)
    return values


async def json_body(request: web.Request) -> JsonObject:
    """The JSON object sent; none at all reads as {}. Strict JSON first; failing that, JSON5, which
    forgives what hand-written bodies carry (the seeds' own tutorial has a trailing comma)."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise InvalidArgument([FieldViolation("body", "is not UTF-8")]) from None
    try:
        data = json.loads(text)
    except ValueError:
        data = lenient_json(text)
    except RecursionError:
        raise InvalidArgument([FieldViolation("body", "is nested too deeply")]) from None
    if not isinstance(data, dict):
        raise InvalidArgument([FieldViolation("body", "must be a JSON object")])
    return data


def lenient_json(text: str) -> Any:
    """JSON5 for a small body strict JSON refused (http_lenient_body_bytes_max)."""
    not_json = InvalidArgument([FieldViolation("body", "is not JSON")])
    if len(text) > limits.http_lenient_body_bytes_max:
        raise not_json
    try:
        return json5.loads(text)
    except (ValueError, RecursionError, OverflowError):
        raise not_json from None


def request_message(request_type: type[Message], data: JsonObject) -> Message:
    try:
        return fill(request_type(), data)
    except (ValueError, TypeError, OverflowError, json_format.ParseError) as error:
        # What the models let through but protobuf refuses (a lone surrogate in a string, say).
        raise InvalidArgument([FieldViolation("body", f"cannot be represented: {error}")]) from None


def route_of(operation: Operation, bridge: Bridge, authorizer: Authorizer) -> web.RouteDef:
    servicer = getattr(bridge, operation.service)
    call = getattr(servicer, operation.rpc)
    request_type, answer_field = operation.request_type, operation.answer
    # The key's role and ledgers are checked as for the gRPC method the operation calls: one table
    # (api/access.py), one check (interceptors/authorization.py).
    authorized = authorizer.call_of(f"/{SERVICES[operation.service].full_name}/{operation.rpc}", False)

    async def handle(request: web.Request) -> web.Response:
        message = await request_of(operation, request_type, request)
        key = api_key(request)
        # The audit trail's method: the route as the OpenAPI document names it.
        act_as(key, f"{operation.method} /api{operation.path}")
        response = await authorized.unary(key, lambda message, _context: call(message, None), message, None)
        answer = getattr(response, answer_field)
        if not operation.listing:
            return json_response(operation.shape(to_json(answer)), operation.status)
        headers = {PER_PAGE: str(message.page_size or limits.page_size_default)}  # type: ignore[attr-defined]
        if response.next_page_token:
            headers[AFTER_CURSOR] = response.next_page_token
        return json_response([operation.shape(to_json(item)) for item in answer], operation.status, headers)

    return web.route(operation.method, operation.path, handle, name=operation.name)


async def request_of(operation: Operation, request_type: type[Message], request: web.Request) -> Message:
    """The servicer's request message for an HTTP request: its query, body and path, MT's page
    parameters as the message's, and the Idempotency-Key header as its idempotency_key (whose
    length the servicer checks, as over gRPC)."""
    data: JsonObject = {}
    query = query_values(request.query)
    if operation.query is not None:
        data.update(validated(operation.query, query))
    elif query:
        raise InvalidArgument([FieldViolation(name, "is not a parameter of this operation") for name in query])
    if operation.body is not None:
        data.update(validated(operation.body, await json_body(request)))
    data.update({field: request.match_info[name] for name, field in operation.fields_of_path.items()})
    if operation.listing:
        data["page_size"] = data.pop("per_page", None)
        data["page_token"] = data.pop("after_cursor", None)
    key = request.headers.get(IDEMPOTENCY_KEY)
    if key is not None and "idempotency_key" in request_type.DESCRIPTOR.fields_by_name:
        data["idempotency_key"] = key
    return request_message(request_type, operation.prepare(data))


def json_response(body: Any, status: int, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(body, separators=(",", ":")).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
    )
