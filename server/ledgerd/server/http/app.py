"""The HTTP server of one process: the aiohttp application and its socket.

The application is built by `build_http_app`, the one place routes are registered: /api (Modern
Treasury's REST API, behind Basic auth) is a sub-application of its own, and `extra_routes` are
served beside it at the root, outside /api's authentication and error mapping (the place for
operational endpoints such as /metrics). The socket is bound with SO_REUSEPORT, like gRPC's, so the
processes of `serve --workers N` share one HTTP port too."""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp import web

from ledgerd.server.core.use_cases import UseCases
from ledgerd.server.domain import limits
from ledgerd.server.http.api import api_app

API_PREFIX = "/api"


def build_http_app(use_cases: UseCases, extra_routes: Iterable[web.AbstractRouteDef] = ()) -> web.Application:
    """The whole HTTP application: /api, plus `extra_routes` at the root (not authenticated: each
    route decides for itself)."""
    app = web.Application(client_max_size=limits.http_body_bytes_max)
    app.add_subapp(API_PREFIX, api_app(use_cases))
    app.add_routes(list(extra_routes))
    return app


def split_address(address: str) -> tuple[str, int]:
    """("host", port) of "host:port"; an IPv6 host loses its brackets."""
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


@dataclass
class RunningHttp:
    runner: web.AppRunner
    port: int

    async def stop(self) -> None:
        """Stops listening, lets requests in flight finish (within the runner's shutdown timeout)."""
        await self.runner.cleanup()


async def start_http(
    app: web.Application, address: str, grace_seconds: float, ssl_context: ssl.SSLContext | None = None
) -> RunningHttp:
    """Serves `app` on `address` ("host:port"; port 0 picks a free one), over TLS with `ssl_context`
    (server/tls.py: the same certificate files as gRPC's)."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=grace_seconds, handle_signals=False)
    await runner.setup()
    host, port = split_address(address)
    site = web.TCPSite(runner, host, port, reuse_port=True, ssl_context=ssl_context)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    server = site._server
    assert server is not None
    bound = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    return RunningHttp(runner, bound)
