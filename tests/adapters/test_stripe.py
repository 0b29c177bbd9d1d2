"""Stripe Issuing real-time authorizations and issuing_* events against the real adapter and
ledgerd: payloads shaped as in docs/card-webhooks.md ("Stripe Issuing"), signed with the official
`stripe` package's own signature helper."""

from __future__ import annotations

import json
import time
from typing import Any

import stripe

from ledgerd.v1 import hold_pb2

from .conftest import STRIPE_SECRET, Adapter, WalletLocked, eventually_released, new_token

CARD_KEY = "stripe_card_id"


def signed(body: dict[str, Any], *, at: int | None = None, secret: str = STRIPE_SECRET) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body)
    header = stripe.WebhookSignature.generate_signature_header(raw, secret, timestamp=at)
    return raw.encode(), {"Stripe-Signature": header, "content-type": "application/json"}


def event(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"evt_{new_token()}", "object": "event", "type": kind, "livemode": False, "data": {"object": data}}


def authorization_request(
    authorization_id: str, card: str, amount: int, *, controllable: bool = False, history: int = 0
) -> dict[str, Any]:
    return event(
        "issuing_authorization.request",
        {
            "id": authorization_id,
            "object": "issuing.authorization",
            "amount": 0,
            "approved": False,
            "status": "pending",
            "currency": "usd",
            "card": {"id": card, "object": "issuing.card"},
            "cardholder": "ich_1PqHolder",
            "merchant_data": {"name": "BLUE BOTTLE COFFEE", "category_code": "5814", "country": "US"},
            "pending_request": {
                "amount": amount,
                "currency": "usd",
                "merchant_amount": amount,
                "merchant_currency": "usd",
                "is_amount_controllable": controllable,
                "amount_details": {"atm_fee": None, "cashback_amount": None},
            },
            "request_history": [{"amount": 1, "approved": True, "reason": "webhook_approved"}] * history,
            "metadata": {},
        },
    )


def authorization_event(
    kind: str, authorization_id: str, card: str, amount: int, status: str, approved: bool = True
) -> dict[str, Any]:
    data = {"id": authorization_id, "object": "issuing.authorization", "amount": amount, "approved": approved}
    return event(kind, {**data, "status": status, "currency": "usd", "card": {"id": card}})


def transaction_event(kind: str, card: str, amount: int, authorization: str | None) -> dict[str, Any]:
    data = {"id": f"ipi_{new_token()}", "object": "issuing.transaction", "type": kind, "amount": amount}
    return event(
        "issuing_transaction.created", {**data, "currency": "usd", "card": card, "authorization": authorization}
    )


async def decide(adapter: Adapter, body: dict[str, Any]) -> dict[str, Any]:
    status, answer, headers = await adapter.post("/stripe/webhooks", *signed(body))
    assert status == 200, answer
    assert headers["Stripe-Version"] == stripe.api_version
    assert isinstance(answer, dict)
    return answer


async def notify(adapter: Adapter, body: dict[str, Any]) -> None:
    status, answer, _ = await adapter.post("/stripe/webhooks", *signed(body))
    assert (status, answer) == (200, {"applied": True})


async def test_an_authorization_within_the_balance_is_approved_and_held(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "ic_1", 10_000)
    assert await decide(adapter, authorization_request("iauth_1", "ic_1", 2599)) == {"approved": True}
    hold = await adapter.hold("iauth_1")
    assert (hold.amount, hold.status, hold.currency) == (2599, hold_pb2.HOLD_STATUS_PENDING, "USD")
    assert await adapter.balances(wallet) == (7401, 10_000, 7401)


async def test_an_authorization_above_the_balance_is_declined_and_writes_nothing(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "ic_1", 1_000)
    answer = await decide(adapter, authorization_request("iauth_1", "ic_1", 2599))
    assert answer == {"approved": False, "metadata": {"ledgerd_decline": "insufficient_funds"}}
    assert await adapter.holds(wallet) == []
    assert await adapter.balances(wallet) == (1_000, 1_000, 1_000)


