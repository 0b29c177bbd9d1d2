"""`authorization: Bearer <api key>` on every call; the key's organization is what the handlers
see (through `current_organization`), the key and the method are the call's caller
(core.callers, for the audit trail), and the key itself is what authorization, run in the same
wrapper, checks (interceptors/authorization.py). Health checks and reflection are open. A call refused here is
logged (with the key id when the key is known but revoked or expired; never the key), not stored."""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc

from ledgerd.server.core.api_keys import ApiKey, Authenticator
from ledgerd.server.core.callers import Caller, set_caller
from ledgerd.server.domain.errors import Unauthenticated
from ledgerd.server.interceptors.authorization import Authorizer
from ledgerd.server.interceptors.errors import abort
from ledgerd.server.interceptors.wrapping import Behavior, Context, wrap

OPEN_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.")

_organization: contextvars.ContextVar[uuid.UUID] = contextvars.ContextVar("organization")

log = logging.getLogger(__name__)


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
    def __init__(self, authenticator: Authenticator, authorizer: Authorizer) -> None:
        self.authenticator = authenticator
        self.authorizer = authorizer

    async def intercept_service(self, continuation: Any, handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = await continuation(handler_call_details)
        if handler is None or handler_call_details.method.startswith(OPEN_SERVICES):
            return handler
        method = handler_call_details.method

        call = self.authorizer.call_of(method, handler.request_streaming)

        # Authorization runs inside the same wrapper (one layer less on every call's path).
        async def around(behavior: Behavior, request: Any, context: Context) -> Any:
            api_key = await self._authenticate(method, context)
            return await call.unary(api_key, behavior, request, context)

        async def around_stream(behavior: Behavior, request: Any, context: Context) -> AsyncIterator[Any]:
            api_key = await self._authenticate(method, context)
            async for response in call.streaming(api_key, behavior, request, context):
                yield response

        return wrap(handler, around, around_stream)

    async def _authenticate(self, method: str, context: Context) -> ApiKey:
        try:
            api_key = await self.authenticator.authenticate(bearer_key(context))
        except Exception as error:
            if isinstance(error, Unauthenticated):
                # The message names the key id when the key is known (revoked, expired), never the key.
                log.warning("unauthenticated %s: %s", method, error.message)
            await abort(context, error)
        _organization.set(api_key.organization_id)
        set_caller(Caller(api_key.id, method))
        return api_key


def act_as(api_key: ApiKey, method: str) -> None:
    """Makes the key's organization the current one of this task, and the key and `method` its
    caller: for the HTTP API, whose own authentication (ledgerd.server.http.auth) calls the same
    servicers in process."""
    _organization.set(api_key.organization_id)
    set_caller(Caller(api_key.id, method))
