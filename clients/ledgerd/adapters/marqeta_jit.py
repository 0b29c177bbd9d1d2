"""Marqeta Gateway JIT Funding: decisions (POST /marqeta/jit) and transaction notifications
(POST /marqeta/webhooks), both authenticated with HTTP Basic (the credentials set on the program
gateway funding source and on the webhook), compared in constant time before the body is parsed.
Amounts are decimal major units: parsed as Decimal and converted exactly with the wallet's
currency exponent; more decimal places than the exponent allows is INVALID_AMOUNT. The wallet is the
account whose metadata `marqeta_user_token` is the user's token; the hold's external_id is the
first JIT Funding token (`original_jit_funding_token` on follow-ups)."""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aiohttp import hdrs, web

from ledgerd.adapters import limits
from ledgerd.adapters.app import applied, malformed, verified_body
from ledgerd.adapters.ledger import Authorization, CardLedger, Outcome
from ledgerd.adapters.money import json_text, minor_units
from ledgerd.adapters.payload import Malformed, at, mapping, optional_text, text
from ledgerd.v1 import ledger_pb2

METADATA_KEY = "marqeta_user_token"
DECLINE_REASONS = {
    Outcome.INSUFFICIENT_FUNDS: "INSUFFICIENT_FUNDS",
    Outcome.TIMED_OUT: "INSUFFICIENT_FUNDS",
    Outcome.UNKNOWN_CARD: "INVALID_CARD",
    Outcome.INVALID_AMOUNT: "INVALID_AMOUNT",
    Outcome.HOLD_RELEASED: "DUPLICATE_TRANSACTION",
    Outcome.NO_PENDING_HOLD: "TRANSACTION_NOT_PERMITTED",
    Outcome.REFUSED: "TRANSACTION_NOT_PERMITTED",
}
AUTHORIZATION_METHODS = ("pgfs.authorization", "pgfs.authorization.quasi.cash", "pgfs.authorization.cashback")
INCREMENTAL_METHOD = "pgfs.authorization.incremental"
REFUND_TYPES = ("refund", "refund.authorization.clearing")


def _magnitude(value: Any) -> Any:
    """A signed decimal's magnitude (a clearing's impact on the balance is negative)."""
    return -value if isinstance(value, int | Decimal) and not isinstance(value, bool) and value < 0 else value


def _jit_funding(transaction: dict[str, Any]) -> dict[str, Any]:
    order = transaction.get("gpa_order") or transaction.get("gpa_order_unload")
    return mapping(at(order, "jit_funding"), "gpa_order.jit_funding")


@dataclass(frozen=True)
class Notification:
    """One transaction of a webhook, with its amounts in minor units of the wallet's currency."""

    type: str
    state: str
    token: str
    authorization: str  # the hold's external_id
    wallet: ledger_pb2.LedgerAccount | None
    amount: int  # the transaction's amount (a clearing's impact on the balance)
    jit_token: str
    jit_amount: int  # the JIT Funding amount (an increment, or what a reversal or advice removes)
    timed_out: bool


