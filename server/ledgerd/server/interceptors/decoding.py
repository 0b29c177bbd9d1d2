"""Requests protobuf cannot decode (nested past its decoder's depth limit, a string that is not
UTF-8, a truncated field) are refused as INVALID_ARGUMENT with ErrorInfo, like any other bad
request. Left to gRPC they would be answered UNKNOWN: the failure happens in the request
deserializer, before any interceptor's code or handler runs. So the deserializer is wrapped to
give an `Undecodable` marker instead of raising, and the call is refused where its handler would
start (for a request stream, where the marker arrives)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import grpc

from ledgerd.server.domain.errors import FieldViolation, InvalidArgument
from ledgerd.server.interceptors.wrapping import Behavior, Context, wrap


@dataclass(frozen=True)
class Undecodable:
    """Stands for a request message that failed to decode."""

    description: str


def _refusal(marker: Undecodable) -> InvalidArgument:
    return InvalidArgument(
        [FieldViolation("request", f"could not be decoded: {marker.description}")],
        message=f"the request could not be decoded: {marker.description}",
    )


def _decoding(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None

    def decode(data: bytes) -> Any:
        try:
            return deserializer(data)
        except Exception as error:  # protobuf's DecodeError, or RecursionError of the pure-Python decoder
            return Undecodable(str(error)[:200])

    return decode


class _Checked:
    """A request stream that ends at the first undecodable message, as if the client had stopped
    sending there: the handler answers what it already has, then the call is refused."""

    def __init__(self, requests: AsyncIterator[Any]) -> None:
        self.requests = requests
        self.undecodable: Undecodable | None = None

    async def __aiter__(self) -> AsyncIterator[Any]:
        async for request in self.requests:
            if isinstance(request, Undecodable):
                self.undecodable = request
                return
            yield request

    def raise_if_undecodable(self) -> None:
        if self.undecodable is not None:
            raise _refusal(self.undecodable)


class DecodingInterceptor(grpc.aio.ServerInterceptor):
    async def intercept_service(self, continuation: Any, handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        streaming = handler.request_streaming
        return wrap(
            handler,
            _around_streaming if streaming else _around,
            _around_stream_streaming if streaming else _around_stream,
            request_deserializer=_decoding(handler.request_deserializer),
        )


async def _around(behavior: Behavior, request: Any, context: Context) -> Any:
    if isinstance(request, Undecodable):
        raise _refusal(request)
    return await behavior(request, context)


async def _around_stream(behavior: Behavior, request: Any, context: Context) -> AsyncIterator[Any]:
    if isinstance(request, Undecodable):
        raise _refusal(request)
    async for response in behavior(request, context):
        yield response


async def _around_streaming(behavior: Behavior, requests: Any, context: Context) -> Any:
    checked = _Checked(requests)
    response = await behavior(checked.__aiter__(), context)
    checked.raise_if_undecodable()
    return response


async def _around_stream_streaming(behavior: Behavior, requests: Any, context: Context) -> AsyncIterator[Any]:
    checked = _Checked(requests)
    async for response in behavior(checked.__aiter__(), context):
        yield response
    checked.raise_if_undecodable()
