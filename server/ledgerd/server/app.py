"""Assembles the server: one pool, the use cases, the servicers, interceptors, health and reflection,
and, with an HTTP address, the HTTP server calling the same use cases (ledgerd.server.http)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg
import grpc
from aiohttp import web
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from ledgerd.server import metrics
from ledgerd.server.api.audit_service import AuditService
from ledgerd.server.api.balance_service import BalanceService
from ledgerd.server.api.event_service import EventService
from ledgerd.server.api.hold_service import HoldService
from ledgerd.server.api.ledger_service import LedgerService
from ledgerd.server.api.monitor_service import BalanceMonitorService
from ledgerd.server.api.transaction_service import TransactionService
from ledgerd.server.core.api_keys import Authenticator
from ledgerd.server.core.exclusive import run_exclusively
from ledgerd.server.core.expirer import run_expirer
from ledgerd.server.core.holds import HoldsUseCases
from ledgerd.server.core.statistics import run_statistics_keeper
from ledgerd.server.core.sweeper import run_sweeper
from ledgerd.server.core.use_cases import UseCases
from ledgerd.server.core.watching import BalanceFeed
from ledgerd.server.domain import limits
from ledgerd.server.http import metrics as metrics_routes
from ledgerd.server.http.app import RunningHttp, build_http_app, start_http
from ledgerd.server.interceptors.admission import AdmissionInterceptor
from ledgerd.server.interceptors.authentication import AuthenticationInterceptor
from ledgerd.server.interceptors.authorization import Authorizer
from ledgerd.server.interceptors.counting import CallCounter
from ledgerd.server.interceptors.decoding import DecodingInterceptor
from ledgerd.server.interceptors.errors import ErrorInterceptor
from ledgerd.server.interceptors.handler_cache import HandlerCache
from ledgerd.server.interceptors.metrics import MetricsInterceptor
from ledgerd.server.interceptors.request_ids import RequestIds
from ledgerd.server.tls import TlsFiles, grpc_server_credentials, server_ssl_context
from ledgerd.server.tracing import Tracing
from ledgerd.v1 import (
    audit_pb2,
    audit_pb2_grpc,
    balance_pb2,
    balance_pb2_grpc,
    event_pb2,
    event_pb2_grpc,
    hold_pb2,
    hold_pb2_grpc,
    ledger_pb2,
    ledger_pb2_grpc,
    monitor_pb2,
    monitor_pb2_grpc,
    transaction_pb2,
    transaction_pb2_grpc,
)

SERVICE_NAMES = (
    ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"].full_name,
    transaction_pb2.DESCRIPTOR.services_by_name["TransactionService"].full_name,
    balance_pb2.DESCRIPTOR.services_by_name["BalanceService"].full_name,
    hold_pb2.DESCRIPTOR.services_by_name["HoldService"].full_name,
    monitor_pb2.DESCRIPTOR.services_by_name["BalanceMonitorService"].full_name,
    event_pb2.DESCRIPTOR.services_by_name["EventService"].full_name,
    audit_pb2.DESCRIPTOR.services_by_name["AuditService"].full_name,
)
# Requests larger than this are refused by gRPC itself (RESOURCE_EXHAUSTED); the largest valid
# request, a batch of 100 transactions of 1000 entries, fits well within it.
message_bytes_max = 64 * 1024 * 1024


@dataclass
class RunningServer:
    server: grpc.aio.Server
    port: int
    health: health.aio.HealthServicer
    holds: HoldsUseCases
    background: asyncio.Task[None] | None
    feed: BalanceFeed
    counter: CallCounter
    admission: AdmissionInterceptor
    authenticator: Authenticator
    http: RunningHttp | None = None
    sampling: asyncio.Task[None] | None = None  # the pool gauges, while metrics are on
    key_usage: asyncio.Task[None] | None = None  # the API keys' "last used", recorded each period

    @property
    def http_port(self) -> int | None:
        return self.http.port if self.http is not None else None

    @property
    def calls(self) -> int:
        """Calls answered so far (a stream counts once)."""
        return self.counter.calls

    async def stop(self, grace_seconds: float = limits.shutdown_grace_seconds) -> None:
        """Tells load balancers first; from then on new gRPC calls are answered UNAVAILABLE at once,
        the watch streams end (UNAVAILABLE: the client resumes elsewhere from its versions), and
        calls admitted before, their batches included, get `grace_seconds` to finish. Only those
        still running then are cancelled (a write cancelled in flight is applied whole or not at all)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        self.admission.close()  # first, before any await: no call is admitted after a stop began
        await self.health.enter_graceful_shutdown()
        await self.feed.close()
        if self.background is not None:
            self.background.cancel()
            # Awaited so that the background lock's connection is closed before the pool is.
            await asyncio.gather(self.background, return_exceptions=True)
        if self.sampling is not None:
            self.sampling.cancel()
        await self.admission.drained(grace_seconds)
        # gRPC stops listening and ends the connections; whatever it still runs gets what is left.
        remaining = max(0.0, grace_seconds - (loop.time() - started))
        if self.http is not None:
            await asyncio.gather(self.server.stop(remaining), self.http.stop())
        else:
            await self.server.stop(remaining)
        if self.key_usage is not None:
            self.key_usage.cancel()
            await asyncio.gather(self.key_usage, return_exceptions=True)
            await self.authenticator.record_usage()  # the last period's, which no round wrote yet


