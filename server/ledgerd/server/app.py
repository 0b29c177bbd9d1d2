"""Assembles the server: one pool, the use cases, the servicers, interceptors, health and reflection."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg
import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from ledgerd.server.api.balance_service import BalanceService
from ledgerd.server.api.event_service import EventService
from ledgerd.server.api.hold_service import HoldService
from ledgerd.server.api.ledger_service import LedgerService
from ledgerd.server.api.monitor_service import BalanceMonitorService
from ledgerd.server.api.transaction_service import TransactionService
from ledgerd.server.core.api_keys import Authenticator
from ledgerd.server.core.balances import BalancesUseCases
from ledgerd.server.core.categories import CategoriesUseCases
from ledgerd.server.core.coalescer import Coalescer
from ledgerd.server.core.events import EventsUseCases
from ledgerd.server.core.exclusive import run_exclusively
from ledgerd.server.core.expirer import run_expirer
from ledgerd.server.core.history import HistoryUseCases
from ledgerd.server.core.holds import HoldsUseCases
from ledgerd.server.core.ledgers import LedgersUseCases
from ledgerd.server.core.monitors import MonitorsUseCases
from ledgerd.server.core.scopes import LedgerScopes
from ledgerd.server.core.statistics import run_statistics_keeper
from ledgerd.server.core.sweeper import run_sweeper
from ledgerd.server.core.transactions import TransactionsUseCases
from ledgerd.server.core.watching import BalanceFeed, WatchingUseCases
from ledgerd.server.interceptors.authentication import AuthenticationInterceptor
from ledgerd.server.interceptors.authorization import Authorizer
from ledgerd.server.interceptors.counting import CallCounter
from ledgerd.server.interceptors.errors import ErrorInterceptor
from ledgerd.server.tls import TlsFiles, grpc_server_credentials
from ledgerd.v1 import (
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
)
# Requests larger than this are refused by gRPC itself (RESOURCE_EXHAUSTED); the largest valid
# request, a batch of 100 transactions of 1000 entries, fits well within it.
message_bytes_max = 64 * 1024 * 1024
shutdown_grace_seconds = 5.0


@dataclass
class RunningServer:
    server: grpc.aio.Server
    port: int
    health: health.aio.HealthServicer
    holds: HoldsUseCases
    background: asyncio.Task[None] | None
    feed: BalanceFeed
    counter: CallCounter
    authenticator: Authenticator
    key_usage: asyncio.Task[None]

    @property
    def calls(self) -> int:
        """Calls answered so far (a stream counts once)."""
        return self.counter.calls

    async def stop(self, grace_seconds: float = shutdown_grace_seconds) -> None:
        # Tell load balancers first, then let calls in flight finish.
        await self.health.enter_graceful_shutdown()
        if self.background is not None:
            self.background.cancel()
            # Awaited so that the background lock's connection is closed before the pool is.
            await asyncio.gather(self.background, return_exceptions=True)
        await self.feed.close()  # ends the watch streams, which would otherwise outlive the grace
        await self.server.stop(grace_seconds)
        self.key_usage.cancel()
        await asyncio.gather(self.key_usage, return_exceptions=True)
        await self.authenticator.record_usage()  # the last period's, which no round wrote yet


async def start_server(
    pool: asyncpg.Pool, address: str, *, background: bool = True, tls: TlsFiles | None = None
) -> RunningServer:
    """Serves on `address` ("host:port"; port 0 picks a free one) until stopped, with TLS when
    given `tls` (plaintext otherwise: server/tls.py); with `background`,
    also takes part in the background rounds (the hold expirer, the idempotency key sweeper and the
    statistics keeper), which one process of all those on the database runs at a time
    (core/exclusive.py)."""
    ledgers = LedgersUseCases(pool)
    categories = CategoriesUseCases(pool)
    history = HistoryUseCases(ledgers)
    coalescer = Coalescer(pool)
    holds = HoldsUseCases(pool, coalescer)
    counter = CallCounter()
    authenticator = Authenticator(pool)
    server = grpc.aio.server(
        # ErrorInterceptor encloses every layer that can raise, so that whatever they raise leaves as a
        # status; the counter before it raises nothing. Authentication runs authorization in the same layer.
        interceptors=[
            counter,
            ErrorInterceptor(),
            AuthenticationInterceptor(authenticator, Authorizer(LedgerScopes(pool))),
        ],
        options=[
            ("grpc.max_receive_message_length", message_bytes_max),
            ("grpc.max_send_message_length", message_bytes_max),
            # Several processes on one port (`serve --workers N`): the kernel spreads connections
            # over them. gRPC's default on Linux already; stated because the workers rely on it.
            ("grpc.so_reuseport", 1),
        ],
    )
    ledger_pb2_grpc.add_LedgerServiceServicer_to_server(LedgerService(ledgers, categories, history), server)
    transaction_pb2_grpc.add_TransactionServiceServicer_to_server(
        TransactionService(TransactionsUseCases(pool, coalescer)), server
    )
    feed = BalanceFeed(pool)
    balance_pb2_grpc.add_BalanceServiceServicer_to_server(
        BalanceService(BalancesUseCases(history, categories), WatchingUseCases(pool, ledgers, feed)), server
    )
    hold_pb2_grpc.add_HoldServiceServicer_to_server(HoldService(holds), server)
    monitor_pb2_grpc.add_BalanceMonitorServiceServicer_to_server(
        BalanceMonitorService(MonitorsUseCases(pool, coalescer)), server
    )
    event_pb2_grpc.add_EventServiceServicer_to_server(EventService(EventsUseCases(pool, coalescer)), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection((*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    port = server.add_secure_port(address, grpc_server_credentials(tls)) if tls else server.add_insecure_port(address)
    await server.start()
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    rounds = asyncio.create_task(run_exclusively(pool, lambda: _background_rounds(holds, pool))) if background else None
    key_usage = asyncio.create_task(authenticator.run_usage_recorder())
    return RunningServer(server, port, health_servicer, holds, rounds, feed, counter, authenticator, key_usage)


async def _background_rounds(holds: HoldsUseCases, pool: asyncpg.Pool) -> None:
    await asyncio.gather(run_expirer(holds), run_sweeper(pool), run_statistics_keeper(pool))
