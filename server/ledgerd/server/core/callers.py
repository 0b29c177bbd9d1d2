"""Who is calling: the API key a request was authenticated with and the method it called. The
transport's authentication sets it for the request (the gRPC interceptor; the HTTP API's
middleware); the audit trail records it with every accepted change (docs/audit.md)."""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Caller:
    api_key_id: uuid.UUID
    # The full gRPC method name ("/ledgerd.v1.HoldService/PlaceHold"), or the HTTP method and path
    # ("POST /api/ledger_transactions").
    method: str


_caller: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("caller", default=None)


def current_caller() -> Caller | None:
    """The request's caller; None outside a request (the background rounds, the command line)."""
    return _caller.get()


def set_caller(caller: Caller) -> None:
    _caller.set(caller)


@contextlib.contextmanager
def calling(caller: Caller) -> Iterator[None]:
    """`caller` for what runs inside (and the tasks it starts), for code that calls the use cases
    in process as a request would (the benchmarks' SQL floor, tests)."""
    token = _caller.set(caller)
    try:
        yield
    finally:
        _caller.reset(token)