async def test_a_controllable_amount_is_approved_partially(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "ic_1", 1_000)
    answer = await decide(adapter, authorization_request("iauth_1", "ic_1", 2599, controllable=True))
    assert answer == {"approved": True, "amount": 1_000}
    assert await adapter.balances(wallet) == (0, 1_000, 0)


async def test_a_bad_signature_is_401_and_writes_nothing(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "ic_1", 10_000)
    body = authorization_request("iauth_1", "ic_1", 100)
    assert (await adapter.post("/stripe/webhooks", *signed(body, secret="whsec_other")))[0] == 401
    raw, headers = signed(body)
    assert (await adapter.post("/stripe/webhooks", raw.replace(b"100", b"1"), headers))[0] == 401
    assert (await adapter.post("/stripe/webhooks", raw, {"Stripe-Signature": "t=1,v1=00"}))[0] == 401
    assert (await adapter.post("/stripe/webhooks", raw, {}))[0] == 401
    assert await adapter.holds(wallet) == []


async def test_a_stale_timestamp_is_401_and_writes_nothing(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "ic_1", 10_000)
    stale = int(time.time()) - 301
    assert (await adapter.post("/stripe/webhooks", *signed(authorization_request("iauth_1", "ic_1", 100), at=stale)))[
        0
    ] == 401
    assert await adapter.holds(wallet) == []


async def test_an_unknown_card_is_declined(adapter: Adapter) -> None:
    answer = await decide(adapter, authorization_request("iauth_1", "ic_unknown", 100))
    assert answer == {"approved": False, "metadata": {"ledgerd_decline": "unknown_card"}}
    assert await adapter.ledger.find_hold("iauth_1") is None


async def test_a_redelivered_request_and_event_are_applied_once(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "ic_1", 10_000)
    request = authorization_request("iauth_1", "ic_1", 2599)
    assert await decide(adapter, request) == await decide(adapter, request) == {"approved": True}
    capture = transaction_event("capture", "ic_1", -2599, "iauth_1")
    await notify(adapter, capture)
    await notify(adapter, capture)
    assert len(await adapter.holds(wallet)) == 1
    assert await adapter.balances(wallet) == (7401, 7401, 7401)


async def test_an_incremental_request_increases_the_hold(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "ic_1", 10_000)
    await decide(adapter, authorization_request("iauth_1", "ic_1", 2_000))
    increment = authorization_request("iauth_1", "ic_1", 500, history=1)
    assert await decide(adapter, increment) == await decide(adapter, increment) == {"approved": True}
    assert (await adapter.hold("iauth_1")).amount == 2_500
    too_much = authorization_request("iauth_1", "ic_1", 9_000, history=2)
    assert (await decide(adapter, too_much))["approved"] is False
    assert await adapter.balances(wallet) == (7_500, 10_000, 7_500)


async def test_a_capture_before_the_authorization_events_is_posted_once(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "ic_1", 10_000)
    await decide(adapter, authorization_request("iauth_1", "ic_1", 2599))
    await notify(adapter, transaction_event("capture", "ic_1", -2000, "iauth_1"))
    await notify(adapter, authorization_event("issuing_authorization.created", "iauth_1", "ic_1", 2599, "pending"))
    assert await adapter.balances(wallet) == (7401, 8_000, 7401)  # the rest stays held until closed
    await notify(adapter, authorization_event("issuing_authorization.updated", "iauth_1", "ic_1", 2599, "closed"))
    assert (await adapter.hold("iauth_1")).status == hold_pb2.HOLD_STATUS_RELEASED
    assert await adapter.balances(wallet) == (8_000, 8_000, 8_000)


