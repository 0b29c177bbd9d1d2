"""Lithic: Auth Stream Access decisions (POST /lithic/asa) and `card_transaction.updated` events
(POST /lithic/events), both signed with Standard Webhooks (`webhook-id`, `webhook-timestamp`,
`webhook-signature`; secret `whsec_<base64>`; 5-minute tolerance), verified by the official
`standardwebhooks` package on the raw body. Amounts are integer minor units. The wallet is the account
whose metadata `lithic_card_token` is the card's token; the hold's external_id is the transaction
token (the ASA `token`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import standardwebhooks
from aiohttp import web

from ledgerd.adapters.app import applied, malformed, verified_body
from ledgerd.adapters.ledger import Authorization, CardLedger, Outcome
from ledgerd.adapters.money import integer_amount
from ledgerd.adapters.payload import Malformed, at, mapping, optional_text, text
from ledgerd.v1 import ledger_pb2

METADATA_KEY = "lithic_card_token"
# Answered on approval without a hold: credits arrive through events, an inquiry moves nothing.
NO_HOLD_STATUSES = ("BALANCE_INQUIRY", "CREDIT_AUTHORIZATION", "FINANCIAL_CREDIT_AUTHORIZATION")
# Lithic has no result for "the ledger could not decide": every decline says INSUFFICIENT_FUNDS.
DECLINE_RESULT = "INSUFFICIENT_FUNDS"


@dataclass(frozen=True)
class AsaRequest:
    token: str
    status: str
    card_token: str
    amount: int
    currency: str
    partial_approval_capable: bool


def _amount(value: Any, name: str) -> int:
    amount = integer_amount(value)
    if amount is None:
        raise Malformed(f"{name} must be an integer amount in minor units")
    return amount


def _asa_request(body: Any) -> AsaRequest:
    body = mapping(body, "body")
    hold = at(body, "amounts", "hold") or at(body, "amounts", "cardholder")
    amount = at(hold, "amount") if hold else body.get("authorization_amount", body.get("amount"))
    currency = at(hold, "currency") if hold else body.get("cardholder_currency", "")
    return AsaRequest(
        token=text(body.get("token"), "token"),
        status=optional_text(body.get("status")) or "AUTHORIZATION",
        card_token=optional_text(at(body, "card", "token")),
        amount=_amount(amount, "amounts.hold.amount"),
        currency=optional_text(currency),
        partial_approval_capable=at(body, "pos", "terminal", "partial_approval_capable") is True,
    )


class Lithic:
    def __init__(self, ledger: CardLedger, secret: str, budget_seconds: float) -> None:
        self.ledger = ledger
        self.webhook = standardwebhooks.Webhook(secret) if secret else None
        self.budget_seconds = budget_seconds

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/lithic/asa", self.asa), web.post("/lithic/events", self.events)]

    def _verified(self, request: web.Request, raw: bytes) -> str | None:
        """None when the signature holds; otherwise why not."""
        if self.webhook is None:
            return "LITHIC_WEBHOOK_SECRET is not set"
        try:
            self.webhook.verify(raw, dict(request.headers), json_parse=False)
        except (standardwebhooks.WebhookVerificationError, ValueError) as error:
            return f"Lithic signature: {error}"
        return None

    async def _wallet(self, card_token: str) -> ledger_pb2.LedgerAccount | None:
        return await self.ledger.wallet(METADATA_KEY, card_token)

    async def asa(self, request: web.Request) -> web.Response:
        body = await verified_body(request, self._verified)
        if isinstance(body, web.Response):
            return body
        try:
            asa = _asa_request(body)
        except Malformed as error:
            return malformed(error)
        authorization = await self.ledger.decide(self.budget_seconds, self._authorize(asa))
        answer: dict[str, Any] = {
            "token": asa.token,
            "result": "APPROVED" if authorization.approved else DECLINE_RESULT,
        }
        if authorization.approved and asa.status not in NO_HOLD_STATUSES and authorization.amount < asa.amount:
            answer["approved_amount"] = authorization.amount
        if asa.status == "BALANCE_INQUIRY" and authorization.available is not None:
            answer["balance"] = {"amount": authorization.available.amount, "available": authorization.available.amount}
        return web.json_response(answer)

    async def _authorize(self, asa: AsaRequest) -> Authorization:
        wallet = await self._wallet(asa.card_token)
        if wallet is None:
            return Authorization(Outcome.UNKNOWN_CARD)
        if asa.status in NO_HOLD_STATUSES:
            return Authorization(Outcome.APPROVED, available=wallet.balances.available_balance)
        return await self.ledger.place_hold(
            wallet, asa.amount, asa.currency, asa.token, allow_partial=asa.partial_approval_capable
        )

    async def events(self, request: web.Request) -> web.Response:
        body = await verified_body(request, self._verified)
        if isinstance(body, web.Response):
            return body
        if body.get("event_type") != "card_transaction.updated":
            return web.json_response({"applied": False})
        return await applied(lambda: self._apply_transaction(body))

    async def _apply_transaction(self, transaction: dict[str, Any]) -> None:
        """Every event of the transaction in order, each exactly once (keyed by its own token): a
        webhook carries all events so far, so an older webhook arriving late finds them applied."""
        token = text(transaction.get("token"), "token")
        card_token = optional_text(transaction.get("card_token"))
        events = transaction.get("events")
        if not isinstance(events, list):
            raise Malformed("events must be a list")
        parsed = [_event(mapping(event, "events[]")) for event in events]
        settled = transaction.get("status") != "PENDING"
        last_clearing = max((i for i, event in enumerate(parsed) if event[0] == "CLEARING"), default=-1)

        async def wallet() -> ledger_pb2.LedgerAccount | None:
            return await self._wallet(card_token)

        ledger = self.ledger
        for index, (kind, event_token, amount, approved) in enumerate(parsed):
            key = f"lithic:{event_token}"
            if kind == "AUTHORIZATION" and not approved:
                await ledger.release(token, None, key)  # declined after all (e.g. our answer came late)
            elif not approved:
                continue
            elif kind == "AUTHORIZATION":
                await ledger.hold_for(token, amount, wallet)  # held at ASA, or a stand-in approval
            elif kind == "AUTHORIZATION_ADVICE":
                if await ledger.hold_for(token, amount, wallet) is not None:
                    await ledger.adjust(token, amount, key)
            elif kind in ("CLEARING", "FINANCIAL_AUTHORIZATION"):
                final = kind == "FINANCIAL_AUTHORIZATION" or (settled and index == last_clearing)
                await ledger.capture(token, amount, final=final, key=key, wallet=wallet)
            elif kind == "AUTHORIZATION_REVERSAL":
                await ledger.release(token, amount, key)
            elif kind == "AUTHORIZATION_EXPIRY":
                await ledger.release(token, None, key)
            elif kind in ("RETURN", "FINANCIAL_CREDIT_AUTHORIZATION", "CORRECTION_CREDIT"):
                await ledger.post_for_card(wallet, amount, to_settlement=False, key=key, description=f"Lithic {kind}")
            elif kind in ("RETURN_REVERSAL", "CORRECTION_DEBIT"):
                await ledger.post_for_card(wallet, amount, to_settlement=True, key=key, description=f"Lithic {kind}")


def _event(event: dict[str, Any]) -> tuple[str, str, int, bool]:
    """(type, token, amount in the cardholder currency as a magnitude, approved)."""
    amount = at(event, "amounts", "cardholder", "amount")
    return (
        text(event.get("type"), "events[].type"),
        text(event.get("token"), "events[].token"),
        abs(_amount(event.get("amount") if amount is None else amount, "events[].amount")),
        event.get("result") == "APPROVED",
    )
