"""The one error map: domain errors and database failures to gRPC status codes, each with a
google.rpc.Status carrying ErrorInfo (reason, domain "ledgerd.v1") and, for bad requests, a
BadRequest listing every field violation. Nothing else in the server knows gRPC codes. A refused
call is logged (INFO; WARNING for the server's own trouble) and answers its request id in the
trailing metadata `x-request-id` (logs.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import grpc
from google.protobuf import any_pb2, duration_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2

from ledgerd.server import metrics
from ledgerd.server.domain import limits
from ledgerd.server.domain.errors import (
    Aborted,
    AlreadyExists,
    ErrorReason,
    FailedPrecondition,
    FieldViolation,
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
from ledgerd.server.interceptors.wrapping import Behavior, Context, wrap
from ledgerd.server.logs import REQUEST_ID_METADATA, current_request_id
from ledgerd.server.store.pool import CONNECTION_FAILURES
from ledgerd.v1 import errors_pb2

log = logging.getLogger(__name__)

ERROR_DOMAIN = "ledgerd.v1"

CODES: list[tuple[type[LedgerError], grpc.StatusCode]] = [
    (InvalidArgument, grpc.StatusCode.INVALID_ARGUMENT),
    (NotFound, grpc.StatusCode.NOT_FOUND),
    (FailedPrecondition, grpc.StatusCode.FAILED_PRECONDITION),
    (OutOfRange, grpc.StatusCode.OUT_OF_RANGE),
    (Aborted, grpc.StatusCode.ABORTED),
    (AlreadyExists, grpc.StatusCode.ALREADY_EXISTS),
    (Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
    (PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
    (Unavailable, grpc.StatusCode.UNAVAILABLE),
    (ResourceExhausted, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (InvariantViolation, grpc.StatusCode.INTERNAL),
]

# Codes that say the server, not the request, is at fault: logged as warnings.
SERVER_SIDE_CODES = frozenset(
    {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED}
)
# What RetryInfo advises before a retry of UNAVAILABLE and RESOURCE_EXHAUSTED.
RETRY_DELAY = duration_pb2.Duration(nanos=int(limits.retry_delay_seconds * 1e9))


# Every failure that came from the database or the connection to it (what metrics count).
DATABASE_ERRORS = (*CONNECTION_FAILURES, asyncpg.PostgresError)


def code_of(error: LedgerError) -> grpc.StatusCode:
    for kind, code in CODES:
        if isinstance(error, kind):
            return code
    return grpc.StatusCode.INTERNAL


def translate(error: BaseException) -> LedgerError:
    """Any exception as the domain error the client will see."""
    if isinstance(error, LedgerError):
        return error
    if isinstance(error, DATABASE_ERRORS):
        metrics.database_error(error)
    if isinstance(error, CONNECTION_FAILURES):
        return Unavailable(
            ErrorReason.DATABASE_UNAVAILABLE, "the database is unavailable; retry with the same idempotency key"
        )
    if isinstance(error, asyncio.TimeoutError):
        return ResourceExhausted(ErrorReason.OVERLOADED, "the server is at capacity; retry later")
    log.exception("unexpected error", exc_info=error)
    return InvariantViolation("internal error; nothing was written")


def status_details(error: LedgerError) -> status_pb2.Status:
    """The error's google.rpc.Status, within error_details_bytes_max and with a message of at most
    error_message_bytes_max (it is sent twice: in the Status and as grpc-message). The field
    violations are already bounded (field_violations_max); should their text still be too long,
    the last ones are left out."""
    violations = list(getattr(error, "violations", ()))
    message = _cut(error.message, limits.error_message_bytes_max)
    status = _status(error, message, violations)
    while status.ByteSize() > limits.error_details_bytes_max and violations:
        violations.pop()
        status = _status(error, message, violations)
    return status


# A field path or description past this is cut (ours are far shorter; a path may quote a key).
VIOLATION_TEXT_BYTES_MAX = 300


def _cut(text: str, bytes_max: int) -> str:
    encoded = text.encode()
    if len(encoded) <= bytes_max:
        return text
    return encoded[: bytes_max - 3].decode(errors="ignore") + "..."


def _status(error: LedgerError, message: str, violations: list[FieldViolation]) -> status_pb2.Status:
    code = code_of(error)
    details: list[Message] = [
        error_details_pb2.ErrorInfo(reason=error.reason.value, domain=ERROR_DOMAIN, metadata=error.metadata)
    ]
    if isinstance(error, InvalidArgument):
        details.append(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(
                        field=_cut(v.field, VIOLATION_TEXT_BYTES_MAX),
                        description=_cut(v.description, VIOLATION_TEXT_BYTES_MAX),
                    )
                    for v in violations
                ]
            )
        )
    if isinstance(error, Unavailable | ResourceExhausted):
        details.append(error_details_pb2.RetryInfo(retry_delay=RETRY_DELAY))
    packed = []
    for detail in details:
        holder = any_pb2.Any()
        holder.Pack(detail)
        packed.append(holder)
    return status_pb2.Status(code=getattr(code_pb2, code.name), message=message, details=packed)


def item_error(error: LedgerError) -> errors_pb2.ItemError:
    """A batch item's refusal: the code, reason and violations its single-item call would return."""
    return errors_pb2.ItemError(
        code=getattr(code_pb2, code_of(error).name),
        reason=error.reason.value,
        message=error.message,
        field_violations=[
            errors_pb2.FieldViolation(field=v.field, description=v.description)
            for v in getattr(error, "violations", ())
        ],
    )


async def abort(context: Context, error: BaseException) -> None:
    ledger_error = translate(error)
    code = code_of(ledger_error)
    log.log(
        logging.WARNING if code in SERVER_SIDE_CODES else logging.INFO,
        "call refused",
        extra={"code": code.name, "reason": ledger_error.reason.value},
    )
    status = status_details(ledger_error)  # its message and details bounded (limits.py)
    trailing_metadata = [("grpc-status-details-bin", status.SerializeToString())]
    request_id = current_request_id()
    if request_id is not None:
        trailing_metadata.append((REQUEST_ID_METADATA, request_id))
    await context.abort(code, status.message, trailing_metadata=tuple(trailing_metadata))


class ErrorInterceptor(grpc.aio.ServerInterceptor):
    async def intercept_service(self, continuation: Any, handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        return wrap(handler, _around, _around_stream)


async def _around(behavior: Behavior, request: Any, context: Context) -> Any:
    try:
        return await behavior(request, context)
    except asyncio.CancelledError:
        raise
    except Exception as error:
        if _is_abort(error):
            raise
        await abort(context, error)


async def _around_stream(behavior: Behavior, request: Any, context: Context) -> AsyncIterator[Any]:
    try:
        async for response in behavior(request, context):
            yield response
    except asyncio.CancelledError:
        raise
    except Exception as error:
        if _is_abort(error):
            raise
        await abort(context, error)


def _is_abort(error: BaseException) -> bool:
    # context.abort raises AbortError to unwind the handler; it must pass through untouched.
    return isinstance(error, grpc.aio.AbortError)
