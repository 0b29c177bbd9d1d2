"""EventService end to end: the tutorial's two handlers exactly as printed, handler changes, replays,
and 200 events at once for one user."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import grpc

from ledgerd.client import LedgerdClient
from ledgerd.v1 import event_pb2, transaction_pb2

from .event_helpers import (
    TOP_UP_EVENT,
    TOP_UP_HANDLER,
    Wallets,
    create_handler,
    event_request,
    handler_request,
    post_event,
    top_up_with_fees_handler,
)
from .ledger_helpers import (
    CREDIT,
    CREDIT_NORMAL,
    DEBIT,
    DEBIT_NORMAL,
    PENDING,
    POSTED,
    amounts,
    create_account,
    get_account,
    run_ledgerd,
)


async def test_the_seed_top_up_handler_turns_the_seed_event_into_the_documented_transaction(
    client: LedgerdClient,
) -> None:
    book = await Wallets(client).open()
    handler = await create_handler(client, book.ledger.id, TOP_UP_HANDLER)
    assert (handler.name, handler.conditions.value, sorted(handler.variables)) == (
        "Top Up Event Handler",
        "Top Up",
        ["top_up_account", "wallet_account"],
    )
    assert handler.variables["wallet_account"].query.value.struct_value["type"] == "wallet"
    assert not handler.HasField("disabled_at")

    response = await post_event(client, book.ledger.id, TOP_UP_EVENT)

    event, transaction = response.ledgerable_event, response.ledger_transaction
    assert (event.name, event.custom_data["amount"], event.custom_data["user_id"]) == ("Top Up", "1500", "1234567890")
    assert (event.ledger_event_handler_id, event.ledger_transaction_id) == (handler.id, transaction.id)
    assert (transaction.ledgerable_type, transaction.ledgerable_id) == ("ledgerable_event", event.id)
    assert (transaction.description, transaction.status) == ("Top up for Jane's Wallet", POSTED)
    assert dict(transaction.metadata) == {"external_transaction_id": "123456"}
    assert [(e.ledger_account_id, e.amount, e.direction) for e in transaction.ledger_entries] == [
        (book.wallet.id, 1500, CREDIT),
        (book.top_up.id, 1500, DEBIT),
    ]
    assert amounts(await get_account(client, book.wallet.id)) == (1500, 1500, 1500)
    assert amounts(await get_account(client, book.top_up.id)) == (1500, 1500, 1500)

    stored = (await client.events.GetLedgerableEvent(event_pb2.GetLedgerableEventRequest(id=event.id))).ledgerable_event
    assert stored == event
    read = await client.transactions.GetLedgerTransaction(
        transaction_pb2.GetLedgerTransactionRequest(id=transaction.id)
    )
    assert read.ledger_transaction == transaction


async def test_the_seed_top_up_with_fees_handler_adds_the_flat_fee_to_the_user_and_platform_fees_accounts(
    client: LedgerdClient,
) -> None:
    book = await Wallets(client).open()
    fees = await book.user_account("Jane's Fees", "1234567890", "fees", CREDIT_NORMAL)
    platform = await create_account(client, book.ledger.id, "Platform Fees", normal_balance=DEBIT_NORMAL)
    await create_handler(client, book.ledger.id, TOP_UP_HANDLER)
    handler = await create_handler(client, book.ledger.id, top_up_with_fees_handler(platform.id))

    plain = await post_event(client, book.ledger.id, TOP_UP_EVENT)
    with_fees = await post_event(client, book.ledger.id, {**TOP_UP_EVENT, "name": "Top Up with Fees"})

    assert len(plain.ledger_transaction.ledger_entries) == 2
    transaction = with_fees.ledger_transaction
    assert with_fees.ledgerable_event.ledger_event_handler_id == handler.id
    assert [(e.ledger_account_id, e.amount, e.direction) for e in transaction.ledger_entries] == [
        (book.wallet.id, 1500, CREDIT),
        (book.top_up.id, 1500, DEBIT),
        (fees.id, 100, CREDIT),
        (platform.id, 100, DEBIT),
    ]
    assert transaction.description == "Top up for Jane's Wallet"
    assert amounts(await get_account(client, book.wallet.id)) == (3000, 3000, 3000)
    assert amounts(await get_account(client, book.top_up.id)) == (3000, 3000, 3000)
    assert amounts(await get_account(client, fees.id)) == (100, 100, 100)
    assert amounts(await get_account(client, platform.id)) == (100, 100, 100)


async def test_a_changed_handler_applies_to_later_events_only(client: LedgerdClient) -> None:
    book = await Wallets(client).open()
    first = await create_handler(client, book.ledger.id, TOP_UP_HANDLER)
    before = await post_event(client, book.ledger.id, TOP_UP_EVENT)

    disabled = await client.events.DisableLedgerEventHandler(event_pb2.DisableLedgerEventHandlerRequest(id=first.id))
    assert disabled.ledger_event_handler.HasField("disabled_at")
    changed = {**TOP_UP_HANDLER, "ledger_transaction_template": dict(TOP_UP_HANDLER["ledger_transaction_template"])}
    changed["ledger_transaction_template"]["description"] = "Wallet top up ({{ledgerable_event.custom_data.user_id}})"
    changed["ledger_transaction_template"]["status"] = "pending"
    second = await create_handler(client, book.ledger.id, changed)
    after = await post_event(client, book.ledger.id, TOP_UP_EVENT)

    assert after.ledgerable_event.ledger_event_handler_id == second.id
    assert (after.ledger_transaction.description, after.ledger_transaction.status) == (
        "Wallet top up (1234567890)",
        PENDING,
    )
    earlier = await client.transactions.GetLedgerTransaction(
        transaction_pb2.GetLedgerTransactionRequest(id=before.ledger_transaction.id)
    )
    assert earlier.ledger_transaction == before.ledger_transaction
    assert earlier.ledger_transaction.description == "Top up for Jane's Wallet"
    event = await client.events.GetLedgerableEvent(event_pb2.GetLedgerableEventRequest(id=before.ledgerable_event.id))
    assert event.ledgerable_event.ledger_event_handler_id == first.id

    listed = await client.events.ListLedgerEventHandlers(
        event_pb2.ListLedgerEventHandlersRequest(ledger_id=book.ledger.id)
    )
    assert [(h.id, h.HasField("disabled_at")) for h in listed.ledger_event_handlers] == [
        (first.id, True),
        (second.id, False),
    ]
    again = await client.events.DisableLedgerEventHandler(event_pb2.DisableLedgerEventHandlerRequest(id=first.id))
    assert again.ledger_event_handler == disabled.ledger_event_handler


async def test_handlers_are_read_and_listed_by_page(client: LedgerdClient) -> None:
    book = await Wallets(client).open()
    created = [
        await create_handler(
            client,
            book.ledger.id,
            {**TOP_UP_HANDLER, "conditions": {**TOP_UP_HANDLER["conditions"], "value": f"Top Up {i}"}},
        )
        for i in range(3)
    ]
    read = await client.events.GetLedgerEventHandler(event_pb2.GetLedgerEventHandlerRequest(id=created[1].id))
    assert read.ledger_event_handler == created[1]
    first = await client.events.ListLedgerEventHandlers(
        event_pb2.ListLedgerEventHandlersRequest(ledger_id=book.ledger.id, page_size=2)
    )
    rest = await client.events.ListLedgerEventHandlers(
        event_pb2.ListLedgerEventHandlersRequest(ledger_id=book.ledger.id, page_token=first.next_page_token)
    )
    assert [h.id for h in (*first.ledger_event_handlers, *rest.ledger_event_handlers)] == [h.id for h in created]
    assert rest.next_page_token == ""


async def test_an_event_replayed_with_its_idempotency_key_is_applied_once(client: LedgerdClient) -> None:
    book = await Wallets(client).open()
    await create_handler(client, book.ledger.id, TOP_UP_HANDLER)
    first = await post_event(client, book.ledger.id, TOP_UP_EVENT, idempotency_key="top-up-1")
    again = await post_event(client, book.ledger.id, TOP_UP_EVENT, idempotency_key="top-up-1")

    assert again == first
    assert len(await book.transactions()) == 1
    assert amounts(await get_account(client, book.wallet.id)) == (1500, 1500, 1500)
    other = {**TOP_UP_EVENT, "custom_data": {"amount": "99", "user_id": "1234567890"}}
    try:
        await post_event(client, book.ledger.id, other, idempotency_key="top-up-1")
        raise AssertionError("another body under the same key was accepted")
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert len(await book.transactions()) == 1


async def test_two_hundred_events_at_once_for_one_user_are_each_applied_exactly_once(client: LedgerdClient) -> None:
    book = await Wallets(client).open()
    await create_handler(client, book.ledger.id, TOP_UP_HANDLER)
    amounts_sent = [100 + i for i in range(200)]

    responses = await asyncio.gather(
        *(
            client.events.CreateLedgerableEvent(
                event_request(
                    book.ledger.id,
                    {"name": "Top Up", "custom_data": {"amount": str(amount), "user_id": "1234567890"}},
                    idempotency_key=f"top-up-{index}",
                )
            )
            for index, amount in enumerate(amounts_sent)
        )
    )

    assert len({r.ledgerable_event.id for r in responses}) == 200
    assert len({r.ledger_transaction.id for r in responses}) == 200
    assert sorted(r.ledger_transaction.ledger_entries[0].amount for r in responses) == amounts_sent
    transactions = await book.transactions()
    assert len(transactions) == 200
    assert {t.ledgerable_id for t in transactions} == {r.ledgerable_event.id for r in responses}
    total = sum(amounts_sent)
    wallet = await get_account(client, book.wallet.id)
    top_up = await get_account(client, book.top_up.id)
    assert amounts(wallet) == (total, total, total) and wallet.lock_version == 200
    assert amounts(top_up) == (total, total, total) and top_up.lock_version == 200
    versions = sorted(
        e.ledger_account_lock_version
        for r in responses
        for e in r.ledger_transaction.ledger_entries
        if e.ledger_account_id == book.wallet.id
    )
    assert versions == list(range(1, 201))


async def test_handler_creation_and_disabling_replay_with_their_idempotency_keys(client: LedgerdClient) -> None:
    book = await Wallets(client).open()
    request = handler_request(book.ledger.id, TOP_UP_HANDLER, idempotency_key="handler-1")
    first = await client.events.CreateLedgerEventHandler(request)
    again = await client.events.CreateLedgerEventHandler(request)
    assert again == first
    disable = event_pb2.DisableLedgerEventHandlerRequest(id=first.ledger_event_handler.id, idempotency_key="off-1")
    disabled = await client.events.DisableLedgerEventHandler(disable)
    assert await client.events.DisableLedgerEventHandler(disable) == disabled
    listed = await client.events.ListLedgerEventHandlers(event_pb2.ListLedgerEventHandlersRequest())
    assert [h.id for h in listed.ledger_event_handlers] == [first.ledger_event_handler.id]


async def test_verify_names_an_event_whose_transaction_no_longer_names_it(
    client: LedgerdClient, pool: asyncpg.Pool, database_url: str
) -> None:
    book = await Wallets(client).open()
    await create_handler(client, book.ledger.id, TOP_UP_HANDLER)
    made = await post_event(client, book.ledger.id, TOP_UP_EVENT)
    code, output = await run_ledgerd("verify", database_url=database_url)
    assert code == 0, output

    transaction_id = uuid.UUID(made.ledger_transaction.id)
    await pool.execute("UPDATE ledger_transactions SET ledgerable_id = $1 WHERE id = $2", uuid.uuid4(), transaction_id)
    try:
        code, output = await run_ledgerd("verify", database_url=database_url)
        assert code == 1
        assert "FAIL" in output and made.ledgerable_event.id in output
    finally:
        await pool.execute(
            "UPDATE ledger_transactions SET ledgerable_id = $1 WHERE id = $2",
            uuid.UUID(made.ledgerable_event.id),
            transaction_id,
        )
    code, output = await run_ledgerd("verify", database_url=database_url)
    assert code == 0, output
