"""Balance watching: each committed version of the watched accounts, in lock_version order, with
no gap.

The truth is the table ledger_account_versions: a watcher keeps a cursor (the last version sent)
per account and reads what is newer. Versions of one account commit in order (the account's lock
is held until commit), so reading "newer than the cursor" never skips one. Notifications only say
when to read again: the batch write sends one after each commit that wrote versions (LISTEN/NOTIFY,
0006_write_path.sql) while a listener is registered, and one connection per server process
listens for all watchers, registered while it listens. A lost notification costs latency, never
a version: watchers also read every watch_poll_interval_seconds, and all of them read again after
the listening connection is (re-)established and registered. (A write that checked for listeners
just before the registration committed, and commits just after the watchers read, is seen at the
next poll.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import asyncpg

from ledgerd.server.core.ledgers import LedgersUseCases
from ledgerd.server.domain import limits
from ledgerd.server.domain.errors import ErrorReason, Unavailable
from ledgerd.server.domain.validation import Violations
from ledgerd.server.domain.watching import AccountVersion
from ledgerd.server.store import account_versions as store
from ledgerd.server.store import distribution
from ledgerd.server.store import monitors as monitors_store

log = logging.getLogger(__name__)


class Subscription:
    def __init__(self, account_ids: frozenset[uuid.UUID]) -> None:
        self.account_ids = account_ids
        self.changed = asyncio.Event()


class BalanceFeed:
    """One LISTEN connection per server process, waking the watchers whose accounts moved."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.subscriptions: set[Subscription] = set()
        self._listening: asyncio.Task[None] | None = None
        # Set at shutdown: every watch ends at once rather than when the grace period runs out.
        self.closed = False

    def subscribe(self, account_ids: Sequence[uuid.UUID]) -> Subscription:
        subscription = Subscription(frozenset(account_ids))
        self.subscriptions.add(subscription)
        if self._listening is None or self._listening.done():
            self._listening = asyncio.create_task(self._listen())
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self.subscriptions.discard(subscription)

    def notify(self, payload: str) -> None:
        """Wakes the watchers of the accounts named (every watcher for an empty payload)."""
        named = {uuid.UUID(text) for text in payload.split(",")} if payload else None
        for subscription in list(self.subscriptions):
            if named is None or not subscription.account_ids.isdisjoint(named):
                subscription.changed.set()

    def _wake_all(self) -> None:
        self.notify("")

    async def _listen(self) -> None:
        """Holds a connection with LISTEN while anyone watches; re-establishes it when it breaks.
        On a Citus coordinator the batch write notifies on the worker that ran it, so a connection
        to every worker listens too (distribution.listen_nodes; none on plain PostgreSQL): the
        losing of any of them is the losing of the feed, and everything is re-established and
        read again, as for the coordinator's own connection."""
        while self.subscriptions:
            nodes: list[asyncpg.Connection] = []
            try:
                async with self.pool.acquire() as connection:
                    lost = asyncio.Event()
                    connection.add_termination_listener(lambda _connection, lost=lost: lost.set())
                    await connection.add_listener(store.CHANNEL, self._notified)
                    try:
                        targets = await distribution.listen_nodes(connection)
                        for host, port in targets:
                            node = await distribution.connect_to_node(connection, host, port)
                            nodes.append(node)
                            node.add_termination_listener(lambda _connection, lost=lost: lost.set())
                            await node.add_listener(store.CHANNEL, self._notified)
                        # Registered after every node listens: a write that sees the registration
                        # notifies a node already listening.
                        await store.register_listener(connection)
                        self._wake_all()  # whatever committed before the registration is read now
                        while self.subscriptions and not lost.is_set():
                            with contextlib.suppress(TimeoutError):
                                await asyncio.wait_for(lost.wait(), limits.watch_poll_interval_seconds)
                            if targets and not lost.is_set() and await distribution.listen_nodes(connection) != targets:
                                break  # a worker joined or left: listen on the new set
                    finally:
                        if not connection.is_closed():
                            # The listener first: asyncpg forgets it before UNLISTEN is sent, so a
                            # cancellation here still returns a clean connection to the pool.
                            await connection.remove_listener(store.CHANNEL, self._notified)
                            await store.unregister_listener(connection)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("balance feed lost its connection (%r); listening again", error)
                self._wake_all()
                await asyncio.sleep(limits.watch_poll_interval_seconds)
            finally:
                # The workers' connections are this feed's own: closing one ends its LISTEN.
                for node in nodes:
                    node.terminate()
            # No wake here: listening again registers again, and that wakes every watcher; what a
            # lost or changed node notified meanwhile is read then.

    def _notified(self, connection: Any, pid: int, channel: str, payload: str) -> None:
        self.notify(payload)

    async def close(self) -> None:
        self.closed = True
        self._wake_all()
        self.subscriptions.clear()
        if self._listening is not None:
            self._listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listening


class WatchingUseCases:
    def __init__(self, pool: asyncpg.Pool, ledgers: LedgersUseCases, feed: BalanceFeed) -> None:
        self.pool = pool
        self.ledgers = ledgers
        self.feed = feed

    async def watch(
        self, organization_id: uuid.UUID, account_ids: Sequence[uuid.UUID], after: Mapping[uuid.UUID, int]
    ) -> AsyncIterator[AccountVersion]:
        """The watched accounts' versions as they commit; NOT_FOUND for an unknown or foreign
        account and INVALID_ARGUMENT for a resume point beyond an account's version, before the
        first answer."""
        # Subscribe before reading, so that nothing committed after the first read goes unnoticed.
        subscription = self.feed.subscribe(account_ids)
        try:
            accounts = await self.ledgers.get_ledger_accounts(organization_id, list(account_ids))
            violations = Violations()
            for account in accounts:
                if after.get(account.id, 0) > account.lock_version:
                    violations.add(
                        f"after_lock_versions[{account.id}]",
                        f"is beyond the account's lock_version {account.lock_version}",
                    )
            violations.raise_if_any()
            cursors: dict[uuid.UUID, int] = {}
            for account in accounts:
                if account.id in cursors:
                    continue
                if account.id in after:
                    cursors[account.id] = after[account.id]
                else:
                    cursors[account.id] = account.lock_version
                    yield AccountVersion(account.id, account.lock_version, None, account.balances)
            while True:
                if self.feed.closed:
                    raise Unavailable(
                        ErrorReason.SHUTTING_DOWN, "the server is shutting down; watch again from the versions seen"
                    )
                subscription.changed.clear()
                while True:
                    versions = await self._read(cursors)
                    for version in versions:
                        cursors[version.ledger_account_id] = version.lock_version
                        yield version
                    if len(versions) < limits.watch_versions_per_read_max:
                        break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(subscription.changed.wait(), limits.watch_poll_interval_seconds)
        finally:
            self.feed.unsubscribe(subscription)

    async def _read(self, cursors: Mapping[uuid.UUID, int]) -> list[AccountVersion]:
        async with self.pool.acquire() as connection:
            versions = await store.versions_after(connection, cursors, limits.watch_versions_per_read_max)
            alerts = await monitors_store.alerts_at(
                connection, [(v.ledger_account_id, v.lock_version) for v in versions]
            )
        return [
            AccountVersion(
                v.ledger_account_id,
                v.lock_version,
                v.ledger_transaction_id,
                v.balances,
                tuple(alerts.get((v.ledger_account_id, v.lock_version), ())),
            )
            for v in versions
        ]
