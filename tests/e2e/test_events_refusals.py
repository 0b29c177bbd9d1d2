"""Events and handlers that cannot be taken: each refusal has its code and a reason naming the
handler, the variable or the path, and writes nothing (no transaction, no balance change)."""

from __future__ import annotations

import copy
from typing import Any

import asyncpg
import grpc

from ledgerd.client import LedgerdClient
from ledgerd.v1 import event_pb2

from .event_helpers import (
    TOP_UP_EVENT,
    TOP_UP_HANDLER,
    Wallets,
    create_handler,
    handler_request,
    post_event,
)
from .ledger_helpers import CREDIT_NORMAL, amounts, get_account, refused

INVALID = grpc.StatusCode.INVALID_ARGUMENT
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
UNKNOWN_ID = "0190c6a0-0000-7000-8000-000000000000"


class Book(Wallets):
    """The tutorial's wallets and Top Up handler, and a way to prove that an event wrote nothing."""

    async def open(self, user_id: str = "1234567890") -> Book:
        await super().open(user_id)
        self.handler = await create_handler(self.client, self.ledger.id, TOP_UP_HANDLER)
        return self

    async def refuses_event(self, event: dict[str, Any], code: grpc.StatusCode, reason: str) -> Any:
        before = [await get_account(self.client, a.id) for a in (self.wallet, self.top_up)]
        details = await refused(post_event(self.client, self.ledger.id, event), code, reason)
        after = [await get_account(self.client, a.id) for a in (self.wallet, self.top_up)]
        assert [(a.lock_version, amounts(a)) for a in after] == [(a.lock_version, amounts(a)) for a in before]
        assert await self.transactions() == []
        return details

    async def add_handler(self, name: str, template: dict[str, Any], **variables: Any) -> event_pb2.LedgerEventHandler:
        body = copy.deepcopy(TOP_UP_HANDLER)
        body["conditions"]["value"] = name
        body["ledger_transaction_template"].update(template)
        body["variables"].update(variables)
        return await create_handler(self.client, self.ledger.id, body)


def top_up(**custom_data: Any) -> dict[str, Any]:
    return {"name": "Top Up", "custom_data": {"amount": "1500", "user_id": "1234567890", **custom_data}}


def entries(debit_amount: str, credit_amount: str, **debit_fields: Any) -> dict[str, Any]:
    return {
        "ledger_entries": [
            {"ledger_account_id": "{{variables.wallet_account.id}}", "amount": credit_amount, "direction": "credit"},
            {
                "ledger_account_id": "{{variables.wallet_account.id}}",
                "amount": debit_amount,
                "direction": "debit",
                **debit_fields,
            },
        ]
    }


async def test_an_event_no_handler_matches_is_refused(client: LedgerdClient) -> None:
    book = await Book(client).open()
    details = await book.refuses_event(
        {**TOP_UP_EVENT, "name": "Withdrawal"}, PRECONDITION, "NO_LEDGER_EVENT_HANDLER_MATCHED"
    )
    assert details.metadata["name"] == "Withdrawal"


async def test_an_event_of_a_disabled_handler_is_refused(client: LedgerdClient) -> None:
    book = await Book(client).open()
    await client.events.DisableLedgerEventHandler(event_pb2.DisableLedgerEventHandlerRequest(id=book.handler.id))
    await book.refuses_event(TOP_UP_EVENT, PRECONDITION, "NO_LEDGER_EVENT_HANDLER_MATCHED")


async def test_a_variable_that_finds_no_account_is_named(client: LedgerdClient) -> None:
    book = await Book(client).open()
    details = await book.refuses_event(top_up(user_id="999"), PRECONDITION, "LEDGER_EVENT_VARIABLE_NO_ACCOUNT")
    assert details.metadata == {"ledger_event_handler_id": book.handler.id, "variable": "top_up_account"}


async def test_a_variable_that_finds_two_accounts_is_named(client: LedgerdClient) -> None:
    book = await Book(client).open()
    await book.user_account("Jane's Other Wallet", "1234567890", "wallet", CREDIT_NORMAL)
    details = await book.refuses_event(TOP_UP_EVENT, PRECONDITION, "LEDGER_EVENT_VARIABLE_MANY_ACCOUNTS")
    assert details.metadata == {"ledger_event_handler_id": book.handler.id, "variable": "wallet_account"}


