"""Builds each method's wrapped handler once, not once per call. The interceptors after this one
(errors, admission, decoding, authentication, metrics) only wrap the method's handler, and wrap it
the same way on every call: what they do per call is inside the wrapper. Without this, gRPC runs
each of their `intercept_service` coroutines and builds every wrapper again for every call
(benchmarks/README.md, "Handlers built once").

Whatever an interceptor does per call outside its wrapper (the call counter, request ids, the
tracing span) must come before this one."""

from __future__ import annotations

from typing import Any

import grpc


class HandlerCache(grpc.aio.ServerInterceptor):
    def __init__(self) -> None:
        self._handlers: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}

    async def intercept_service(self, continuation: Any, handler_call_details: grpc.HandlerCallDetails) -> Any:
        method: str = handler_call_details.method
        handler = self._handlers.get(method)
        if handler is None:
            handler = await continuation(handler_call_details)
            # A method no service has is not remembered: a caller could name any number of them.
            if handler is not None:
                self._handlers[method] = handler
        return handler
