"""The handler cache on a real grpc.aio server on port 0: the interceptors after it wrap a method
once, while what their wrappers do still runs on every call; a method no service has is answered
UNIMPLEMENTED every time and never remembered (interceptors/handler_cache.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest

from ledgerd.server.interceptors.handler_cache import HandlerCache
from ledgerd.server.interceptors.wrapping import Behavior, Context, wrap

SERVICE = "ledgerd.test.Echo"
ECHO = f"/{SERVICE}/Echo"


class Wrapping(grpc.aio.ServerInterceptor):
    """Counts its wrappings per method and its wrapper's runs per call."""

    def __init__(self) -> None:
        self.built: Counter[str] = Counter()
        self.calls = 0

    async def intercept_service(self, continuation: Any, handler_call_details: grpc.HandlerCallDetails) -> Any:
        self.built[handler_call_details.method] += 1
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        return wrap(handler, self._around, self._around_stream)

    async def _around(self, behavior: Behavior, request: Any, context: Context) -> Any:
        self.calls += 1
        return b"wrapped:" + await behavior(request, context)

    async def _around_stream(self, behavior: Behavior, request: Any, context: Context) -> AsyncIterator[Any]:
        raise AssertionError("no streaming method here")
        yield  # pragma: no cover


@pytest.fixture
async def served() -> AsyncIterator[tuple[grpc.aio.Channel, Wrapping]]:
    async def echo(request: bytes, context: Context) -> bytes:
        return request

    wrapping = Wrapping()
    server = grpc.aio.server(interceptors=[HandlerCache(), wrapping])
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(SERVICE, {"Echo": grpc.unary_unary_rpc_method_handler(echo)}),)
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield channel, wrapping
    finally:
        await server.stop(None)


async def test_a_method_is_wrapped_once_and_its_wrapper_runs_on_every_call(
    served: tuple[grpc.aio.Channel, Wrapping],
) -> None:
    channel, wrapping = served
    echo = channel.unary_unary(ECHO)
    answers = [await echo(f"call {n}".encode()) for n in range(5)]
    assert answers == [f"wrapped:call {n}".encode() for n in range(5)]
    assert wrapping.built == Counter({ECHO: 1})
    assert wrapping.calls == 5


async def test_an_unknown_method_is_unimplemented_every_time_and_not_remembered(
    served: tuple[grpc.aio.Channel, Wrapping],
) -> None:
    channel, wrapping = served
    for _ in range(3):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await channel.unary_unary(f"/{SERVICE}/Missing")(b"x")
        assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert wrapping.built == Counter({f"/{SERVICE}/Missing": 3})
    assert wrapping.calls == 0
