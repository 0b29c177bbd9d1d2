"""Roles and ledger scopes against a real server: each role's allowed and refused calls, a key
confined to a ledger, refusals that write nothing, other organizations' ids still NOT_FOUND, and
refusals logged with the key id, never the key (docs/security.md)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import grpc
import httpx
import pytest

from ledgerd.client import LedgerdClient, error_details
from ledgerd.server.core.api_keys import create_api_key
from ledgerd.server.domain.roles import Role
from ledgerd.v1 import balance_pb2, hold_pb2, ledger_pb2, transaction_pb2

from .event_helpers import create_handler, event_request, post_event
from .ledger_helpers import (
    DEBIT_NORMAL,
    POSTED,
    amounts,
    create_account,
    create_ledger,
    create_transaction,
    get_account,
    refused,
    transfer,
)

DENIED = grpc.StatusCode.PERMISSION_DENIED
ROLE = "API_KEY_ROLE_FORBIDS_METHOD"
SCOPE = "LEDGER_OUTSIDE_API_KEY_SCOPE"


@dataclass
class Program:
    """An organization with two card-program ledgers, each with a funded wallet and a settlement account."""

    name: str
    admin: LedgerdClient
    ledger: ledger_pb2.Ledger
    wallet: str
    settlement: str
    other_ledger: ledger_pb2.Ledger
    other_wallet: str
    other_settlement: str


async def funded(client: LedgerdClient, name: str) -> tuple[ledger_pb2.Ledger, str, str]:
    ledger = await create_ledger(client, name)
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    settlement = await create_account(client, ledger.id, "Settlement", normal_balance=DEBIT_NORMAL)
    await create_transaction(client, transfer(cash.id, wallet.id, 1_000, status=POSTED))
    return ledger, wallet.id, settlement.id


@pytest.fixture
async def program(pool: asyncpg.Pool, target: str) -> AsyncIterator[Program]:
    name = f"roles-{uuid.uuid4()}"
    _, key = await create_api_key(pool, name)
    async with LedgerdClient(target, key) as admin:
        ledger, wallet, settlement = await funded(admin, "Cards")
        other, other_wallet, other_settlement = await funded(admin, "Payroll")
        yield Program(name, admin, ledger, wallet, settlement, other, other_wallet, other_settlement)


KeyOf = Callable[..., Awaitable[LedgerdClient]]


@pytest.fixture
async def key_of(pool: asyncpg.Pool, target: str, program: Program) -> AsyncIterator[KeyOf]:
    """A client of a new key of the program's organization, with a role and, if any, its ledgers."""
    clients: list[LedgerdClient] = []

    async def make(role: Role, *ledger_ids: str) -> LedgerdClient:
        _, key = await create_api_key(pool, program.name, role=role, ledger_ids=[uuid.UUID(i) for i in ledger_ids])
        client = LedgerdClient(target, key)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


def place(wallet: str, settlement: str, amount: int) -> hold_pb2.PlaceHoldRequest:
    return hold_pb2.PlaceHoldRequest(ledger_account_id=wallet, counter_ledger_account_id=settlement, amount=amount)


async def test_a_reader_reads_and_watches_but_writes_nothing(program: Program, key_of: KeyOf) -> None:
    reader = await key_of(Role.READER)
    assert (await reader.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=program.ledger.id))).ledger.name == "Cards"
    assert len((await reader.ledgers.ListLedgers(ledger_pb2.ListLedgersRequest())).ledgers) == 2
    balances = await reader.balances.GetBalances(balance_pb2.GetBalancesRequest(ledger_account_ids=[program.wallet]))
    assert [b.ledger_account_id for b in balances.ledger_account_balances] == [program.wallet]
    watch = reader.balances.WatchBalances(balance_pb2.WatchBalancesRequest(ledger_account_ids=[program.wallet]))
    assert (await watch.read()) is not None
    watch.cancel()

    await refused(reader.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="No")), DENIED, ROLE)
    await refused(reader.holds.PlaceHold(place(program.wallet, program.settlement, 100)), DENIED, ROLE)
    await refused(
        reader.transactions.CreateLedgerTransaction(transfer(program.settlement, program.wallet, 5, status=POSTED)),
        DENIED,
        ROLE,
    )
    assert amounts(await get_account(program.admin, program.wallet)) == (1_000, 1_000, 1_000)
    assert len((await program.admin.ledgers.ListLedgers(ledger_pb2.ListLedgersRequest())).ledgers) == 2


