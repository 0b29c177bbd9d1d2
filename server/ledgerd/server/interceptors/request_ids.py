"""Numbers every call, so that what is logged while it is served carries its request id (logs.py).
Nothing is wrapped: the number is set in the call's own context before its handler runs, which
costs the call a counter and a context variable."""

from __future__ import annotations

import itertools
from typing import Any

import grpc

from ledgerd.server.logs import start_call


class RequestIds(grpc.aio.ServerInterceptor):
    def __init__(self) -> None:
        self._numbers = itertools.count(1)

    async def intercept_service(self, continuation: Any, handler_call_details: grpc.HandlerCallDetails) -> Any:
        start_call(next(self._numbers), handler_call_details.method)
        return await continuation(handler_call_details)
