"""Modern Treasury's event-handler tutorial (docs/modern-treasury.md, "The digital-wallet tutorials")
as data: its two handlers and its event exactly as printed, converted to the gRPC request shape."""

from __future__ import annotations

import copy
from typing import Any

from google.protobuf import json_format

from ledgerd.client import LedgerdClient
from ledgerd.v1 import event_pb2, ledger_pb2, transaction_pb2

from .ledger_helpers import CREDIT_NORMAL, DEBIT_NORMAL, create_account, create_ledger


def _user_query(kind: str) -> dict[str, Any]:
    return {
        "type": "ledger_account",
        "query": {
            "field": "metadata",
            "operator": "contains",
            "value": {"user_id": "{{ledgerable_event.custom_data.user_id}}", "type": kind},
        },
    }


# POST /api/ledger_event_handlers, the first example request ("Top Up").
TOP_UP_HANDLER: dict[str, Any] = {
    "name": "Top Up Event Handler",
    "description": "Handles top ups",
    "variables": {"top_up_account": _user_query("top_up"), "wallet_account": _user_query("wallet")},
    "ledger_transaction_template": {
        "description": "Top up for {{wallet_account.name}}",
        "status": "posted",
        "ledger_entries": [
            {
                "ledger_account_id": "{{variables.wallet_account.id}}",
                "amount": "{{ledgerable_event.custom_data.amount}}",
                "direction": "credit",
            },
            {
                "ledger_account_id": "{{variables.top_up_account.id}}",
                "amount": "{{ledgerable_event.custom_data.amount}}",
                "direction": "debit",
            },
        ],
    },
    "conditions": {"field": "ledgerable_event.name", "operator": "equals", "value": "Top Up"},
    "metadata": {},
}


def top_up_with_fees_handler(platform_fees_account_id: str) -> dict[str, Any]:
    """The second example request ("Top Up with Fees"), with the platform fees account's id."""
    handler = copy.deepcopy(TOP_UP_HANDLER)
    handler["variables"]["fees_account"] = _user_query("fees")
    handler["variables"]["platform_fees_account"] = {
        "type": "ledger_account",
        "query": {"field": "id", "operator": "equals", "value": platform_fees_account_id},
    }
    handler["ledger_transaction_template"]["ledger_entries"] += [
        {"ledger_account_id": "{{variables.fees_account.id}}", "amount": "100", "direction": "credit"},
        {"ledger_account_id": "{{variables.platform_fees_account.id}}", "amount": "100", "direction": "debit"},
    ]
    handler["conditions"]["value"] = "Top Up with Fees"
    return handler


# POST /api/ledgerable_events, the example request.
TOP_UP_EVENT: dict[str, Any] = {
    "name": "Top Up",
    "custom_data": {"amount": "1500", "user_id": "1234567890"},
    "metadata": {"external_transaction_id": "123456"},
}


def handler_request(ledger_id: str, body: dict[str, Any], **fields: Any) -> event_pb2.CreateLedgerEventHandlerRequest:
    request = json_format.ParseDict({**body, **fields}, event_pb2.CreateLedgerEventHandlerRequest())
    request.ledger_id = ledger_id
    return request


def event_request(ledger_id: str, body: dict[str, Any], **fields: Any) -> event_pb2.CreateLedgerableEventRequest:
    request = json_format.ParseDict({**body, **fields}, event_pb2.CreateLedgerableEventRequest())
    request.ledger_id = ledger_id
    return request


async def create_handler(client: LedgerdClient, ledger_id: str, body: dict[str, Any]) -> event_pb2.LedgerEventHandler:
    response = await client.events.CreateLedgerEventHandler(handler_request(ledger_id, body))
    return response.ledger_event_handler


async def post_event(
    client: LedgerdClient, ledger_id: str, body: dict[str, Any], **fields: Any
) -> event_pb2.CreateLedgerableEventResponse:
    return await client.events.CreateLedgerableEvent(event_request(ledger_id, body, **fields))


class Wallets:
    """A ledger with the tutorial's per-user accounts: wallet (credit normal) and top up (debit normal)
    for user 1234567890, tagged with the tutorial's metadata."""

    def __init__(self, client: LedgerdClient) -> None:
        self.client = client

    async def open(self, user_id: str = "1234567890") -> Wallets:
        self.ledger = await create_ledger(self.client, "Wallets")
        self.wallet = await self.user_account("Jane's Wallet", user_id, "wallet", CREDIT_NORMAL)
        self.top_up = await self.user_account("Jane's Top Ups", user_id, "top_up", DEBIT_NORMAL)
        return self

    async def user_account(self, name: str, user_id: str, kind: str, normal_balance: int) -> ledger_pb2.LedgerAccount:
        return await create_account(
            self.client,
            self.ledger.id,
            name,
            normal_balance=normal_balance,
            metadata={"user_id": user_id, "type": kind},
        )

    async def transactions(self) -> list[transaction_pb2.LedgerTransaction]:
        listed = await self.client.transactions.ListLedgerTransactions(
            transaction_pb2.ListLedgerTransactionsRequest(ledger_id=self.ledger.id, page_size=1000)
        )
        return list(listed.ledger_transactions)
