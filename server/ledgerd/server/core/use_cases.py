"""Every use case of one server process, built once on its pool: the gRPC servicers and the HTTP
API (ledgerd.server.http) call the same objects, so both share one coalescer, one key cache and
one balance feed."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from opentelemetry import trace

from ledgerd.server.core.api_keys import Authenticator
from ledgerd.server.core.audit import AuditUseCases
from ledgerd.server.core.balances import BalancesUseCases
from ledgerd.server.core.categories import CategoriesUseCases
from ledgerd.server.core.coalescer import Coalescer
from ledgerd.server.core.events import EventsUseCases
from ledgerd.server.core.history import HistoryUseCases
from ledgerd.server.core.holds import HoldsUseCases
from ledgerd.server.core.ledgers import LedgersUseCases
from ledgerd.server.core.monitors import MonitorsUseCases
from ledgerd.server.core.scopes import LedgerScopes
from ledgerd.server.core.transaction_feed import TransactionFeedUseCases
from ledgerd.server.core.transactions import TransactionsUseCases
from ledgerd.server.core.watching import BalanceFeed, WatchingUseCases


@dataclass(frozen=True)
class UseCases:
    pool: asyncpg.Pool
    authenticator: Authenticator
    ledgers: LedgersUseCases
    categories: CategoriesUseCases
    history: HistoryUseCases
    transactions: TransactionsUseCases
    transaction_feed: TransactionFeedUseCases
    balances: BalancesUseCases
    holds: HoldsUseCases
    monitors: MonitorsUseCases
    events: EventsUseCases
    feed: BalanceFeed
    watching: WatchingUseCases
    audit: AuditUseCases
    # Which ledger each id belongs to, for the keys confined to some ledgers (gRPC's and HTTP's).
    scopes: LedgerScopes

    @classmethod
    def on(cls, pool: asyncpg.Pool, *, tracer: trace.Tracer | None = None) -> UseCases:
        """`tracer`: the write batches' spans (ledgerd.server.tracing), when traced."""
        ledgers = LedgersUseCases(pool)
        categories = CategoriesUseCases(pool)
        history = HistoryUseCases(ledgers)
        coalescer = Coalescer(pool, tracer=tracer)
        feed = BalanceFeed(pool)
        return cls(
            pool=pool,
            authenticator=Authenticator(pool),
            ledgers=ledgers,
            categories=categories,
            history=history,
            transactions=TransactionsUseCases(pool, coalescer),
            transaction_feed=TransactionFeedUseCases(pool, ledgers),
            balances=BalancesUseCases(history, categories),
            holds=HoldsUseCases(pool, coalescer),
            monitors=MonitorsUseCases(pool, coalescer),
            events=EventsUseCases(pool, coalescer),
            feed=feed,
            watching=WatchingUseCases(pool, ledgers, feed),
            audit=AuditUseCases(pool),
            scopes=LedgerScopes(pool),
        )
