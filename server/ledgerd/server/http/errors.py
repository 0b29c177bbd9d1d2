"""The HTTP API's one error map: a domain error (the same ones the gRPC interceptor maps, through
the same `translate`) to Modern Treasury's status and body, `{"errors": {"code", "message",
"parameter"}}` (docs/modern-treasury.md, "Errors over HTTP"). aiohttp's own refusals (unknown path,
wrong method, body too large) leave in the same shape. Nothing else in the HTTP layer picks a status."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

from aiohttp import web

from ledgerd.server.domain.errors import (
    Aborted,
    AlreadyExists,
    ErrorReason,
    FailedPrecondition,
    InvalidArgument,
    InvariantViolation,
    LedgerError,
    NotFound,
    OutOfRange,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
)
from ledgerd.server.interceptors.errors import translate

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# (kind, HTTP status, MT's code). MT answers every refusal of a well-formed request with 422 (a
# balance condition, a moved lock_version, an immutable transaction, a taken external_id alike);
# 409 is kept for an idempotency key reused with another body, sent with `x-should-retry: false`
# because MT's SDKs retry every 409 otherwise.
STATUSES: list[tuple[type[LedgerError], int, str]] = [
    (InvalidArgument, 422, "parameter_invalid"),
    (NotFound, 404, "resource_not_found"),
    (FailedPrecondition, 422, "parameter_invalid"),
    (OutOfRange, 422, "parameter_invalid"),
    (Aborted, 422, "parameter_invalid"),
    (AlreadyExists, 409, "conflict"),
    (Unauthenticated, 401, "invalid_key"),
    (PermissionDenied, 403, "forbidden"),
    (Unavailable, 503, "service_unavailable"),
    (ResourceExhausted, 429, "too_many_requests"),
    (InvariantViolation, 500, "internal_error"),
]
# Reasons whose kind alone would say otherwise: MT documents a taken external_id as 422.
STATUS_OF_REASON: dict[ErrorReason, tuple[int, str]] = {
    ErrorReason.EXTERNAL_ID_ALREADY_EXISTS: (422, "parameter_invalid"),
    ErrorReason.HOLD_EXTERNAL_ID_ALREADY_EXISTS: (422, "parameter_invalid"),
}
# aiohttp's own refusals, by status.
CODE_OF_STATUS = {
    400: "parameter_invalid",
    404: "resource_not_found",
    405: "method_not_allowed",
    413: "parameter_invalid",
}


def status_of(error: LedgerError) -> tuple[int, str]:
    if error.reason in STATUS_OF_REASON:
        return STATUS_OF_REASON[error.reason]
    for kind, status, code in STATUSES:
        if isinstance(error, kind):
            return status, code
    return 500, "internal_error"


def parameter_of(error: LedgerError) -> str | None:
    """The parameter MT's body names: the first field violation, else the id the error is about."""
    if isinstance(error, InvalidArgument) and error.violations:
        return error.violations[0].field
    return next(iter(error.metadata), None)


def error_body(code: str, message: str, parameter: str | None) -> dict[str, dict[str, str | None]]:
    return {"errors": {"code": code, "message": message, "parameter": parameter}}


def error_response(error: BaseException) -> web.Response:
    ledger_error = translate(error)
    status, code = status_of(ledger_error)
    headers = {"x-should-retry": "false"} if status == 409 else {}
    body = error_body(code, ledger_error.message, parameter_of(ledger_error))
    body["errors"]["reason"] = ledger_error.reason.value
    return web.json_response(body, status=status, headers=headers, dumps=json.dumps)


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except asyncio.CancelledError:
        raise
    except web.HTTPException as refusal:
        if refusal.status < 400:
            raise
        code = CODE_OF_STATUS.get(refusal.status, "parameter_invalid")
        headers = {key: value for key, value in refusal.headers.items() if key.lower() == "allow"}
        return web.json_response(
            error_body(code, refusal.reason, None), status=refusal.status, headers=headers, dumps=json.dumps
        )
    except Exception as error:
        return error_response(error)
