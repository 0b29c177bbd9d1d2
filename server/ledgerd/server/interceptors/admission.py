"""Load shedding: at most `calls_in_flight_max` calls are served at once by this process; one more is
answered RESOURCE_EXHAUSTED (ERROR_REASON_OVERLOADED, with a RetryInfo) at once, before any work.

Why refuse rather than queue: past the bound a call would only wait behind the others (every write
goes through the same batches), and a queue that grows until callers' deadlines pass costs memory
and answers nobody in time. A refusal now tells the client to back off or try another process.
Health checks are never refused, so a load balancer still sees an overloaded process as serving.

At a graceful shutdown (app.RunningServer.stop) admission closes: every call admitted before goes
on to its answer, every new one is answered UNAVAILABLE (ERROR_REASON_SHUTTING_DOWN) at once, so
that the calls gRPC holds queued get a clean answer to retry on rather than a cancellation."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import grpc

from ledgerd.server.domain import limits
from ledgerd.server.domain.errors import ErrorReason, ResourceExhausted, Unavailable
from ledgerd.server.interceptors.wrapping import Behavior, Context, wrap

EXEMPT_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")


class AdmissionInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, calls_in_flight_max: int = limits.calls_in_flight_max) -> None:
        self.calls_in_flight_max = calls_in_flight_max
        self.calls_in_flight = 0
        self.closed = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._last_arrival = 0.0

    def close(self) -> None:
        """From now on every new call is refused (UNAVAILABLE); those admitted go on."""
        self.closed = True

    async def drained(self, timeout_seconds: float, quiet_seconds: float = limits.shutdown_quiet_seconds) -> bool:
        """Waits until no admitted call is left and none has arrived for `quiet_seconds` (each
        refused caller is then pausing as its RetryInfo asked), `timeout_seconds` at most; whether
        that was reached. Why the quiet: gRPC cancels the calls it has received but not yet handed
        over when the server stops, and a call answered a moment ago is often followed by another."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_seconds

        async def quiet() -> None:
            while True:
                await self._idle.wait()
                wait = self._last_arrival + quiet_seconds - loop.time()
                if wait <= 0 and self._idle.is_set():
                    return
                await asyncio.sleep(max(wait, 0.0))

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(quiet(), max(0.0, deadline - loop.time()))
            return True
        return False

    async def intercept_service(self, continuation: Any, handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = await continuation(handler_call_details)
        if handler is None or handler_call_details.method.startswith(EXEMPT_PREFIXES):
            return handler
        return wrap(handler, self._around, self._around_stream)

    def _admit(self) -> None:
        self._last_arrival = asyncio.get_running_loop().time()
        if self.closed:
            raise Unavailable(ErrorReason.SHUTTING_DOWN, "shutting down; retry with the same idempotency key")
        if self.calls_in_flight >= self.calls_in_flight_max:
            raise ResourceExhausted(
                ErrorReason.OVERLOADED,
                f"{self.calls_in_flight_max} calls in flight already (calls_in_flight_max); retry later",
            )
        self.calls_in_flight += 1
        self._idle.clear()

    def _done(self) -> None:
        self.calls_in_flight -= 1
        if not self.calls_in_flight:
            self._idle.set()

    async def _around(self, behavior: Behavior, request: Any, context: Context) -> Any:
        self._admit()
        try:
            return await behavior(request, context)
        finally:
            self._done()

    async def _around_stream(self, behavior: Behavior, request: Any, context: Context) -> AsyncIterator[Any]:
        self._admit()
        try:
            async for response in behavior(request, context):
                yield response
        finally:
            self._done()
