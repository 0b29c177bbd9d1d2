"""HTTP Basic auth, as Modern Treasury's SDKs send it: user = the organization's id or name (as
given to `keys create`), password = an API key of that organization. Anything else is 401. The
key is then `api_key(request)` for the handlers, whose organization they act as, as
`current_organization()` is for the gRPC servicers."""

from __future__ import annotations

import binascii
import uuid

from aiohttp import BasicAuth, hdrs, web

from ledgerd.server.core.api_keys import ApiKey, Authenticator
from ledgerd.server.domain import limits
from ledgerd.server.domain.errors import Unauthenticated
from ledgerd.server.http.errors import Handler, error_response
from ledgerd.server.store import organizations as store

API_KEY = web.RequestKey("api_key", ApiKey)
# Paths of /api served without credentials (the API's description carries no data).
OPEN_PATHS = frozenset({"/api/openapi.json"})
CHALLENGE = {hdrs.WWW_AUTHENTICATE: 'Basic realm="ledgerd"'}


def api_key(request: web.Request) -> ApiKey:
    return request[API_KEY]


def basic_credentials(request: web.Request) -> BasicAuth:
    header = request.headers.get(hdrs.AUTHORIZATION)
    if header is None:
        raise Unauthenticated("missing Authorization header: HTTP Basic, organization id or name : API key")
    try:
        return BasicAuth.decode(header)
    except (ValueError, binascii.Error):
        raise Unauthenticated(
            "the Authorization header must be HTTP Basic: organization id or name : API key"
        ) from None


class BasicAuthentication:
    def __init__(self, authenticator: Authenticator, pool: store.Executor) -> None:
        self.authenticator = authenticator
        self.pool = pool
        # Organization names never change, so a name once read is kept (one per organization seen,
        # as many as the key cache holds keys).
        self._names: dict[uuid.UUID, str | None] = {}

    async def api_key_of(self, credentials: BasicAuth) -> ApiKey:
        key = await self.authenticator.authenticate(credentials.password)
        organization_id = key.organization_id
        if credentials.login != str(organization_id) and credentials.login != await self._name(organization_id):
            raise Unauthenticated("the API key is not one of the organization named by the Basic auth user")
        return key

    async def _name(self, organization_id: uuid.UUID) -> str | None:
        if organization_id not in self._names:
            if len(self._names) >= limits.api_key_cache_entries_max:
                self._names.clear()
            self._names[organization_id] = await store.organization_name(self.pool, organization_id)
        return self._names[organization_id]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in OPEN_PATHS:
            return await handler(request)
        try:
            request[API_KEY] = await self.api_key_of(basic_credentials(request))
        except Unauthenticated as error:
            # The challenge makes curl and browsers ask for credentials; the body is MT's.
            response = error_response(error)
            response.headers.update(CHALLENGE)
            return response
        return await handler(request)
