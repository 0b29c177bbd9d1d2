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
from dataclasses import dataclass, field
from typing import Any

import json5
import pydantic
from aiohttp import web
from google.protobuf.message import Message
from multidict import MultiMapping

from ledgerd.server.api.balance_service import BalanceService
from ledgerd.server.api.event_service import EventService
from ledgerd.server.api.ledger_service import LedgerService
from ledgerd.server.api.monitor_service import BalanceMonitorService
from ledgerd.server.api.transaction_service import TransactionService
from ledgerd.server.core.use_cases import UseCases
from ledgerd.server.domain import limits
from ledgerd.server.domain.errors import FieldViolation, InvalidArgument
from ledgerd.server.http.auth import organization
from ledgerd.server.http.wire import fill, to_json
from ledgerd.server.interceptors.authentication import act_as

JsonObject = dict[str, Any]
Shape = Callable[[JsonObject], JsonObject]
IDEMPOTENCY_KEY = "Idempotency-Key"
AFTER_CURSOR = "X-After-Cursor"
PER_PAGE = "X-Per-Page"
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
    rpc: str  # the servicer's method
    request_type: type[Message]
    answer: str  # the field of the rpc's response holding the object (or, listing, the list)
    response: type[pydantic.BaseModel]  # MT's object, for the OpenAPI document
    body: type[pydantic.BaseModel] | None = None
    query: type[pydantic.BaseModel] | None = None
    path_fields: Mapping[str, str] = field(default_factory=lambda: {"id": "id"})
    status: int = 200
    listing: bool = False
    # MT's touches the mechanical mapping cannot make: on the request's fields, and on the object.
    prepare: Shape = unchanged
    shape: Shape = unchanged

    @property
    def name(self) -> str:
        return self.rpc


@dataclass(frozen=True)
class Bridge:
    """The servicers /api calls: instances of the gRPC ones, on the same use cases."""

    ledgers: LedgerService
    transactions: TransactionService
    balances: BalanceService
    monitors: BalanceMonitorService
    events: EventService

    @classmethod
    def of(cls, use_cases: UseCases) -> Bridge:
        return cls(
            ledgers=LedgerService(use_cases.ledgers, use_cases.categories, use_cases.history),
            transactions=TransactionService(use_cases.transactions, use_cases.transaction_feed),
            balances=BalanceService(use_cases.balances, use_cases.watching),
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
        try:
            data = json5.loads(text)
        except (ValueError, RecursionError, OverflowError):
            raise InvalidArgument([FieldViolation("body", "is not JSON")]) from None
    except RecursionError:
        raise InvalidArgument([FieldViolation("body", "is nested too deeply")]) from None
    if not isinstance(data, dict):
        raise InvalidArgument([FieldViolation("body", "must be a JSON object")])
    return data


def request_message(operation: Operation, data: JsonObject) -> Message:
    try:
        return fill(operation.request_type(), data)
    except (ValueError, TypeError, OverflowError) as error:
        # What the models let through but protobuf refuses (a lone surrogate in a string, say).
        raise InvalidArgument([FieldViolation("body", f"cannot be represented: {error}")]) from None


def route_of(operation: Operation, bridge: Bridge) -> web.RouteDef:
    servicer = getattr(bridge, operation.service)
    call = getattr(servicer, operation.rpc)

    async def handle(request: web.Request) -> web.Response:
        data: JsonObject = {}
        query = query_values(request.query)
        if operation.query is not None:
            data.update(validated(operation.query, query))
        elif query:
            raise InvalidArgument([FieldViolation(name, "is not a parameter of this operation") for name in query])
        if operation.body is not None:
            data.update(validated(operation.body, await json_body(request)))
        data.update({fields: request.match_info[name] for name, fields in operation.path_fields.items()})
        if operation.listing:
            data["page_size"] = data.pop("per_page", None)
            data["page_token"] = data.pop("after_cursor", None)
        message = request_message(operation, operation.prepare(data))
        key = request.headers.get(IDEMPOTENCY_KEY)
        if key is not None and "idempotency_key" in message.DESCRIPTOR.fields_by_name:
            if len(key) > limits.idempotency_key_length_max:
                raise InvalidArgument(
                    [FieldViolation(IDEMPOTENCY_KEY, f"is longer than {limits.idempotency_key_length_max} characters")]
                )
            message.idempotency_key = key  # type: ignore[attr-defined]
        act_as(organization(request))
        response = await call(message, None)
        answer = getattr(response, operation.answer)
        if not operation.listing:
            return json_response(operation.shape(to_json(answer)), operation.status)
        headers = {PER_PAGE: str(message.page_size or limits.page_size_default)}  # type: ignore[attr-defined]
        if response.next_page_token:
            headers[AFTER_CURSOR] = response.next_page_token
        return json_response([operation.shape(to_json(item)) for item in answer], operation.status, headers)

    return web.route(operation.method, operation.path, handle, name=operation.name)


def json_response(body: Any, status: int, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(body, separators=(",", ":")).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
    )