async def test_a_stand_in_approval_captured_before_its_created_event_is_posted_once(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "ic_1", 1_000)
    await notify(adapter, transaction_event("capture", "ic_1", -2599, "iauth_1"))
    await notify(adapter, authorization_event("issuing_authorization.created", "iauth_1", "ic_1", 2599, "pending"))
    assert [hold.status for hold in await adapter.holds(wallet)] == [hold_pb2.HOLD_STATUS_CAPTURED]
    assert await adapter.balances(wallet) == (1_000 - 2599,) * 3


async def test_an_over_capture_posts_the_larger_amount(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "ic_1", 3_000)
    await decide(adapter, authorization_request("iauth_1", "ic_1", 2_000))
    await notify(adapter, transaction_event("capture", "ic_1", -3_500, "iauth_1"))
    hold = await adapter.hold("iauth_1")
    assert (hold.status, hold.captured_amount) == (hold_pb2.HOLD_STATUS_CAPTURED, 3_500)
    assert await adapter.balances(wallet) == (-500, -500, -500)


async def test_multi_capture_keeps_the_rest_held(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "ic_1", 10_000)
    await decide(adapter, authorization_request("iauth_1", "ic_1", 5_000))
    await notify(adapter, transaction_event("capture", "ic_1", -1_000, "iauth_1"))
    await notify(adapter, transaction_event("capture", "ic_1", -1_500, "iauth_1"))
    hold = await adapter.hold("iauth_1")
    assert (hold.amount, hold.captured_amount) == (2_500, 2_500)
    assert await adapter.balances(wallet) == (5_000, 7_500, 5_000)


async def test_partial_reversal_then_void_and_expiry_release_the_hold(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "ic_1", 10_000)
    await decide(adapter, authorization_request("iauth_1", "ic_1", 5_000))
    await notify(adapter, authorization_event("issuing_authorization.updated", "iauth_1", "ic_1", 3_000, "pending"))
    assert (await adapter.hold("iauth_1")).amount == 3_000
    await notify(adapter, authorization_event("issuing_authorization.updated", "iauth_1", "ic_1", 0, "reversed"))
    assert (await adapter.hold("iauth_1")).status == hold_pb2.HOLD_STATUS_RELEASED
    await decide(adapter, authorization_request("iauth_2", "ic_1", 4_000))
    await notify(adapter, authorization_event("issuing_authorization.updated", "iauth_2", "ic_1", 4_000, "expired"))
    assert await adapter.balances(wallet) == (10_000, 10_000, 10_000)


async def test_a_created_event_declined_after_all_releases_the_hold(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "ic_1", 10_000)
    await decide(adapter, authorization_request("iauth_1", "ic_1", 5_000))
    declined = authorization_event("issuing_authorization.created", "iauth_1", "ic_1", 5_000, "closed", approved=False)
    await notify(adapter, declined)
    assert await adapter.balances(wallet) == (10_000, 10_000, 10_000)


async def test_a_refund_is_a_posted_credit_applied_once(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "ic_1", 1_000)
    refund = transaction_event("refund", "ic_1", 700, None)
    await notify(adapter, refund)
    await notify(adapter, refund)
    assert await adapter.balances(wallet) == (1_700, 1_700, 1_700)


async def test_a_force_capture_without_authorization_may_overdraw(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "ic_1", 500)
    await notify(adapter, transaction_event("capture", "ic_1", -2_000, None))
    assert await adapter.balances(wallet) == (-1_500, -1_500, -1_500)


async def test_a_slow_ledger_is_declined_within_budget_and_the_late_hold_released(
    impatient_adapter: Adapter, pool: Any
) -> None:
    adapter = impatient_adapter
    wallet = await adapter.wallet(CARD_KEY, "ic_1", 10_000)
    async with WalletLocked(pool, wallet):
        answer = await decide(adapter, authorization_request("iauth_1", "ic_1", 2599))
        assert answer == {"approved": False, "metadata": {"ledgerd_decline": "timed_out"}}

    await eventually_released(adapter, "iauth_1")
    assert await adapter.balances(wallet) == (10_000, 10_000, 10_000)