async def test_an_authorizer_places_captures_and_reads_but_posts_nothing(program: Program, key_of: KeyOf) -> None:
    authorizer = await key_of(Role.AUTHORIZER)
    placed = await authorizer.holds.PlaceHold(place(program.wallet, program.settlement, 300))
    assert placed.decision == hold_pb2.HOLD_DECISION_APPROVED
    await authorizer.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=placed.hold.id, amount=200))
    assert (await authorizer.holds.GetHold(hold_pb2.GetHoldRequest(id=placed.hold.id))).hold.id == placed.hold.id
    await authorizer.balances.GetBalances(balance_pb2.GetBalancesRequest(ledger_account_ids=[program.wallet]))
    before = amounts(await get_account(program.admin, program.wallet))

    await refused(
        authorizer.transactions.CreateLedgerTransaction(transfer(program.wallet, program.settlement, 5, status=POSTED)),
        DENIED,
        ROLE,
    )
    await refused(
        authorizer.ledgers.CreateLedgerAccount(
            ledger_pb2.CreateLedgerAccountRequest(ledger_id=program.ledger.id, name="No", currency="USD")
        ),
        DENIED,
        ROLE,
    )
    assert amounts(await get_account(program.admin, program.wallet)) == before


async def test_a_writer_writes_and_an_admin_does_everything(program: Program, key_of: KeyOf) -> None:
    for role in (Role.WRITER, Role.ADMIN):
        client = await key_of(role)
        await client.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name=f"By a {role.value}"))
        await create_transaction(client, transfer(program.wallet, program.settlement, 10, status=POSTED))
        await client.holds.PlaceHold(place(program.wallet, program.settlement, 10))
    assert amounts(await get_account(program.admin, program.wallet))[1] == 1_000 - 20


async def test_a_confined_key_reaches_its_ledger_only(program: Program, key_of: KeyOf) -> None:
    confined = await key_of(Role.WRITER, program.ledger.id)
    inside = await confined.holds.PlaceHold(place(program.wallet, program.settlement, 100))
    assert inside.decision == hold_pb2.HOLD_DECISION_APPROVED
    # The hold just placed is known to be of the key's ledger (the server remembered it from the answer).
    await confined.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=inside.hold.id, amount=40))
    declined = await confined.holds.PlaceHold(place(program.wallet, program.settlement, 1_000_000))
    assert declined.decision == hold_pb2.HOLD_DECISION_DECLINED
    await confined.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=program.ledger.id))
    await create_transaction(confined, transfer(program.wallet, program.settlement, 1, status=POSTED))

    # Another ledger, named directly or through its objects: refused, and nothing written.
    other = program.other_wallet
    await refused(confined.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=program.other_ledger.id)), DENIED, SCOPE)
    await refused(confined.ledgers.GetLedgerAccount(ledger_pb2.GetLedgerAccountRequest(id=other)), DENIED, SCOPE)
    details = await refused(confined.holds.PlaceHold(place(other, program.other_settlement, 100)), DENIED, SCOPE)
    assert details.metadata == {"ledger_account_id": other}
    await refused(
        confined.transactions.CreateLedgerTransaction(transfer(other, program.other_settlement, 1, status=POSTED)),
        DENIED,
        SCOPE,
    )
    batch = hold_pb2.PlaceHoldBatchRequest(
        requests=[place(program.wallet, program.settlement, 1), place(other, program.other_settlement, 1)]
    )
    await refused(confined.holds.PlaceHoldBatch(batch), DENIED, SCOPE)
    await refused(confined.transactions.ListLedgerEntries(transaction_pb2.ListLedgerEntriesRequest()), DENIED, SCOPE)
    await refused(confined.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="Elsewhere")), DENIED, SCOPE)
    assert amounts(await get_account(program.admin, other)) == (1_000, 1_000, 1_000)
    holds = await program.admin.holds.ListHolds(hold_pb2.ListHoldsRequest(ledger_account_id=other))
    assert list(holds.holds) == []

    # A hold placed in the other ledger by the admin is out of reach by its id.
    theirs = await program.admin.holds.PlaceHold(place(other, program.other_settlement, 50))
    await refused(confined.holds.ReleaseHold(hold_pb2.ReleaseHoldRequest(hold_id=theirs.hold.id)), DENIED, SCOPE)
    assert (await program.admin.holds.GetHold(hold_pb2.GetHoldRequest(id=theirs.hold.id))).hold.status == (
        hold_pb2.HOLD_STATUS_PENDING
    )