async def test_a_missing_placeholder_path_is_named(client: LedgerdClient) -> None:
    book = await Book(client).open()
    event = {"name": "Top Up", "custom_data": {"user_id": "1234567890"}}
    details = await book.refuses_event(event, INVALID, "TEMPLATE_PATH_MISSING")
    assert details.metadata["ledger_event_handler_id"] == book.handler.id
    assert details.metadata["path"] == "ledgerable_event.custom_data.amount"
    assert details.metadata["template_field"] == "ledger_transaction_template.ledger_entries[0].amount"
    assert {field for field, _ in details.field_violations} == {"ledgerable_event.custom_data.amount"}


async def test_a_missing_path_in_a_variable_query_is_named(client: LedgerdClient) -> None:
    book = await Book(client).open()
    details = await book.refuses_event(
        {"name": "Top Up", "custom_data": {"amount": "1"}}, INVALID, "TEMPLATE_PATH_MISSING"
    )
    assert details.metadata["path"] == "ledgerable_event.custom_data.user_id"
    assert details.metadata["template_field"] == "variables[top_up_account].query.value[user_id]"


async def test_amounts_that_are_not_positive_integers_are_refused(client: LedgerdClient) -> None:
    book = await Book(client).open()
    for amount in ("0", "-5", "15.5", "1e3", "abc", "", "9223372036854775808", 15.5, {"value": 1}):
        details = await book.refuses_event(
            top_up(amount=amount),
            INVALID,
            "TEMPLATE_PATH_MISSING" if isinstance(amount, dict) else "TEMPLATE_AMOUNT_INVALID",
        )
        assert details.metadata["ledger_event_handler_id"] == book.handler.id
        assert details.metadata["template_field"] == "ledger_transaction_template.ledger_entries[0].amount"


async def test_a_numeric_amount_renders_as_its_integer(client: LedgerdClient) -> None:
    book = await Book(client).open()
    response = await post_event(client, book.ledger.id, top_up(amount=1500))
    assert [e.amount for e in response.ledger_transaction.ledger_entries] == [1500, 1500]


async def test_an_unbalanced_template_is_refused_naming_the_handler(client: LedgerdClient) -> None:
    book = await Book(client).open()
    handler = await book.add_handler("Lopsided", entries("100", "99"))
    details = await book.refuses_event({**top_up(), "name": "Lopsided"}, INVALID, "UNBALANCED_ENTRIES")
    assert details.metadata["ledger_event_handler_id"] == handler.id


async def test_a_broken_balance_condition_is_refused_naming_the_handler(client: LedgerdClient) -> None:
    book = await Book(client).open()
    template = {
        "ledger_entries": [
            {
                "ledger_account_id": "{{variables.top_up_account.id}}",
                "amount": "{{ledgerable_event.custom_data.amount}}",
                "direction": "credit",
            },
            {
                "ledger_account_id": "{{variables.wallet_account.id}}",
                "amount": "{{ledgerable_event.custom_data.amount}}",
                "direction": "debit",
                "available_balance_amount": {"gte": 0},
            },
        ]
    }
    handler = await book.add_handler("Spend", template)
    details = await book.refuses_event({**top_up(), "name": "Spend"}, PRECONDITION, "BALANCE_CONDITION_FAILED")
    assert details.metadata["ledger_event_handler_id"] == handler.id


async def test_a_second_handler_with_the_same_condition_is_refused(client: LedgerdClient) -> None:
    book = await Book(client).open()
    details = await refused(
        client.events.CreateLedgerEventHandler(handler_request(book.ledger.id, TOP_UP_HANDLER, name="Again")),
        PRECONDITION,
        "LEDGER_EVENT_HANDLER_CONDITIONS_OVERLAP",
    )
    assert details.metadata["ledger_event_handler_id"] == book.handler.id
    listed = await client.events.ListLedgerEventHandlers(event_pb2.ListLedgerEventHandlersRequest())
    assert [h.id for h in listed.ledger_event_handlers] == [book.handler.id]


async def test_an_event_that_matches_two_handlers_is_refused_naming_both(client: LedgerdClient) -> None:
    book = await Book(client).open()
    body = copy.deepcopy(TOP_UP_HANDLER)
    body["conditions"] = {"field": "ledgerable_event.custom_data.channel", "operator": "equals", "value": "card"}
    other = await create_handler(client, book.ledger.id, body)
    details = await book.refuses_event(top_up(channel="card"), PRECONDITION, "LEDGER_EVENT_HANDLERS_AMBIGUOUS")
    assert set(details.metadata["ledger_event_handler_ids"].split(",")) == {book.handler.id, other.id}


