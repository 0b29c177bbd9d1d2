"""Times every gRPC call and records it by method and status code (metrics.rpc_duration_seconds).
Installed only while metrics are on (`serve --http-address`), outside the error map, so it sees the
code the client gets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc

from ledgerd.server import metrics
from ledgerd.server.interceptors.wrapping import Behavior, Context, wrap


class MetricsInterceptor(grpc.aio.ServerInterceptor):
    async def intercept_service(self, continuation: Any, handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method: str = handler_call_details.method

        async def around(behavior: Behavior, request: Any, context: Context) -> Any:
            started = time.perf_counter()
            code = "OK"
            try:
                return await behavior(request, context)
            except BaseException as error:
                code = _code(error, context)
                raise
            finally:
                metrics.rpc_finished(method, code, time.perf_counter() - started)

        async def around_stream(behavior: Behavior, request: Any, context: Context) -> AsyncIterator[Any]:
            started = time.perf_counter()
            code = "OK"
            try:
                async for response in behavior(request, context):
                    yield response
            except BaseException as error:
                code = _code(error, context)
                raise
            finally:
                metrics.rpc_finished(method, code, time.perf_counter() - started)

        return wrap(handler, around, around_stream)


def _code(error: BaseException, context: Context) -> str:
    """The status a failed call ends with: the one the error map aborted with, or CANCELLED."""
    if isinstance(error, asyncio.CancelledError | GeneratorExit):
        return grpc.StatusCode.CANCELLED.name
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code.name
    return grpc.StatusCode.UNKNOWN.name