async def test_lists_without_a_ledger_show_a_confined_key_its_rows_only(program: Program, key_of: KeyOf) -> None:
    for wallet, settlement in ((program.wallet, program.settlement), (program.other_wallet, program.other_settlement)):
        request = place(wallet, settlement, 10)
        request.external_id = "auth-shared"
        await program.admin.holds.PlaceHold(request)
    confined = await key_of(Role.AUTHORIZER, program.ledger.id)
    ledgers = await confined.ledgers.ListLedgers(ledger_pb2.ListLedgersRequest())
    assert [ledger.id for ledger in ledgers.ledgers] == [program.ledger.id]
    holds = await confined.holds.ListHolds(hold_pb2.ListHoldsRequest(external_id="auth-shared"))
    assert [hold.ledger_id for hold in holds.holds] == [program.ledger.id]
    accounts = await confined.ledgers.ListLedgerAccounts(ledger_pb2.ListLedgerAccountsRequest())
    assert {account.ledger_id for account in accounts.ledger_accounts} == {program.ledger.id}


async def test_a_stream_of_holds_ends_at_the_first_request_outside_the_scope(program: Program, key_of: KeyOf) -> None:
    confined = await key_of(Role.AUTHORIZER, program.ledger.id)

    async def requests() -> AsyncIterator[hold_pb2.PlaceHoldRequest]:
        yield place(program.wallet, program.settlement, 7)
        yield place(program.other_wallet, program.other_settlement, 7)
        yield place(program.wallet, program.settlement, 9)

    answers = []
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        async for answer in confined.holds.PlaceHolds(requests()):
            answers.append(answer)
    assert (error_details(raised.value).code, error_details(raised.value).reason) == (DENIED, f"ERROR_REASON_{SCOPE}")
    # The request before it, inside the scope, was answered.
    assert [answer.decision for answer in answers] == [hold_pb2.HOLD_DECISION_APPROVED]
    assert amounts(await get_account(program.admin, program.other_wallet)) == (1_000, 1_000, 1_000)


async def test_another_organizations_ids_stay_not_found_for_a_confined_key(
    program: Program,
    key_of: KeyOf,
    client: LedgerdClient,
) -> None:
    stranger_ledger, stranger_wallet, _ = await funded(client, "Someone else's")
    confined = await key_of(Role.WRITER, program.ledger.id)
    await refused(
        confined.ledgers.GetLedgerAccount(ledger_pb2.GetLedgerAccountRequest(id=stranger_wallet)),
        grpc.StatusCode.NOT_FOUND,
        "LEDGER_ACCOUNT_NOT_FOUND",
    )
    await refused(
        confined.holds.PlaceHold(place(program.wallet, stranger_wallet, 1)),
        grpc.StatusCode.NOT_FOUND,
        "LEDGER_ACCOUNT_NOT_FOUND",
    )
    await refused(
        confined.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=stranger_ledger.id)),
        grpc.StatusCode.NOT_FOUND,
        "LEDGER_NOT_FOUND",
    )


async def test_a_refusal_is_logged_with_the_key_id_and_never_the_key(
    pool: asyncpg.Pool, target: str, program: Program, caplog: pytest.LogCaptureFixture
) -> None:
    _, key = await create_api_key(pool, program.name, role=Role.READER)
    key_id = await pool.fetchval(
        "SELECT id FROM api_keys WHERE organization_id = (SELECT id FROM organizations WHERE name = $1) "
        "AND role = 'reader'",
        program.name,
    )
    with caplog.at_level(logging.WARNING, logger="ledgerd.server.interceptors.authorization"):
        async with LedgerdClient(target, key) as reader:
            await refused(reader.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="No")), DENIED, ROLE)
    lines = [record.getMessage() for record in caplog.records]
    assert any(f"api_key_id={key_id}" in line and "CreateLedger" in line for line in lines), lines
    assert not any(key in line for line in lines)


async def test_creating_a_key_for_a_ledger_of_another_organization_is_refused(
    pool: asyncpg.Pool, program: Program, client: LedgerdClient
) -> None:
    theirs = await create_ledger(client, "Not yours")
    with pytest.raises(Exception, match="no ledger"):
        await create_api_key(pool, program.name, role=Role.READER, ledger_ids=[uuid.UUID(theirs.id)])


async def test_an_event_cannot_write_to_another_ledger_through_its_handlers_template(
    program: Program, key_of: KeyOf
) -> None:
    """A template's account rendered from the event's data must be of the handler's ledger, or a key
    confined to one ledger would reach another through an event."""
    confined = await key_of(Role.WRITER, program.ledger.id)
    handler = {
        "name": "Pass-through",
        "ledger_transaction_template": {
            "status": "posted",
            "ledger_entries": [
                {"ledger_account_id": "{{ledgerable_event.custom_data.from}}", "amount": "5", "direction": "debit"},
                {"ledger_account_id": "{{ledgerable_event.custom_data.to}}", "amount": "5", "direction": "credit"},
            ],
        },
        "conditions": {"field": "ledgerable_event.name", "operator": "equals", "value": "Move"},
    }
    await create_handler(confined, program.ledger.id, handler)
    inside = {"name": "Move", "custom_data": {"from": program.settlement, "to": program.wallet}}
    await post_event(confined, program.ledger.id, inside)
    outside = {"name": "Move", "custom_data": {"from": program.other_settlement, "to": program.other_wallet}}
    await refused(
        confined.events.CreateLedgerableEvent(event_request(program.ledger.id, outside)),
        grpc.StatusCode.FAILED_PRECONDITION,
        "LEDGER_MISMATCH",
    )
    assert amounts(await get_account(program.admin, program.other_wallet)) == (1_000, 1_000, 1_000)


async def test_over_http_a_key_has_the_same_role_and_ledgers(
    program: Program, pool: asyncpg.Pool, http_base: str
) -> None:
    """The HTTP API calls the same servicers, through the same check: 403 in MT's shape, nothing written."""
    _, reader = await create_api_key(pool, program.name, role=Role.READER)
    _, confined = await create_api_key(pool, program.name, role=Role.WRITER, ledger_ids=[uuid.UUID(program.ledger.id)])
    ledgers = len((await program.admin.ledgers.ListLedgers(ledger_pb2.ListLedgersRequest())).ledgers)
    async with httpx.AsyncClient(base_url=http_base) as http:
        refused = await http.post("/api/ledgers", json={"name": "No"}, auth=(program.name, reader))
        assert refused.status_code == 403, refused.text
        assert refused.json()["errors"]["code"] == "forbidden"
        assert (await http.get("/api/ledgers", auth=(program.name, reader))).status_code == 200
        outside = await http.get(f"/api/ledger_accounts/{program.other_wallet}", auth=(program.name, confined))
        assert outside.status_code == 403, outside.text
        inside = await http.get(f"/api/ledger_accounts/{program.wallet}", auth=(program.name, confined))
        assert inside.status_code == 200, inside.text
    assert len((await program.admin.ledgers.ListLedgers(ledger_pb2.ListLedgersRequest())).ledgers) == ledgers
