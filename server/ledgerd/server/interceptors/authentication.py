"""`authorization: Bearer <api key>` on every call; the key's organization is what the handlers
see (through `current_organization`), the key and the method are the call's caller
(core.callers, for the audit trail). Health checks and reflection are open."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc

from ledgerd.server.core.api_keys import ApiKey, Authenticator
from ledgerd.server.core.callers import Caller, set_caller
from ledgerd.server.domain.errors import Unauthenticated
from ledgerd.server.interceptors.errors import abort
from ledgerd.server.interceptors.wrapping import Behavior, Context, wrap

OPEN_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.")

_organization: contextvars.ContextVar[uuid.UUID] = contextvars.ContextVar("organization")


def current_organization() -> uuid.UUID:
    """The calling organization; set for every call that reached a handler."""
    return _organization.get()


def bearer_key(context: Context) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == "authorization":
            scheme, _, token = str(value).partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            raise Unauthenticated("the authorization metadata must be 'Bearer <api key>'")
    raise Unauthenticated("missing authorization metadata: 'Bearer <api key>'")


class AuthenticationInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, authenticator: Authenticator) -> None:
        self.authenticator = authenticator

    async def intercept_service(self, continuation: Any, handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = await continuation(handler_call_details)
        if handler is None or handler_call_details.method.startswith(OPEN_SERVICES):
            return handler
        method = handler_call_details.method

        async def around(behavior: Behavior, request: Any, context: Context) -> Any:
            await self._authenticate(method, context)
            return await behavior(request, context)

        async def around_stream(behavior: Behavior, request: Any, context: Context) -> AsyncIterator[Any]:
            await self._authenticate(method, context)
            async for response in behavior(request, context):
                yield response

        return wrap(handler, around, around_stream)

    async def _authenticate(self, method: str, context: Context) -> None:
        try:
            api_key = await self.authenticator.authenticate(bearer_key(context))
        except Exception as error:
            await abort(context, error)
        _organization.set(api_key.organization_id)
        set_caller(Caller(api_key.id, method))


def act_as(api_key: ApiKey, method: str) -> None:
    """Makes the key's organization the current one of this task, and the key and `method` its
    caller: for the HTTP API, whose own authentication (ledgerd.server.http.auth) calls the same
    servicers in process."""
    _organization.set(api_key.organization_id)
    set_caller(Caller(api_key.id, method))
