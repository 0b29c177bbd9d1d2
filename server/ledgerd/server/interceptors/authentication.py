"""`authorization: Bearer <api key>` on every call; the key's organization is what the handlers
see (through `current_organization`), the key and the method are the call's caller
(core.callers, for the audit trail), the key itself is what authorization checks
(interceptors/authorization.py). Health checks and reflection are open. A call refused here is
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
from ledgerd.server.interceptors.errors import abort
from ledgerd.server.interceptors.wrapping import Behavior, Context, wrap

OPEN_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.")

_organization: contextvars.ContextVar[uuid.UUID] = contextvars.ContextVar("organization")
_api_key: contextvars.ContextVar[ApiKey] = contextvars.ContextVar("api_key")

log = logging.getLogger(__name__)


def current_organization() -> uuid.UUID:
    """The calling organization; set for every call that reached a handler."""
    return _organization.get()


def current_api_key() -> ApiKey:
    """The calling key (id, role, ledgers); set for every call past authentication."""
    return _api_key.get()


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
            if isinstance(error, Unauthenticated):
                # The message names the key id when the key is known (revoked, expired), never the key.
                log.warning("unauthenticated %s: %s", method, error.message)
            await abort(context, error)
        _api_key.set(api_key)
        _organization.set(api_key.organization_id)
        set_caller(Caller(api_key.id, method))
