"""How a servicer answers a mutating request: with its idempotency key, the response is stored in
the write's database transaction and a replay returns it byte for byte. A result is rendered
once: the message stored under the key is the message sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from google.protobuf.message import Message

from ledgerd.server.api.convert import fingerprint
from ledgerd.server.core.idempotency import Idempotency, Replay

R = TypeVar("R", bound=Message)
T = TypeVar("T")


class Rendering(Generic[T, R]):
    """A result's response, rendered at most once per result."""

    __slots__ = ("_message", "_render", "_result")

    def __init__(self, render: Callable[[T], R]) -> None:
        self._render = render
        self._result: T | None = None
        self._message: R | None = None

    def encode(self, result: T) -> bytes:
        """The bytes stored under the idempotency key."""
        self._result, self._message = result, self._render(result)
        return self._message.SerializeToString()

    def message(self, result: T) -> R:
        if self._message is not None and self._result is result:
            return self._message
        return self._render(result)


def idempotency_of(
    method: str, request: Any, rendering: Rendering[T, Any], request_fingerprint: bytes | None = None
) -> Idempotency[T] | None:
    """The request's idempotency, if it has a key; `request_fingerprint` when already computed."""
    if not request.idempotency_key:
        return None
    return Idempotency(request.idempotency_key, request_fingerprint or fingerprint(method, request), rendering.encode)


def answer(outcome: T | Replay, response_type: type[R], rendering: Rendering[T, R]) -> R:
    if isinstance(outcome, Replay):
        return response_type.FromString(outcome.response)
    return rendering.message(outcome)


async def respond(
    method: str,
    request: Any,
    response_type: type[R],
    run: Callable[[Idempotency[T] | None], Awaitable[T | Replay]],
    render: Callable[[T], R],
    request_fingerprint: bytes | None = None,
) -> R:
    rendering = Rendering(render)
    outcome = await run(idempotency_of(method, request, rendering, request_fingerprint))
    return answer(outcome, response_type, rendering)
