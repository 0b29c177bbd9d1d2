"""How a servicer answers a mutating request: with its idempotency key, the response is stored in
the write's database transaction and a replay returns it byte for byte."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from google.protobuf.message import Message

from ledgerd.server.api.convert import fingerprint
from ledgerd.server.core.idempotency import Idempotency, Replay

R = TypeVar("R", bound=Message)
T = TypeVar("T")


async def respond(
    method: str,
    request: Any,
    response_type: type[R],
    run: Callable[[Idempotency[T] | None], Awaitable[T | Replay]],
    render: Callable[[T], R],
) -> R:
    idempotency: Idempotency[T] | None = None
    if request.idempotency_key:
        idempotency = Idempotency(
            request.idempotency_key, fingerprint(method, request), lambda result: render(result).SerializeToString()
        )
    outcome = await run(idempotency)
    if isinstance(outcome, Replay):
        return response_type.FromString(outcome.response)
    return render(outcome)