async def test_a_handler_with_faulty_templates_is_refused_with_every_fault(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    book = await Wallets(client).open()
    body = copy.deepcopy(TOP_UP_HANDLER)
    body["conditions"]["operator"] = "starts_with"
    body["variables"]["wallet_account"]["query"]["value"]["user_id"] = "{{wallet_account.id}}"
    body["ledger_transaction_template"]["description"] = "Top up for {{savings_account.name}}"
    body["ledger_transaction_template"]["status"] = "settled"
    body["ledger_transaction_template"]["ledger_entries"][0]["direction"] = "sideways"
    body["ledger_transaction_template"]["ledger_entries"][1]["amount"] = "{{ledgerable_event.custom_data.amount"
    details = await refused(
        client.events.CreateLedgerEventHandler(handler_request(book.ledger.id, body)), INVALID, "INVALID_ARGUMENT"
    )
    assert {field for field, _ in details.field_violations} == {
        "conditions.operator",
        "variables[wallet_account].query.value[user_id]",
        "ledger_transaction_template.description",
        "ledger_transaction_template.status",
        "ledger_transaction_template.ledger_entries[0].direction",
        "ledger_transaction_template.ledger_entries[1].amount",
    }
    listed = await client.events.ListLedgerEventHandlers(event_pb2.ListLedgerEventHandlersRequest())
    assert list(listed.ledger_event_handlers) == []


async def test_another_organizations_handlers_events_and_ledgers_are_not_found(
    client: LedgerdClient, target: str, pool: asyncpg.Pool
) -> None:
    from ledgerd.server.core.api_keys import create_api_key

    book = await Book(client).open()
    event = (await post_event(client, book.ledger.id, TOP_UP_EVENT)).ledgerable_event
    _, key = await create_api_key(pool, "events-outsider")
    async with LedgerdClient(target, key) as outsider:
        await refused(
            outsider.events.GetLedgerEventHandler(event_pb2.GetLedgerEventHandlerRequest(id=book.handler.id)),
            grpc.StatusCode.NOT_FOUND,
            "LEDGER_EVENT_HANDLER_NOT_FOUND",
        )
        await refused(
            outsider.events.DisableLedgerEventHandler(event_pb2.DisableLedgerEventHandlerRequest(id=book.handler.id)),
            grpc.StatusCode.NOT_FOUND,
            "LEDGER_EVENT_HANDLER_NOT_FOUND",
        )
        await refused(
            outsider.events.GetLedgerableEvent(event_pb2.GetLedgerableEventRequest(id=event.id)),
            grpc.StatusCode.NOT_FOUND,
            "LEDGERABLE_EVENT_NOT_FOUND",
        )
        await refused(post_event(outsider, book.ledger.id, TOP_UP_EVENT), grpc.StatusCode.NOT_FOUND, "LEDGER_NOT_FOUND")
        await refused(
            outsider.events.CreateLedgerEventHandler(handler_request(book.ledger.id, TOP_UP_HANDLER, name="Mine")),
            grpc.StatusCode.NOT_FOUND,
            "LEDGER_NOT_FOUND",
        )
        listed = await outsider.events.ListLedgerEventHandlers(event_pb2.ListLedgerEventHandlersRequest())
        assert list(listed.ledger_event_handlers) == []
    handler = await client.events.GetLedgerEventHandler(event_pb2.GetLedgerEventHandlerRequest(id=book.handler.id))
    assert not handler.ledger_event_handler.HasField("disabled_at")
    assert len(await book.transactions()) == 1


async def test_bad_event_requests_list_every_field(client: LedgerdClient) -> None:
    request = event_pb2.CreateLedgerableEventRequest(ledger_id="nope", name="")
    request.custom_data.update({"blob": "x" * 20_000})
    details = await refused(client.events.CreateLedgerableEvent(request), INVALID, "INVALID_ARGUMENT")
    assert {field for field, _ in details.field_violations} == {"ledger_id", "name", "custom_data"}
    await refused(
        client.events.GetLedgerableEvent(event_pb2.GetLedgerableEventRequest(id=UNKNOWN_ID)),
        grpc.StatusCode.NOT_FOUND,
        "LEDGERABLE_EVENT_NOT_FOUND",
    )
