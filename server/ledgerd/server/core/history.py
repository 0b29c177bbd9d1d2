"""Use cases of past balances: accounts as of an effective time or right after a lock_version, and
account statements. Every answer is read from one snapshot, without locks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import asyncpg

from ledgerd.server.core.ledgers import LedgersUseCases, account_not_found, in_order
from ledgerd.server.domain import limits
from ledgerd.server.domain.balances import BalanceTotals
from ledgerd.server.domain.errors import ErrorReason, FailedPrecondition, OutOfRange, invariant
from ledgerd.server.domain.history import CURRENT, AsOf, LedgerAccountStatement
from ledgerd.server.domain.model import LedgerAccount
from ledgerd.server.store import history as store
from ledgerd.server.store import ledgers as ledgers_store


class HistoryUseCases:
    def __init__(self, ledgers: LedgersUseCases) -> None:
        self.ledgers = ledgers
        self.pool: asyncpg.Pool = ledgers.pool

    async def get_ledger_accounts(
        self, organization_id: uuid.UUID, account_ids: Sequence[uuid.UUID], as_of: AsOf = CURRENT
    ) -> list[LedgerAccount]:
        """The accounts in the order asked, with their balances as of `as_of`; unknown or foreign
        ids are NOT_FOUND (the first one named). A lock_version is asked of one account only."""
        if as_of.lock_version is not None:
            invariant(len(account_ids) == 1, "as_of_lock_version is asked of exactly one account")
            return [await self._at_version(organization_id, account_ids[0], as_of.lock_version)]
        if as_of.effective_at is None:
            return await self.ledgers.get_ledger_accounts(organization_id, list(account_ids))
        async with (
            self.pool.acquire() as connection,
            # One snapshot: the accounts' current lock_versions and their totals as of the time agree.
            connection.transaction(isolation="repeatable_read", readonly=True),
        ):
            found = await ledgers_store.get_ledger_accounts(connection, organization_id, list(set(account_ids)))
            # One statement per ledger: on Citus, each on that ledger's shard (docs/scaling.md).
            by_ledger: dict[uuid.UUID, list[uuid.UUID]] = {}
            for account in found.values():
                by_ledger.setdefault(account.ledger_id, []).append(account.id)
            totals: dict[uuid.UUID, BalanceTotals] = {}
            for ledger_id, ids in by_ledger.items():
                totals.update(await store.totals_as_of(connection, ledger_id, ids, as_of.effective_at, inclusive=True))
        as_of_time = {i: replace(a, totals=totals.get(i, BalanceTotals())) for i, a in found.items()}
        return in_order(as_of_time, account_ids)

    async def _at_version(self, organization_id: uuid.UUID, account_id: uuid.UUID, lock_version: int) -> LedgerAccount:
        found = await store.account_at_version(self.pool, organization_id, account_id, lock_version)
        if found is None:
            raise account_not_found(account_id)
        account, totals = found
        if lock_version > account.lock_version:
            raise OutOfRange(
                ErrorReason.LOCK_VERSION_OUT_OF_RANGE,
                f"ledger account {account_id} is at lock_version {account.lock_version}, not yet {lock_version}",
                {"ledger_account_id": str(account_id), "lock_version": str(account.lock_version)},
            )
        if lock_version == 0:
            totals = BalanceTotals()
        invariant(totals is not None, f"ledger account {account_id} has no row for its version {lock_version}")
        assert totals is not None
        return replace(account, totals=totals, lock_version=lock_version)

    async def get_statement(
        self, organization_id: uuid.UUID, account_id: uuid.UUID, lower_bound: datetime, upper_bound: datetime
    ) -> LedgerAccountStatement:
        async with (
            self.pool.acquire() as connection,
            # One snapshot: the account's version, both ends and the entries agree.
            connection.transaction(isolation="repeatable_read", readonly=True),
        ):
            account = await ledgers_store.get_ledger_account(connection, organization_id, account_id)
            if account is None:
                raise account_not_found(account_id)
            entries = await store.entries_in_period(
                connection, account_id, lower_bound, upper_bound, limits.statement_entries_max + 1
            )
            if len(entries) > limits.statement_entries_max:
                raise FailedPrecondition(
                    ErrorReason.STATEMENT_TOO_LARGE,
                    f"the period holds more than {limits.statement_entries_max} entries (statement_entries_max): "
                    "ask for shorter periods",
                    {"ledger_account_id": str(account_id)},
                )
            return LedgerAccountStatement(
                ledger_account=account,
                effective_at_lower_bound=lower_bound,
                effective_at_upper_bound=upper_bound,
                starting_totals=await _totals_before(connection, account, lower_bound),
                ending_totals=await _totals_before(connection, account, upper_bound),
                ledger_entries=tuple(entries),
            )


async def _totals_before(connection: asyncpg.Connection, account: LedgerAccount, bound: datetime) -> BalanceTotals:
    """The account's totals counting the entries effective strictly before `bound`."""
    totals = await store.totals_as_of(connection, account.ledger_id, [account.id], bound, inclusive=False)
    return totals.get(account.id, BalanceTotals())
