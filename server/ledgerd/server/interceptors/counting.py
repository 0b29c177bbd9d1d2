"""Counts the calls a server process has answered, for the line it prints when it stops: with
`serve --workers N` it shows how the kernel spread the connections over the processes."""

from __future__ import annotations

from typing import Any

import grpc


class CallCounter(grpc.aio.ServerInterceptor):
    def __init__(self) -> None:
        self.calls = 0

    async def intercept_service(self, continuation: Any, handler_call_details: grpc.HandlerCallDetails) -> Any:
        # Once per call (a stream counts once), and nothing wrapped: no cost on the call's own path.
        self.calls += 1
        return await continuation(handler_call_details)
