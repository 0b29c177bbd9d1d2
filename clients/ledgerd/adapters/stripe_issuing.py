"""Stripe Issuing: real-time authorizations and the `issuing_authorization.*` /
`issuing_transaction.*` events, all on POST /stripe/webhooks, signed with `Stripe-Signature`
(`t=…,v1=…`, HMAC-SHA256 over `t.body`, 300 s tolerance) and verified by the official `stripe`
package on the raw body. Amounts are integer minor units (transactions signed: captures negative).
The wallet is the account whose metadata `stripe_card_id` is the card's id; the hold's external_id
is the authorization id (`iauth_…`)."""

from __future__ import annotations

from typing import Any

import stripe
from aiohttp import web

from ledgerd.adapters.app import applied, malformed, verified_body
from ledgerd.adapters.ledger import Authorization, CardLedger, Outcome
from ledgerd.adapters.money import integer_amount
from ledgerd.adapters.payload import Malformed, identifier, mapping, text
from ledgerd.v1 import ledger_pb2

METADATA_KEY = "stripe_card_id"
# Stripe's default tolerance for the signature timestamp.
SIGNATURE_TOLERANCE_SECONDS = 300
# Authorization statuses after which nothing stays held.
ENDED_STATUSES = ("reversed", "expired", "closed")


def _amount(value: Any, name: str) -> int:
    amount = integer_amount(value)
    if amount is None:
        raise Malformed(f"{name} must be an integer amount in minor units")
    return abs(amount)


class Stripe:
    def __init__(self, ledger: CardLedger, secret: str, budget_seconds: float, version: str) -> None:
        self.ledger = ledger
        self.secret = secret
        self.budget_seconds = budget_seconds
        self.version = version

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/stripe/webhooks", self.webhooks)]

    def _verified(self, request: web.Request, raw: bytes) -> str | None:
        """None when the signature holds; otherwise why not."""
        if not self.secret:
            return "STRIPE_WEBHOOK_SECRET is not set"
        try:
            stripe.WebhookSignature.verify_header(
                raw, request.headers.get("Stripe-Signature"), self.secret, SIGNATURE_TOLERANCE_SECONDS
            )
        except (stripe.SignatureVerificationError, ValueError) as error:
            return f"Stripe signature: {error}"
        return None

    async def _wallet(self, card: Any) -> ledger_pb2.LedgerAccount | None:
        return await self.ledger.wallet(METADATA_KEY, identifier(card, "card"))

    async def webhooks(self, request: web.Request) -> web.Response:
        event = await verified_body(request, self._verified)
        if isinstance(event, web.Response):
            return event
        try:
            kind = text(event.get("type"), "type")
            event_id = text(event.get("id"), "id")
            data = mapping(mapping(event.get("data"), "data").get("object"), "data.object")
            if kind == "issuing_authorization.request":
                return await self._decide(data)
        except ValueError as error:
            return malformed(Malformed(str(error)))
        return await applied(lambda: self._apply(kind, f"stripe:{event_id}", data))

    async def _decide(self, authorization: dict[str, Any]) -> web.Response:
        """The real-time answer: 200 with `approved` (and `amount` on a partial approval of a
        controllable amount) and the Stripe-Version header."""
        authorization_id = text(authorization.get("id"), "data.object.id")
        pending = mapping(authorization.get("pending_request"), "pending_request")
        amount = _amount(pending.get("amount"), "pending_request.amount")
        controllable = pending.get("is_amount_controllable") is True
        history = authorization.get("request_history") or []
        if not isinstance(history, list):
            raise Malformed("request_history must be a list")
        card = authorization.get("card")

        async def authorize() -> Authorization:
            wallet = await self._wallet(card)
            if wallet is None:
                return Authorization(Outcome.UNKNOWN_CARD)
            if history:  # a further request on the same authorization: an incremental one
                key = f"stripe:{authorization_id}:{len(history)}"
                return await self.ledger.increase_hold(authorization_id, amount, key)
            currency = pending.get("currency") or wallet.currency
            return await self.ledger.place_hold(
                wallet, amount, str(currency), authorization_id, allow_partial=controllable
            )

        decided = await self.ledger.decide(self.budget_seconds, authorize())
        answer: dict[str, Any] = {"approved": decided.approved}
        if decided.approved and controllable and decided.amount < amount:
            answer["amount"] = decided.amount
        if not decided.approved:
            answer["metadata"] = {"ledgerd_decline": decided.outcome.value}
        return web.json_response(answer, headers={"Stripe-Version": self.version})

    async def _apply(self, kind: str, key: str, data: dict[str, Any]) -> None:
        ledger = self.ledger

        async def wallet() -> ledger_pb2.LedgerAccount | None:
            return await self._wallet(data.get("card"))

        if kind in ("issuing_authorization.created", "issuing_authorization.updated"):
            authorization_id = text(data.get("id"), "data.object.id")
            amount = _amount(data.get("amount"), "data.object.amount")
            status = data.get("status")
            if data.get("approved") is not True or status in ENDED_STATUSES:
                # Declined after all (timeout, error), voided, expired, or closed after its captures.
                await ledger.release(authorization_id, None, key)
            elif kind == "issuing_authorization.created":
                await ledger.hold_for(authorization_id, amount, wallet)  # held in real time, or stand-in
            else:
                hold = await ledger.find_hold(authorization_id)
                if hold is not None:  # a partial reversal lowers what stays held, never raises it
                    await ledger.adjust(authorization_id, amount - hold.captured_amount, key, increase=False)
        elif kind == "issuing_transaction.created":
            amount = _amount(data.get("amount"), "data.object.amount")
            authorization = data.get("authorization")
            if data.get("type") == "refund":
                await ledger.post_for_card(wallet, amount, to_settlement=False, key=key, description="Stripe refund")
            elif data.get("type") != "capture":
                return
            elif authorization:
                # Captures never end the hold: the authorization's `closed` status releases the rest,
                # so a multi-capture keeps it.
                authorization_id = identifier(authorization, "authorization")
                await ledger.capture(authorization_id, amount, final=False, key=key, wallet=wallet)
            else:
                await ledger.post_for_card(
                    wallet, amount, to_settlement=True, key=key, description="Stripe force capture"
                )
