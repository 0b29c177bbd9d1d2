"""Authentication and tenancy: every call needs a valid key, a key sees only its organization, and
another organization's ids read exactly like ids nobody has (NOT_FOUND, never a hint that they
exist). Health checks and reflection answer without a key. Nothing refused writes anything."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from ledgerd.client import ErrorDetails, LedgerdClient
from ledgerd.server.core.api_keys import create_api_key, hash_key
from ledgerd.server.core.clock import utcnow
from ledgerd.server.store import holds as holds_store
from ledgerd.v1 import (
    balance_pb2,
    balance_pb2_grpc,
    common_pb2,
    errors_pb2,
    hold_pb2,
    hold_pb2_grpc,
    ledger_pb2,
    ledger_pb2_grpc,
    transaction_pb2,
    transaction_pb2_grpc,
)

from .ledger_helpers import (
    ARCHIVED,
    CREDIT,
    DEBIT,
    DEBIT_NORMAL,
    POSTED,
    create_account,
    create_ledger,
    create_transaction,
    entry,
    refused,
    transfer,
)
from .test_bad_input import Organization, organization_of

NOT_FOUND = grpc.StatusCode.NOT_FOUND
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED
SERVICES = ("ledgerd.v1.LedgerService", "ledgerd.v1.TransactionService", "ledgerd.v1.BalanceService")
TABLES = (
    "organizations",
    "api_keys",
    "ledgers",
    "ledger_accounts",
    "ledger_transactions",
    "ledger_entries",
    "ledger_account_versions",
    "holds",
    "idempotency_keys",
    "ledger_account_categories",
    "ledger_account_category_accounts",
    "ledger_account_category_categories",
    "ledger_account_category_paths",
    "ledger_account_category_closure",
)


class Tenant(Organization):
    """An organization with a ledger, Cash, a Wallet, Settlement, a posted, a pending and an archived
    transaction, and a pending hold on the wallet; every resource tagged with the same metadata and
    external ids as any other tenant's."""

    async def open(self, name: str) -> Tenant:
        c = self.client
        self.ledger = await create_ledger(c, name)
        await c.ledgers.UpdateLedger(ledger_pb2.UpdateLedgerRequest(id=self.ledger.id, metadata={"team": "shared"}))
        self.cash = (await create_account(c, self.ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
        self.wallet = (await create_account(c, self.ledger.id, "Wallet", metadata={"team": "shared"})).id
        self.settlement = (await create_account(c, self.ledger.id, "Settlement", normal_balance=DEBIT_NORMAL)).id
        self.posted = await create_transaction(
            c,
            transfer(
                self.cash, self.wallet, 1_000, status=POSTED, external_id="deposit-1", metadata={"team": "shared"}
            ),
        )
        self.pending = await create_transaction(c, transfer(self.wallet, self.cash, 10, external_id="pending-1"))
        self.archived = await create_transaction(c, transfer(self.wallet, self.cash, 20, status=ARCHIVED))
        placed = await c.holds.PlaceHold(
            hold_pb2.PlaceHoldRequest(
                ledger_account_id=self.wallet,
                counter_ledger_account_id=self.settlement,
                amount=30,
                external_id="card-1",
            )
        )
        assert placed.decision == hold_pb2.HOLD_DECISION_APPROVED
        self.hold = placed.hold
        self.entry = self.posted.ledger_entries[0].id
        return self


@pytest.fixture
async def mine(client: LedgerdClient, pool: asyncpg.Pool, api_key: str) -> Tenant:
    return await Tenant(client, pool, await organization_of(pool, api_key)).open("Mine")


@pytest.fixture
async def stranger(pool: asyncpg.Pool, target: str) -> AsyncIterator[Tenant]:
    """Another organization, with resources of its own, through its own key and client."""
    organization_id, key = await create_api_key(pool, f"stranger-{uuid.uuid4()}")
    async with LedgerdClient(target, key) as client:
        yield await Tenant(client, pool, organization_id).open("Theirs")


async def row_counts(pool: asyncpg.Pool) -> dict[str, int]:
    """Rows of every table, all organizations together."""
    async with pool.acquire() as connection:
        return {table: await connection.fetchval(f"SELECT count(*) FROM {table}") for table in TABLES}


# A pending hold due within this many seconds may be released by the session server's expirer
# (every hold_expiry_interval_seconds) while a check runs: a write no call of the test made.
DUE_SOON_SECONDS = 5.0
EXPIRY_WAIT_SECONDS = 30.0


async def no_hold_due_soon(pool: asyncpg.Pool) -> None:
    """Waits until no pending hold of any test comes due during the check (an earlier test's hold
    placed to expire in a moment; the session's expirer releases it within a second or two). Asks
    the expirer's own question (store.holds.oldest_due) of a moment DUE_SOON_SECONDS ahead."""
    deadline = asyncio.get_running_loop().time() + EXPIRY_WAIT_SECONDS
    while await holds_store.oldest_due(pool, utcnow() + timedelta(seconds=DUE_SOON_SECONDS)) is not None:
        assert asyncio.get_running_loop().time() < deadline, "pending holds stayed due: is the expirer running?"
        await asyncio.sleep(0.1)


@asynccontextmanager
async def nobody_writes(pool: asyncpg.Pool) -> AsyncIterator[None]:
    await no_hold_due_soon(pool)
    before = await row_counts(pool)
    yield
    assert await row_counts(pool) == before


async def test_the_nothing_written_check_counts_once_a_hold_due_now_is_released(
    mine: Tenant, pool: asyncpg.Pool
) -> None:
    """A hold due in a moment is released by the session's expirer before the check counts, so the
    release is not counted as the checked calls' write."""
    soon = Timestamp()
    soon.FromDatetime(datetime.now(UTC) + timedelta(milliseconds=300))
    placed = await mine.client.holds.PlaceHold(
        hold_pb2.PlaceHoldRequest(
            ledger_account_id=mine.wallet, counter_ledger_account_id=mine.settlement, amount=1, expires_at=soon
        )
    )
    assert placed.decision == hold_pb2.HOLD_DECISION_APPROVED
    async with nobody_writes(pool):
        released = await mine.client.holds.GetHold(hold_pb2.GetHoldRequest(id=placed.hold.id))
    assert released.hold.status == hold_pb2.HOLD_STATUS_EXPIRED


# --- authentication ------------------------------------------------------------------------------

RAW_CALLS: dict[str, Callable[[grpc.aio.Channel, tuple[tuple[str, str], ...]], Awaitable[Any]]] = {
    "CreateLedger": lambda ch, m: ledger_pb2_grpc.LedgerServiceStub(ch).CreateLedger(
        ledger_pb2.CreateLedgerRequest(name="Intruder"), metadata=m
    ),
    "ListLedgers": lambda ch, m: ledger_pb2_grpc.LedgerServiceStub(ch).ListLedgers(
        ledger_pb2.ListLedgersRequest(), metadata=m
    ),
    "GetLedger": lambda ch, m: ledger_pb2_grpc.LedgerServiceStub(ch).GetLedger(
        ledger_pb2.GetLedgerRequest(id="not-a-uuid"), metadata=m
    ),
    "CreateLedgerTransaction": lambda ch, m: transaction_pb2_grpc.TransactionServiceStub(ch).CreateLedgerTransaction(
        transfer(str(uuid.uuid4()), str(uuid.uuid4()), 1), metadata=m
    ),
    "ListLedgerTransactions": lambda ch, m: transaction_pb2_grpc.TransactionServiceStub(ch).ListLedgerTransactions(
        transaction_pb2.ListLedgerTransactionsRequest(), metadata=m
    ),
    "GetBalances": lambda ch, m: balance_pb2_grpc.BalanceServiceStub(ch).GetBalances(
        balance_pb2.GetBalancesRequest(), metadata=m
    ),
    "ListHolds": lambda ch, m: hold_pb2_grpc.HoldServiceStub(ch).ListHolds(hold_pb2.ListHoldsRequest(), metadata=m),
}

BAD_HEADERS: dict[str, tuple[tuple[str, str], ...]] = {
    "no metadata": (),
    "other metadata only": (("x-api-key", "ldg_whatever"),),
    "unknown key": (("authorization", "Bearer ldg_xxx"),),
    "another scheme": (("authorization", "Basic abc"),),
    "scheme without key": (("authorization", "Bearer"),),
    "scheme with blank key": (("authorization", "Bearer    "),),
    "key without prefix": (("authorization", "Bearer abc"),),
    "key too long": (("authorization", "Bearer ldg_" + "x" * 200),),
    "empty header": (("authorization", ""),),
}


@pytest.mark.parametrize("header", BAD_HEADERS)
@pytest.mark.parametrize("rpc", RAW_CALLS)
async def test_a_call_without_a_valid_key_is_unauthenticated_and_writes_nothing(
    target: str, pool: asyncpg.Pool, rpc: str, header: str
) -> None:
    async with grpc.aio.insecure_channel(target) as channel, nobody_writes(pool):
        details = await refused(RAW_CALLS[rpc](channel, BAD_HEADERS[header]), UNAUTHENTICATED, "UNAUTHENTICATED")
    assert details.message and details.field_violations == ()


async def test_a_valid_key_sent_without_the_bearer_scheme_is_unauthenticated(
    target: str, pool: asyncpg.Pool, api_key: str
) -> None:
    async with grpc.aio.insecure_channel(target) as channel, nobody_writes(pool):
        await refused(
            RAW_CALLS["CreateLedger"](channel, (("authorization", api_key),)), UNAUTHENTICATED, "UNAUTHENTICATED"
        )
    # The same key with the scheme works, whatever the case of the scheme.
    async with grpc.aio.insecure_channel(target) as channel:
        response = await RAW_CALLS["ListLedgers"](channel, (("authorization", f"bearer {api_key}"),))
        assert list(response.ledgers) == []


async def test_a_revoked_key_is_unauthenticated_and_writes_nothing(target: str, pool: asyncpg.Pool) -> None:
    _, key = await create_api_key(pool, f"revoked-{uuid.uuid4()}")
    await pool.execute("UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1", hash_key(key))
    async with grpc.aio.insecure_channel(target) as channel, nobody_writes(pool):
        await refused(
            RAW_CALLS["CreateLedger"](channel, (("authorization", f"Bearer {key}"),)),
            UNAUTHENTICATED,
            "UNAUTHENTICATED",
        )


async def test_the_place_holds_stream_without_a_key_is_unauthenticated_and_writes_nothing(
    target: str, pool: asyncpg.Pool
) -> None:
    async def requests() -> AsyncIterator[hold_pb2.PlaceHoldRequest]:
        yield hold_pb2.PlaceHoldRequest(
            ledger_account_id=str(uuid.uuid4()), counter_ledger_account_id=str(uuid.uuid4()), amount=1
        )

    async def consume(call: Any) -> list[Any]:
        return [response async for response in call]

    async with grpc.aio.insecure_channel(target) as channel, nobody_writes(pool):
        stub = hold_pb2_grpc.HoldServiceStub(channel)
        for metadata in ((), (("authorization", "Bearer ldg_xxx"),)):
            await refused(consume(stub.PlaceHolds(requests(), metadata=metadata)), UNAUTHENTICATED, "UNAUTHENTICATED")


# --- another organization's ids -------------------------------------------------------------------

# (call of `stranger` naming `mine`'s resource, or an unknown id in its place; the reason; the id used)
FOREIGN: dict[str, tuple[Callable[[Tenant, Tenant, str | None], Awaitable[Any]], str]] = {}


def foreign(name: str, reason: str) -> Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]]:
    def register(call: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        FOREIGN[name] = (call, reason)
        return call

    return register


def pick(mine_id: str, unknown: str | None) -> str:
    return mine_id if unknown is None else unknown


@foreign("GetLedger", "LEDGER_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=pick(m.ledger.id, u)))


@foreign("UpdateLedger", "LEDGER_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.ledgers.UpdateLedger(
        ledger_pb2.UpdateLedgerRequest(id=pick(m.ledger.id, u), name="Taken", metadata={"team": "x"})
    )


@foreign("CreateLedgerAccount in the ledger", "LEDGER_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.ledgers.CreateLedgerAccount(
        ledger_pb2.CreateLedgerAccountRequest(
            ledger_id=pick(m.ledger.id, u), name="Mole", normal_balance=DEBIT_NORMAL, currency="USD"
        )
    )


@foreign("GetLedgerAccount", "LEDGER_ACCOUNT_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.ledgers.GetLedgerAccount(ledger_pb2.GetLedgerAccountRequest(id=pick(m.wallet, u)))


@foreign("UpdateLedgerAccount", "LEDGER_ACCOUNT_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.ledgers.UpdateLedgerAccount(
        ledger_pb2.UpdateLedgerAccountRequest(id=pick(m.wallet, u), description="taken")
    )


@foreign("GetBalances", "LEDGER_ACCOUNT_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.balances.GetBalances(
        balance_pb2.GetBalancesRequest(ledger_account_ids=[s.wallet, pick(m.wallet, u)])
    )


@foreign("GetLedgerTransaction", "LEDGER_TRANSACTION_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.transactions.GetLedgerTransaction(
        transaction_pb2.GetLedgerTransactionRequest(id=pick(m.posted.id, u))
    )


@foreign("UpdateLedgerTransaction posting a pending one", "LEDGER_TRANSACTION_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.transactions.UpdateLedgerTransaction(
        transaction_pb2.UpdateLedgerTransactionRequest(id=pick(m.pending.id, u), status=POSTED)
    )


@foreign("UpdateLedgerTransaction archiving a pending one", "LEDGER_TRANSACTION_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.transactions.UpdateLedgerTransaction(
        transaction_pb2.UpdateLedgerTransactionRequest(id=pick(m.pending.id, u), status=ARCHIVED)
    )


@foreign("UpdateLedgerTransaction describing a posted one", "LEDGER_TRANSACTION_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.transactions.UpdateLedgerTransaction(
        transaction_pb2.UpdateLedgerTransactionRequest(id=pick(m.posted.id, u), description="mine now")
    )


@foreign("UpdateLedgerTransaction replacing a pending one's entries", "LEDGER_TRANSACTION_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.transactions.UpdateLedgerTransaction(
        transaction_pb2.UpdateLedgerTransactionRequest(
            id=pick(m.pending.id, u), ledger_entries=[entry(s.wallet, DEBIT, 1), entry(s.cash, CREDIT, 1)]
        )
    )


@foreign("UpdateLedgerTransaction of a hold", "LEDGER_TRANSACTION_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.transactions.UpdateLedgerTransaction(
        transaction_pb2.UpdateLedgerTransactionRequest(id=pick(m.hold.ledger_transaction_id, u), status=ARCHIVED)
    )


@foreign("ReverseLedgerTransaction of a posted one", "LEDGER_TRANSACTION_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.transactions.ReverseLedgerTransaction(
        transaction_pb2.ReverseLedgerTransactionRequest(id=pick(m.posted.id, u))
    )


@foreign("ReverseLedgerTransaction of a pending one", "LEDGER_TRANSACTION_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.transactions.ReverseLedgerTransaction(
        transaction_pb2.ReverseLedgerTransactionRequest(id=pick(m.pending.id, u))
    )


@foreign("GetLedgerEntry", "LEDGER_ENTRY_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.transactions.GetLedgerEntry(transaction_pb2.GetLedgerEntryRequest(id=pick(m.entry, u)))


@foreign("CreateLedgerTransaction with only their accounts", "LEDGER_ACCOUNT_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.transactions.CreateLedgerTransaction(transfer(pick(m.wallet, u), pick(m.cash, u), 5, status=POSTED))


@foreign("CreateLedgerTransaction with one of their accounts", "LEDGER_ACCOUNT_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    # Not LEDGER_MISMATCH: that would tell the account exists in another ledger.
    return s.client.transactions.CreateLedgerTransaction(transfer(s.cash, pick(m.wallet, u), 5, status=POSTED))


@foreign("CreateLedgerTransaction guarding their account", "LEDGER_ACCOUNT_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    # Not ABORTED, CURRENCY_MISMATCH or BALANCE_CONDITION_FAILED: each would tell something about it.
    guarded = entry(
        pick(m.wallet, u),
        DEBIT,
        5,
        lock_version=99,
        currency="EUR",
        available_balance_amount=common_pb2.BalanceCondition(gte=10**9),
    )
    return s.client.transactions.CreateLedgerTransaction(
        transaction_pb2.CreateLedgerTransactionRequest(ledger_entries=[guarded, entry(s.wallet, CREDIT, 5)])
    )


@foreign("UpdateLedgerTransaction replacing own entries with theirs", "LEDGER_ACCOUNT_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.transactions.UpdateLedgerTransaction(
        transaction_pb2.UpdateLedgerTransactionRequest(
            id=s.pending.id, ledger_entries=[entry(pick(m.wallet, u), DEBIT, 1), entry(s.cash, CREDIT, 1)]
        )
    )


@foreign("PlaceHold on their accounts", "LEDGER_ACCOUNT_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.holds.PlaceHold(
        hold_pb2.PlaceHoldRequest(
            ledger_account_id=pick(m.wallet, u),
            counter_ledger_account_id=pick(m.settlement, u and str(uuid.uuid4())),
            amount=1,
        )
    )


@foreign("GetHold", "HOLD_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.holds.GetHold(hold_pb2.GetHoldRequest(id=pick(m.hold.id, u)))


@foreign("IncreaseHold", "HOLD_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.holds.IncreaseHold(hold_pb2.IncreaseHoldRequest(hold_id=pick(m.hold.id, u), amount=1))


@foreign("CaptureHold", "HOLD_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=pick(m.hold.id, u), amount=30))


@foreign("ReleaseHold", "HOLD_NOT_FOUND")
def _(m: Tenant, s: Tenant, u: str | None) -> Awaitable[Any]:
    return s.client.holds.ReleaseHold(hold_pb2.ReleaseHoldRequest(hold_id=pick(m.hold.id, u)))


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def anonymized(details: ErrorDetails) -> tuple[Any, ...]:
    """An error with every id in its message and metadata replaced by the same placeholder."""
    metadata = {key: UUID.sub("<id>", value) for key, value in details.metadata.items()}
    return details.code, details.reason, UUID.sub("<id>", details.message), metadata, details.field_violations


@pytest.mark.parametrize("case", FOREIGN)
async def test_another_organizations_id_is_not_found_exactly_like_an_unknown_id_and_writes_nothing(
    mine: Tenant, stranger: Tenant, case: str
) -> None:
    call, reason = FOREIGN[case]
    unknown = str(uuid.uuid4())
    async with mine.writes_nothing(), stranger.writes_nothing():
        theirs = await refused(call(mine, stranger, None), NOT_FOUND, reason)
        nobodys = await refused(call(mine, stranger, unknown), NOT_FOUND, reason)
    assert anonymized(theirs) == anonymized(nobodys)


async def test_a_batch_item_with_another_organizations_accounts_is_not_found_and_only_it_fails(
    mine: Tenant, stranger: Tenant
) -> None:
    request = transaction_pb2.CreateLedgerTransactionsRequest(
        requests=[
            transfer(stranger.cash, mine.wallet, 5, status=POSTED),
            transfer(stranger.cash, stranger.wallet, 7, status=POSTED),
        ]
    )
    async with mine.writes_nothing():
        response = await stranger.client.transactions.CreateLedgerTransactions(request)
    error = response.results[0].error
    assert (error.code, errors_pb2.ErrorReason.Name(error.reason)) == (5, "ERROR_REASON_LEDGER_ACCOUNT_NOT_FOUND")
    assert response.results[1].ledger_transaction.ledger_entries[1].ledger_account_id == stranger.wallet


# --- lists ---------------------------------------------------------------------------------------

LIST_FILTERS: dict[str, tuple[Callable[[Tenant, str], Awaitable[Any]], Callable[[Tenant], str], str]] = {
    "ListLedgerAccounts by ledger_id": (
        lambda s, i: s.client.ledgers.ListLedgerAccounts(ledger_pb2.ListLedgerAccountsRequest(ledger_id=i)),
        lambda m: m.ledger.id,
        "ledger_accounts",
    ),
    "ListLedgerTransactions by ledger_id": (
        lambda s, i: s.client.transactions.ListLedgerTransactions(
            transaction_pb2.ListLedgerTransactionsRequest(ledger_id=i)
        ),
        lambda m: m.ledger.id,
        "ledger_transactions",
    ),
    "ListLedgerTransactions by ledger_account_id": (
        lambda s, i: s.client.transactions.ListLedgerTransactions(
            transaction_pb2.ListLedgerTransactionsRequest(ledger_account_id=i)
        ),
        lambda m: m.wallet,
        "ledger_transactions",
    ),
    "ListLedgerEntries by ledger_account_id": (
        lambda s, i: s.client.transactions.ListLedgerEntries(
            transaction_pb2.ListLedgerEntriesRequest(ledger_account_id=i, show_discarded=True)
        ),
        lambda m: m.wallet,
        "ledger_entries",
    ),
    "ListLedgerEntries by ledger_transaction_id": (
        lambda s, i: s.client.transactions.ListLedgerEntries(
            transaction_pb2.ListLedgerEntriesRequest(ledger_transaction_id=i)
        ),
        lambda m: m.posted.id,
        "ledger_entries",
    ),
    "ListHolds by ledger_account_id": (
        lambda s, i: s.client.holds.ListHolds(hold_pb2.ListHoldsRequest(ledger_account_id=i)),
        lambda m: m.wallet,
        "holds",
    ),
}


async def answer(call: Awaitable[Any]) -> tuple[Any, ...]:
    """What a list call answers: its items and token, or its error's code, reason and message."""
    try:
        response = await call
    except grpc.aio.AioRpcError as error:
        assert error.code() not in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INTERNAL), error
        return ("error", error.code(), error.details())
    return ("items", tuple(response.ListFields()), response.next_page_token)


@pytest.mark.parametrize("case", LIST_FILTERS)
async def test_a_list_filtered_by_another_organizations_id_answers_as_for_an_unknown_id_and_shows_nothing(
    mine: Tenant, stranger: Tenant, case: str
) -> None:
    call, mine_id, field = LIST_FILTERS[case]
    unknown = str(uuid.uuid4())
    async with mine.writes_nothing(), stranger.writes_nothing():
        theirs = await answer(call(stranger, mine_id(mine)))
        nobodys = await answer(call(stranger, unknown))
    if theirs[0] == "error":
        assert theirs[1] == NOT_FOUND
        assert theirs[2].replace(mine_id(mine), "<id>") == nobodys[2].replace(unknown, "<id>")
    else:
        assert theirs == nobodys == ("items", (), "")
    # The owner sees its items through the same filter.
    owned = getattr(await call(mine, mine_id(mine)), field)
    assert len(owned) > 0


async def test_lists_show_only_the_callers_own_ledgers_accounts_transactions_entries_and_holds(
    mine: Tenant, stranger: Tenant
) -> None:
    for tenant, other in ((mine, stranger), (stranger, mine)):
        c = tenant.client
        state = await tenant.state()
        assert [x.id for x in state["ledgers"]] == [tenant.ledger.id]
        assert {x.id for x in state["ledger_accounts"]} == {tenant.cash, tenant.wallet, tenant.settlement}
        transactions = {tenant.posted.id, tenant.pending.id, tenant.archived.id, tenant.hold.ledger_transaction_id}
        assert {x.id for x in state["ledger_transactions"]} == transactions
        assert {x.ledger_transaction_id for x in state["ledger_entries"]} == transactions
        assert [x.id for x in state["holds"]] == [tenant.hold.id]
        # Filters both organizations' resources match select only the caller's.
        ledgers = await c.ledgers.ListLedgers(ledger_pb2.ListLedgersRequest(metadata={"team": "shared"}))
        assert [x.id for x in ledgers.ledgers] == [tenant.ledger.id]
        accounts = await c.ledgers.ListLedgerAccounts(
            ledger_pb2.ListLedgerAccountsRequest(metadata={"team": "shared"}, currency="USD")
        )
        assert [x.id for x in accounts.ledger_accounts] == [tenant.wallet]
        for request in (
            transaction_pb2.ListLedgerTransactionsRequest(external_id="deposit-1"),
            transaction_pb2.ListLedgerTransactionsRequest(metadata={"team": "shared"}),
            transaction_pb2.ListLedgerTransactionsRequest(status=POSTED),
        ):
            listed = await c.transactions.ListLedgerTransactions(request)
            assert [x.id for x in listed.ledger_transactions] == [tenant.posted.id]
        holds = await c.holds.ListHolds(hold_pb2.ListHoldsRequest(external_id="card-1"))
        assert [x.id for x in holds.holds] == [tenant.hold.id]
        other_ids = {other.ledger.id, other.cash, other.wallet, other.settlement, other.posted.id, other.hold.id}
        seen = {x.id for part in ("ledgers", "ledger_accounts", "ledger_transactions", "holds") for x in state[part]}
        assert not seen & other_ids


async def test_a_page_token_of_another_organization_pages_through_the_callers_own_items_only(
    mine: Tenant, stranger: Tenant
) -> None:
    first = await mine.client.transactions.ListLedgerTransactions(
        transaction_pb2.ListLedgerTransactionsRequest(page_size=1)
    )
    assert first.next_page_token
    async with mine.writes_nothing(), stranger.writes_nothing():
        try:
            borrowed = await stranger.client.transactions.ListLedgerTransactions(
                transaction_pb2.ListLedgerTransactionsRequest(page_size=1000, page_token=first.next_page_token)
            )
        except grpc.aio.AioRpcError as error:
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error
        else:
            ids = {stranger.posted.id, stranger.pending.id, stranger.archived.id, stranger.hold.ledger_transaction_id}
            assert {x.id for x in borrowed.ledger_transactions} <= ids


async def test_an_idempotency_key_of_another_organization_is_neither_replayed_nor_refused(
    mine: Tenant, stranger: Tenant, pool: asyncpg.Pool, target: str
) -> None:
    _, third_key = await create_api_key(pool, f"third-{uuid.uuid4()}")
    first = await mine.client.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="Keyed", idempotency_key="k-1"))
    # The same key and body from the stranger is a new request of its own, not a replay of mine.
    async with mine.writes_nothing():
        same_body = await stranger.client.ledgers.CreateLedger(
            ledger_pb2.CreateLedgerRequest(name="Keyed", idempotency_key="k-1")
        )
    assert same_body.ledger.id != first.ledger.id
    # A third organization sending the key with another body is not refused because of mine.
    async with mine.writes_nothing(), stranger.writes_nothing(), LedgerdClient(target, third_key) as third:
        other_body = await third.ledgers.CreateLedger(
            ledger_pb2.CreateLedgerRequest(name="Other", idempotency_key="k-1")
        )
    assert other_body.ledger.name == "Other"
    # The stranger's own key is now bound to its own body only.
    async with mine.writes_nothing(), stranger.writes_nothing():
        await refused(
            stranger.client.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="Other", idempotency_key="k-1")),
            grpc.StatusCode.ALREADY_EXISTS,
            "IDEMPOTENCY_KEY_REUSED",
        )


# --- open services -------------------------------------------------------------------------------


@pytest.mark.parametrize("metadata", [(), (("authorization", "Basic abc"),)], ids=["no key", "bad key"])
async def test_the_health_check_answers_serving_without_a_key(
    target: str, metadata: tuple[tuple[str, str], ...]
) -> None:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for service in ("", *SERVICES, "ledgerd.v1.HoldService"):
            response = await stub.Check(health_pb2.HealthCheckRequest(service=service), metadata=metadata)
            assert response.status == health_pb2.HealthCheckResponse.SERVING, service
        with pytest.raises(grpc.aio.AioRpcError) as unknown:
            await stub.Check(health_pb2.HealthCheckRequest(service="ledgerd.v1.NoSuchService"), metadata=metadata)
        assert unknown.value.code() == NOT_FOUND


async def test_server_reflection_lists_the_ledgerd_services_without_a_key(target: str) -> None:
    async def ask() -> AsyncIterator[reflection_pb2.ServerReflectionRequest]:
        yield reflection_pb2.ServerReflectionRequest(list_services="")
        yield reflection_pb2.ServerReflectionRequest(file_containing_symbol="ledgerd.v1.TransactionService")

    async with grpc.aio.insecure_channel(target) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        answers = [a async for a in stub.ServerReflectionInfo(ask())]
    listed, described = answers
    names = {s.name for s in listed.list_services_response.service}
    assert set(SERVICES) <= names
    assert {"grpc.health.v1.Health", "ledgerd.v1.HoldService"} <= names
    assert not listed.HasField("error_response")
    assert described.file_descriptor_response.file_descriptor_proto
