"""/api: Modern Treasury's Ledgers REST API as an aiohttp sub-application. Its routes are the
operations of `http.routes.OPERATIONS` (one table: the same entries make the routes and the OpenAPI
document), behind Basic auth, every refusal leaving through `http.errors`."""

from __future__ import annotations

import json

from aiohttp import web

from ledgerd.server.core.use_cases import UseCases
from ledgerd.server.http.auth import BasicAuthentication
from ledgerd.server.http.errors import errors_middleware
from ledgerd.server.http.openapi import openapi_document
from ledgerd.server.http.operations import Bridge, route_of
from ledgerd.server.http.routes import OPERATIONS
from ledgerd.server.interceptors.authorization import Authorizer

OPENAPI_PATH = "/openapi.json"


def api_app(use_cases: UseCases) -> web.Application:
    authentication = BasicAuthentication(use_cases.authenticator, use_cases.pool)
    app = web.Application(middlewares=[errors_middleware, authentication.middleware])
    bridge = Bridge.of(use_cases)
    authorizer = Authorizer(use_cases.scopes)
    app.add_routes([route_of(operation, bridge, authorizer) for operation in OPERATIONS])
    document = json.dumps(openapi_document(OPERATIONS)).encode()

    async def openapi(request: web.Request) -> web.Response:
        return web.Response(body=document, content_type="application/json")

    app.router.add_get(OPENAPI_PATH, openapi)
    return app
