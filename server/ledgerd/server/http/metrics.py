"""GET /metrics: the Prometheus text format of every process of the server (ledgerd.server.metrics),
beside /api and, like any scrape target, without authentication: bind --http-address to an address
only the scraper reaches."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from ledgerd.server import metrics


async def scrape(request: web.Request) -> web.Response:
    response = web.Response(body=metrics.exposition())
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


ROUTES = (web.get("/metrics", scrape),)
