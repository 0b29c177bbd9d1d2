"""The change feed of a ledger's transactions (WatchLedgerTransactions): every version of every
transaction, once each, in feed order, from any position on (docs/change-feed.md).

The truth is ledger_transaction_versions: the feed reads the versions after its position whose
writing database transaction is older than the oldest one still running (the horizon). Every
version below the horizon has committed, and no version can ever appear below it later, so a read
up to the horizon is final: positions only move forward, and nothing behind them is ever new.
Versions are not announced (the write path sends nothing for this): a watcher reads again every
transaction_feed_poll_interval_seconds, and at once while its reads come back full.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg

from ledgerd.server.core.ledgers import LedgersUseCases
from ledgerd.server.domain import limits
from ledgerd.server.domain.model import LedgerTransactionVersion
from ledgerd.server.domain.transaction_feed import FeedPosition
from ledgerd.server.store import transaction_feed as store


class TransactionFeedUseCases:
    def __init__(self, pool: asyncpg.Pool, ledgers: LedgersUseCases) -> None:
        self.pool = pool
        self.ledgers = ledgers

    async def watch(
        self, organization_id: uuid.UUID, ledger_id: uuid.UUID, after: FeedPosition
    ) -> AsyncIterator[tuple[FeedPosition, LedgerTransactionVersion]]:
        """The ledger's versions after `after`, as they commit, without end; NOT_FOUND for an
        unknown or foreign ledger, before the first answer."""
        await self.ledgers.get_ledger(organization_id, ledger_id)
        position = after
        while True:
            async with self.pool.acquire() as connection:
                below = await store.horizon(connection, ledger_id)
                found = await store.versions_after(
                    connection, ledger_id, position, below, limits.transaction_feed_versions_per_read_max
                )
            for found_position, version in found:
                position = found_position
                yield found_position, version
            if len(found) == limits.transaction_feed_versions_per_read_max:
                continue
            # Everything of this ledger below the horizon has been sent: the next read starts
            # there instead of rescanning the other ledgers' versions since the last one sent.
            position = max(position, FeedPosition.before_xact(below))
            await asyncio.sleep(limits.transaction_feed_poll_interval_seconds)