class Marqeta:
    def __init__(self, ledger: CardLedger, username: str, password: str, budget_seconds: float) -> None:
        self.ledger = ledger
        self.credentials = (username.encode(), password.encode()) if username and password else None
        self.budget_seconds = budget_seconds

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/marqeta/jit", self.jit), web.post("/marqeta/webhooks", self.webhooks)]

    def _verified(self, request: web.Request, raw: bytes) -> str | None:
        """None when the Basic credentials match; otherwise why not."""
        if self.credentials is None:
            return "MARQETA_USERNAME and MARQETA_PASSWORD are not set"
        scheme, _, encoded = request.headers.get(hdrs.AUTHORIZATION, "").partition(" ")
        try:
            given_username, colon, given_password = base64.b64decode(encoded, validate=True).partition(b":")
        except ValueError:
            return "Marqeta Basic credentials are not base64"
        if scheme.lower() != "basic" or not colon:
            return "no Marqeta Basic credentials"
        username, password = self.credentials
        # Both compared whatever the first gives: no timing hint of which one was wrong.
        same_username = hmac.compare_digest(given_username, username)
        same_password = hmac.compare_digest(given_password, password)
        return None if same_username and same_password else "Marqeta Basic credentials do not match"

    async def jit(self, request: web.Request) -> web.Response:
        transaction = await verified_body(request, self._verified)
        if isinstance(transaction, web.Response):
            return transaction
        try:
            jit_funding = _jit_funding(transaction)
            text(jit_funding.get("token"), "jit_funding.token")
        except ValueError as error:
            return malformed(Malformed(str(error)))
        authorization = await self.ledger.decide(self.budget_seconds, self._authorize(transaction, jit_funding))
        if authorization.approved:
            return web.Response(text=json_text({"jit_funding": jit_funding}), content_type="application/json")
        declined = {**jit_funding, "decline_reason": DECLINE_REASONS[authorization.outcome]}
        return web.Response(text=json_text({"jit_funding": declined}), status=402, content_type="application/json")

    async def _authorize(self, transaction: dict[str, Any], jit_funding: dict[str, Any]) -> Authorization:
        user_token = optional_text(jit_funding.get("user_token")) or optional_text(transaction.get("user_token"))
        wallet = await self.ledger.wallet(METADATA_KEY, user_token)
        if wallet is None:
            return Authorization(Outcome.UNKNOWN_CARD)
        amount = minor_units(jit_funding.get("amount"), wallet.currency_exponent)
        if amount is None or amount == 0:
            return Authorization(Outcome.INVALID_AMOUNT)
        token, method = jit_funding["token"], jit_funding.get("method")
        if method == INCREMENTAL_METHOD:
            original = optional_text(jit_funding.get("original_jit_funding_token"))
            return await self.ledger.increase_hold(original, amount, f"marqeta:{token}")
        if method not in AUTHORIZATION_METHODS:
            return Authorization(Outcome.REFUSED)  # single-message and other methods: not handled here
        currency = optional_text(transaction.get("currency_code")) or wallet.currency
        return await self.ledger.place_hold(wallet, amount, currency, token)

    async def webhooks(self, request: web.Request) -> web.Response:
        body = await verified_body(request, self._verified)
        if isinstance(body, web.Response):
            return body
        return await applied(lambda: self._apply(body))

    async def _notification(self, transaction: Any) -> Notification:
        transaction = mapping(transaction, "transactions[]")
        jit_funding = _jit_funding(transaction)
        user_token = optional_text(transaction.get("user_token")) or optional_text(jit_funding.get("user_token"))
        wallet = await self.ledger.wallet(METADATA_KEY, user_token)
        exponent = wallet.currency_exponent if wallet is not None else 0
        impacted = at(transaction, "gpa", "impacted_amount")
        amounts = []
        for name, value in (
            ("amount", transaction.get("amount") if impacted is None else impacted),
            ("jit_funding.amount", jit_funding.get("amount", 0)),
        ):
            amount = minor_units(_magnitude(value), exponent)
            if wallet is not None and amount is None:
                raise Malformed(f"{name} must be a decimal amount with at most {exponent} decimal places")
            amounts.append(amount or 0)
        jit_token = text(jit_funding.get("token"), "jit_funding.token")
        return Notification(
            type=text(transaction.get("type"), "type"),
            state=optional_text(transaction.get("state")),
            token=text(transaction.get("token"), "token"),
            authorization=optional_text(jit_funding.get("original_jit_funding_token")) or jit_token,
            wallet=wallet,
            amount=amounts[0],
            jit_token=jit_token,
            jit_amount=amounts[1],
            timed_out=at(transaction, "gpa_order", "funding", "gateway_log", "timed_out") is True,
        )

    async def _apply(self, body: dict[str, Any]) -> None:
        """Every notification of the batch in order, each exactly once (keyed by its transaction
        token). All are read and checked before the first write: a malformed batch writes nothing."""
        items = body.get("transactions", [body] if "type" in body else None)
        if not isinstance(items, list) or len(items) > limits.notifications_per_request_max:
            raise Malformed(f"transactions must be a list of at most {limits.notifications_per_request_max}")
        notifications = [await self._notification(item) for item in items]
        for notification in notifications:
            await self._apply_one(notification)

    async def _apply_one(self, notification: Notification) -> None:
        ledger, kind, authorization = self.ledger, notification.type, notification.authorization
        key = f"marqeta:{notification.token}"

        async def wallet() -> ledger_pb2.LedgerAccount | None:
            return notification.wallet

        if kind == "authorization" and (notification.state == "DECLINED" or notification.timed_out):
            await ledger.release(authorization, None, key)  # declined after all (e.g. our answer came late)
        elif notification.state in ("DECLINED", "ERROR"):
            return
        elif kind == "authorization":
            await ledger.hold_for(authorization, notification.amount, wallet)  # held at the gateway, or stand-in
        elif kind == "authorization.incremental":
            # Held at the gateway under the same key (a replay then), or approved without us.
            await ledger.increase_hold(authorization, notification.jit_amount, f"marqeta:{notification.jit_token}")
        elif kind == "authorization.clearing":
            # Less than held keeps the rest for later clearings; as much or more ends the hold.
            await ledger.capture(authorization, notification.amount, final=False, key=key, wallet=wallet)
        elif kind in ("authorization.reversal", "authorization.advice"):
            await ledger.release(authorization, notification.jit_amount or notification.amount, key)
        elif kind == "authorization.reversal.issuerexpiration":
            await ledger.release(authorization, None, key)
        elif kind in REFUND_TYPES:
            await ledger.post_for_card(
                wallet, notification.amount, to_settlement=False, key=key, description=f"Marqeta {kind}"
            )