async def start_server(
    pool: asyncpg.Pool,
    address: str,
    *,
    background: bool = True,
    http_address: str | None = None,
    http_routes: Iterable[web.AbstractRouteDef] = (),
    tracing: Tracing | None = None,
    tls: TlsFiles | None = None,
) -> RunningServer:
    """Serves gRPC on `address` ("host:port"; port 0 picks a free one) until stopped; with
    `http_address`, HTTP too (/api, and `http_routes` beside it: build_http_app). With `background`,
    also takes part in the background rounds (the hold expirer, the idempotency key sweeper and the
    statistics keeper), which one process of all those on the database runs at a time
    (core/exclusive.py). With `tracing`, every call and every write batch is a span
    (ledgerd.server.tracing). With `tls`, gRPC and HTTP are served over TLS (mTLS with a client CA;
    server/tls.py), plaintext otherwise."""
    use_cases = UseCases.on(pool, tracer=None if tracing is None else tracing.tracer())
    counter = CallCounter()
    # Metrics are on with HTTP, where /metrics serves them (ledgerd.server.metrics).
    measured = http_address is not None
    if measured:
        metrics.enable()
        http_routes = (*http_routes, *metrics_routes.ROUTES)
    admission = AdmissionInterceptor()
    # The call's span, when traced, encloses everything else; ErrorInterceptor encloses every layer
    # that can raise, so that whatever they raise leaves as a status; the counter, the request
    # numbering and the metrics (which see the final code) before it raise nothing. What comes after
    # the handler cache wraps each method once, not once per call (interceptors/handler_cache.py).
    interceptors: list[grpc.aio.ServerInterceptor] = [
        counter,
        RequestIds(),
        HandlerCache(),
        *([MetricsInterceptor()] if measured else []),
        ErrorInterceptor(),
        # An overloaded or stopping process refuses before it decodes or reads the key.
        admission,
        # Undecodable requests are refused before authentication: there is nothing to act on.
        DecodingInterceptor(),
        # Authentication runs authorization in the same layer (interceptors/authorization.py).
        AuthenticationInterceptor(use_cases.authenticator, Authorizer(use_cases.scopes)),
    ]
    if tracing is not None:
        interceptors.insert(0, tracing.server_interceptor())
    server = grpc.aio.server(
        interceptors=interceptors,
        options=[
            # gRPC core queues calls the application has not picked up yet, and past its default
            # bound of 1,000 answers CANCELLED by itself: raised well above calls_in_flight_max so
            # that ledgerd's admission decides (RESOURCE_EXHAUSTED, with a RetryInfo).
            ("grpc.server.max_pending_requests", limits.grpc_pending_calls_max),
            ("grpc.server.max_pending_requests_hard_limit", limits.grpc_pending_calls_max),
            ("grpc.max_receive_message_length", message_bytes_max),
            ("grpc.max_send_message_length", message_bytes_max),
            # Several processes on one port (`serve --workers N`): the kernel spreads connections
            # over them. gRPC's default on Linux already; stated because the workers rely on it.
            ("grpc.so_reuseport", 1),
        ],
    )
    ledger_pb2_grpc.add_LedgerServiceServicer_to_server(
        LedgerService(use_cases.ledgers, use_cases.categories, use_cases.history), server
    )
    transaction_pb2_grpc.add_TransactionServiceServicer_to_server(
        TransactionService(use_cases.transactions, use_cases.transaction_feed), server
    )
    balance_pb2_grpc.add_BalanceServiceServicer_to_server(
        BalanceService(use_cases.balances, use_cases.watching), server
    )
    hold_pb2_grpc.add_HoldServiceServicer_to_server(HoldService(use_cases.holds), server)
    monitor_pb2_grpc.add_BalanceMonitorServiceServicer_to_server(BalanceMonitorService(use_cases.monitors), server)
    event_pb2_grpc.add_EventServiceServicer_to_server(EventService(use_cases.events), server)
    audit_pb2_grpc.add_AuditServiceServicer_to_server(AuditService(use_cases.audit), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection((*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    port = server.add_secure_port(address, grpc_server_credentials(tls)) if tls else server.add_insecure_port(address)
    await server.start()
    http = None
    if http_address is not None:
        try:
            http = await start_http(
                build_http_app(use_cases, http_routes),
                http_address,
                limits.shutdown_grace_seconds,
                None if tls is None else server_ssl_context(tls.cert, tls.key, tls.client_ca),
            )
        except BaseException:
            await server.stop(0)
            raise
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    holds = use_cases.holds
    rounds = asyncio.create_task(run_exclusively(pool, lambda: _background_rounds(holds, pool))) if background else None
    sampling = asyncio.create_task(metrics.sample_pool(pool)) if measured else None
    key_usage = asyncio.create_task(use_cases.authenticator.run_usage_recorder())
    return RunningServer(
        server,
        port,
        health_servicer,
        holds,
        rounds,
        use_cases.feed,
        counter,
        admission,
        use_cases.authenticator,
        http,
        sampling,
        key_usage,
    )


async def _background_rounds(holds: HoldsUseCases, pool: asyncpg.Pool) -> None:
    await asyncio.gather(run_expirer(holds), run_sweeper(pool), run_statistics_keeper(pool))
