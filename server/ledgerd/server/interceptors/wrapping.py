"""Wraps a gRPC method handler's behaviour, whatever its cardinality, so each interceptor is a
plain `around(call, request_or_iterator, context)` coroutine or async generator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

Behavior = Callable[..., Any]
Context = grpc.aio.ServicerContext[Any, Any]
# around(behavior, request, context) for unary responses; stream responses use around_stream.
Around = Callable[[Behavior, Any, Context], Awaitable[Any]]
AroundStream = Callable[[Behavior, Any, Context], AsyncIterator[Any]]


def wrap(
    handler: grpc.RpcMethodHandler[Any, Any],
    around: Around,
    around_stream: AroundStream,
    *,
    request_deserializer: Callable[[bytes], Any] | None = None,
) -> grpc.RpcMethodHandler[Any, Any]:
    """`request_deserializer` replaces the handler's own when given."""
    behavior: Behavior
    factory: Callable[..., grpc.RpcMethodHandler[Any, Any]]
    if handler.unary_unary:
        behavior, factory = handler.unary_unary, grpc.unary_unary_rpc_method_handler
    elif handler.stream_unary:
        behavior, factory = handler.stream_unary, grpc.stream_unary_rpc_method_handler
    elif handler.unary_stream:
        behavior, factory = handler.unary_stream, grpc.unary_stream_rpc_method_handler
    else:
        assert handler.stream_stream is not None
        behavior, factory = handler.stream_stream, grpc.stream_stream_rpc_method_handler

    if handler.response_streaming:

        async def streaming(request: Any, context: Context) -> AsyncIterator[Any]:
            async for response in around_stream(behavior, request, context):
                yield response

        wrapped: Behavior = streaming
    else:

        async def unary(request: Any, context: Context) -> Any:
            return await around(behavior, request, context)

        wrapped = unary
    return factory(
        wrapped,
        request_deserializer=request_deserializer or handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )
