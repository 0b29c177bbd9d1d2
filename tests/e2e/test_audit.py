"""The audit trail (docs/audit.md): every accepted call that changed something is recorded — its
key, its method, the ids it created or changed — in the database transaction of its effect; the
trail is append-only, and `ledgerd verify` finds every transaction in it."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import grpc
import httpx
import pytest

from ledgerd.client import LedgerdClient
from ledgerd.server.core.api_keys import create_api_key, hash_key
from ledgerd.server.core.verify import verify
from ledgerd.v1 import audit_pb2, hold_pb2

from .http_helpers import new_organization
from .ledger_helpers import POSTED, create_account, create_ledger, create_transaction, refused, transfer
from .test_holds import APPROVED, DECLINED, card_program, place

HOLDS = "/ledgerd.v1.HoldService/"
PLACE_HOLD = HOLDS + "PlaceHold"


async def key_id(pool: asyncpg.Pool, api_key: str) -> str:
    return str(await pool.fetchval("SELECT id FROM api_keys WHERE key_hash = $1", hash_key(api_key)))


async def events(client: LedgerdClient, **filters: str) -> list[audit_pb2.AuditEvent]:
    """Every page of the organization's events."""
    found: list[audit_pb2.AuditEvent] = []
    token = ""
    while True:
        page = await client.audit.ListAuditEvents(
            audit_pb2.ListAuditEventsRequest(page_size=7, page_token=token, **filters)
        )
        found.extend(page.audit_events)
        if not (token := page.next_page_token):
            return found


async def test_each_change_is_recorded_with_its_key_method_and_ids(
    client: LedgerdClient, pool: asyncpg.Pool, api_key: str
) -> None:
    wallet, settlement, _ = await card_program(client, funds=1_000)
    placed = await client.holds.PlaceHold(place(wallet, settlement, 300))
    captured = await client.holds.CaptureHold(hold_pb2.CaptureHoldRequest(hold_id=placed.hold.id, amount=300))
    recorded = await events(client)
    me = await key_id(pool, api_key)
    assert {e.api_key_id for e in recorded} == {me}
    assert [e.method.rsplit("/", 1)[1] for e in recorded] == [
        "CreateLedger",
        "CreateLedgerAccount",
        "CreateLedgerAccount",
        "CreateLedgerAccount",
        "CreateLedgerTransaction",
        "PlaceHold",
        "CaptureHold",
    ]
    assert recorded[1].resource_ids == [recorded[1].resource_ids[0]] and wallet not in recorded[1].resource_ids
    assert {placed.hold.id, placed.hold.ledger_transaction_id} <= set(recorded[5].resource_ids)
    assert placed.hold.id in recorded[6].resource_ids
    assert captured.hold.status == hold_pb2.HOLD_STATUS_CAPTURED
    assert [e.method for e in await events(client, method=PLACE_HOLD)] == [PLACE_HOLD]
    assert len(await events(client, api_key_id=me)) == 7


async def test_what_changed_nothing_is_not_recorded(client: LedgerdClient) -> None:
    wallet, settlement, _ = await card_program(client, funds=100)
    before = len(await events(client))
    assert (await client.holds.PlaceHold(place(wallet, settlement, 500))).decision == DECLINED
    await refused(
        client.holds.PlaceHold(place(wallet, settlement, -1)), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"
    )
    first = await client.holds.PlaceHold(place(wallet, settlement, 10, idempotency_key="once"))
    replay = await client.holds.PlaceHold(place(wallet, settlement, 10, idempotency_key="once"))
    assert first == replay and first.decision == APPROVED
    assert len(await events(client)) == before + 1  # the one hold placed


async def test_batched_writes_each_leave_their_own_event(client: LedgerdClient) -> None:
    wallet, settlement, _ = await card_program(client, funds=100_000)
    answers = await asyncio.gather(*(client.holds.PlaceHold(place(wallet, settlement, 10)) for _ in range(100)))
    placed = await events(client, method=PLACE_HOLD)
    assert len(placed) == 100
    assert {frozenset(e.resource_ids) for e in placed} == {
        frozenset((a.hold.id, a.hold.ledger_transaction_id)) for a in answers
    }


async def test_an_organization_sees_only_its_own_events(client: LedgerdClient, pool: asyncpg.Pool, target: str) -> None:
    await create_ledger(client, "Mine")
    _, other_key = await create_api_key(pool, f"test-{uuid.uuid4()}")
    async with LedgerdClient(target, other_key) as other:
        assert await events(other) == []
        await create_ledger(other, "Theirs")
        assert [e.method.rsplit("/", 1)[1] for e in await events(other)] == ["CreateLedger"]
    assert len(await events(client)) == 1


async def test_bad_filters_are_refused(client: LedgerdClient) -> None:
    await refused(
        client.audit.ListAuditEvents(audit_pb2.ListAuditEventsRequest(api_key_id="nope")),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
    )


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_events SET method = 'forged'", "DELETE FROM audit_events", "TRUNCATE audit_events"],
)
async def test_the_trail_is_append_only(client: LedgerdClient, pool: asyncpg.Pool, statement: str) -> None:
    await create_ledger(client)
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await pool.execute(statement)


async def test_verify_finds_a_transaction_without_its_event(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    ledger = await create_ledger(client)
    cash = await create_account(client, ledger.id, "Cash")
    wallet = await create_account(client, ledger.id, "Wallet")
    recorded = await create_transaction(client, transfer(cash.id, wallet.id, 5, status=POSTED))
    assert not (await verify(pool))["every transaction has its audit event"]
    # A transaction written around the API, as a bug or an intruder would: verify names it.
    unaudited = uuid.uuid4()
    await pool.execute(
        """INSERT INTO ledger_transactions
           SELECT (jsonb_populate_record(t, jsonb_build_object('id', $1::uuid))).* FROM ledger_transactions t
           WHERE t.id = $2""",
        unaudited,
        uuid.UUID(recorded.id),
    )
    try:
        offenders = (await verify(pool))["every transaction has its audit event"]
        assert [o["id"] for o in offenders] == [str(unaudited)]
    finally:
        await pool.execute("DELETE FROM ledger_transactions WHERE id = $1", unaudited)


async def test_a_change_over_http_is_recorded_with_its_route(pool: asyncpg.Pool, http_base: str, target: str) -> None:
    organization = await new_organization(pool)
    async with httpx.AsyncClient(base_url=http_base, auth=(organization.name, organization.api_key)) as http:
        created = await http.post("/api/ledgers", json={"name": "Over HTTP"})
        assert created.status_code == 201, created.text
    async with LedgerdClient(target, organization.api_key) as client:
        (event,) = await events(client)
    assert (event.method, list(event.resource_ids)) == ("POST /api/ledgers", [created.json()["id"]])
    assert event.api_key_id == await key_id(pool, organization.api_key)
