"""Lithic ASA and card_transaction.updated against the real adapter and ledgerd: payloads shaped as
in docs/card-webhooks.md ("Lithic"), signed with the official Standard Webhooks library."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import standardwebhooks

from ledgerd.v1 import hold_pb2

from .conftest import LITHIC_SECRET, Adapter, WalletLocked, eventually_released, new_token

CARD_KEY = "lithic_card_token"


def signed(
    body: dict[str, Any], *, at: datetime | None = None, secret: str = LITHIC_SECRET
) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body)
    message_id = f"msg_{new_token()}"
    timestamp = at or datetime.now(UTC)
    signature = standardwebhooks.Webhook(secret).sign(message_id, timestamp, raw)
    headers = {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }
    return raw.encode(), headers


def asa(token: str, card: str, amount: int, *, partial: bool = False, status: str = "AUTHORIZATION") -> dict[str, Any]:
    money = {"amount": amount, "currency": "USD"}
    return {
        "event_type": "card_authorization.approval_request",
        "token": token,
        "status": status,
        "created": "2026-07-01T14:05:11Z",
        "amounts": {"cardholder": {**money, "conversion_rate": "1.000000"}, "hold": money, "merchant": money},
        "amount": amount,
        "authorization_amount": amount,
        "acquirer_fee": 0,
        "cash_amount": 0,
        "card": {"token": card, "last_four": "4142", "state": "OPEN", "type": "VIRTUAL"},
        "merchant": {"descriptor": "BLUE BOTTLE COFFEE", "mcc": "5814", "country": "USA"},
        "pos": {"terminal": {"partial_approval_capable": partial}},
    }


def transaction(token: str, card: str, status: str, *events: tuple[str, str, int, str]) -> dict[str, Any]:
    """A card_transaction.updated payload; events are (type, event token, amount, result)."""
    return {
        "event_type": "card_transaction.updated",
        "token": token,
        "card_token": card,
        "status": status,
        "result": "APPROVED",
        "events": [
            {
                "token": event_token,
                "type": kind,
                "amount": amount,
                "amounts": {"cardholder": {"amount": amount, "currency": "USD"}},
                "result": result,
                "effective_polarity": "CREDIT" if kind == "RETURN" else "DEBIT",
                "created": f"2026-07-01T14:0{i}:00Z",
            }
            for i, (kind, event_token, amount, result) in enumerate(events)
        ],
    }


async def decide(adapter: Adapter, body: dict[str, Any]) -> dict[str, Any]:
    status, answer, _ = await adapter.post("/lithic/asa", *signed(body))
    assert status == 200, answer
    assert isinstance(answer, dict)
    return answer


async def notify(adapter: Adapter, body: dict[str, Any]) -> None:
    status, answer, _ = await adapter.post("/lithic/events", *signed(body))
    assert (status, answer) == (200, {"applied": True})


async def test_an_authorization_within_the_balance_is_approved_and_held(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "card-1", 10_000)
    token = new_token()
    assert await decide(adapter, asa(token, "card-1", 2599)) == {"token": token, "result": "APPROVED"}
    hold = await adapter.hold(token)
    assert (hold.amount, hold.status, hold.ledger_account_id) == (2599, hold_pb2.HOLD_STATUS_PENDING, wallet)
    assert await adapter.balances(wallet) == (10_000 - 2599, 10_000, 10_000 - 2599)


async def test_an_authorization_above_the_balance_is_declined_and_writes_nothing(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "card-1", 1_000)
    token = new_token()
    assert await decide(adapter, asa(token, "card-1", 2599)) == {"token": token, "result": "INSUFFICIENT_FUNDS"}
    assert await adapter.holds(wallet) == []
    assert await adapter.balances(wallet) == (1_000, 1_000, 1_000)


async def test_a_partial_capable_terminal_gets_what_is_available(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "card-1", 1_000)
    token = new_token()
    answer = await decide(adapter, asa(token, "card-1", 2599, partial=True))
    assert answer == {"token": token, "result": "APPROVED", "approved_amount": 1_000}
    assert (await adapter.hold(token)).amount == 1_000
    assert await adapter.balances(wallet) == (0, 1_000, 0)


async def test_a_bad_signature_is_401_and_writes_nothing(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "card-1", 10_000)
    wrong_secret = "whsec_" + "A" * 32
    for path in ("/lithic/asa", "/lithic/events"):
        status, _, _ = await adapter.post(path, *signed(asa(new_token(), "card-1", 100), secret=wrong_secret))
        assert status == 401
    raw, headers = signed(asa(new_token(), "card-1", 100))
    tampered = raw.replace(b'"amount": 100', b'"amount": 1')
    assert (await adapter.post("/lithic/asa", tampered, headers))[0] == 401
    assert (await adapter.post("/lithic/asa", raw, {"content-type": "application/json"}))[0] == 401
    assert await adapter.holds(wallet) == []
    assert await adapter.balances(wallet) == (10_000, 10_000, 10_000)


async def test_a_stale_timestamp_is_401_and_writes_nothing(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "card-1", 10_000)
    six_minutes_ago = datetime.now(UTC) - timedelta(minutes=6)
    status, _, _ = await adapter.post("/lithic/asa", *signed(asa(new_token(), "card-1", 100), at=six_minutes_ago))
    assert status == 401
    assert await adapter.holds(wallet) == []


async def test_an_unknown_card_is_declined(adapter: Adapter) -> None:
    token = new_token()
    assert await decide(adapter, asa(token, "no-such-card", 100)) == {"token": token, "result": "INSUFFICIENT_FUNDS"}
    assert await adapter.ledger.find_hold(token) is None


async def test_a_redelivered_request_is_answered_the_same_and_held_once(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "card-1", 10_000)
    token = new_token()
    body = asa(token, "card-1", 2599)
    assert await decide(adapter, body) == await decide(adapter, body) == {"token": token, "result": "APPROVED"}
    assert len(await adapter.holds(wallet)) == 1
    assert await adapter.balances(wallet) == (10_000 - 2599, 10_000, 10_000 - 2599)


async def test_a_redelivered_clearing_is_posted_once(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "card-1", 10_000)
    token = new_token()
    await decide(adapter, asa(token, "card-1", 2599))
    cleared = transaction(
        token,
        "card-1",
        "SETTLED",
        ("AUTHORIZATION", new_token(), 2599, "APPROVED"),
        ("CLEARING", new_token(), 2599, "APPROVED"),
    )
    await notify(adapter, cleared)
    await notify(adapter, cleared)
    assert (await adapter.hold(token)).status == hold_pb2.HOLD_STATUS_CAPTURED
    assert await adapter.balances(wallet) == (10_000 - 2599, 10_000 - 2599, 10_000 - 2599)


async def test_a_clearing_before_the_authorization_event_is_posted_once(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "card-1", 10_000)
    token, authorization = new_token(), ("AUTHORIZATION", new_token(), 2599, "APPROVED")
    await decide(adapter, asa(token, "card-1", 2599))
    await notify(
        adapter, transaction(token, "card-1", "SETTLED", authorization, ("CLEARING", new_token(), 2000, "APPROVED"))
    )
    await notify(adapter, transaction(token, "card-1", "PENDING", authorization))  # the older webhook, late
    hold = await adapter.hold(token)
    assert (hold.status, hold.captured_amount) == (hold_pb2.HOLD_STATUS_CAPTURED, 2000)
    assert await adapter.balances(wallet) == (8_000, 8_000, 8_000)


async def test_a_stand_in_approval_cleared_before_its_authorization_event_is_posted_once(adapter: Adapter) -> None:
    """Lithic approved without asking (no ASA): the clearing's webhook creates the hold and captures it."""
    wallet = await adapter.wallet(CARD_KEY, "card-1", 1_000)
    token, authorization = new_token(), ("AUTHORIZATION", new_token(), 2599, "APPROVED")
    await notify(
        adapter, transaction(token, "card-1", "SETTLED", authorization, ("CLEARING", new_token(), 2599, "APPROVED"))
    )
    await notify(adapter, transaction(token, "card-1", "PENDING", authorization))
    assert [hold.status for hold in await adapter.holds(wallet)] == [hold_pb2.HOLD_STATUS_CAPTURED]
    assert await adapter.balances(wallet) == (1_000 - 2599,) * 3


async def test_an_over_capture_posts_the_larger_amount(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "card-1", 3_000)
    token = new_token()
    await decide(adapter, asa(token, "card-1", 2_000))
    await notify(adapter, transaction(token, "card-1", "SETTLED", ("CLEARING", new_token(), 3_500, "APPROVED")))
    hold = await adapter.hold(token)
    assert (hold.status, hold.captured_amount) == (hold_pb2.HOLD_STATUS_CAPTURED, 3_500)
    assert await adapter.balances(wallet) == (-500, -500, -500)


async def test_partial_clearings_keep_the_rest_held_until_settled(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "card-1", 10_000)
    token = new_token()
    await decide(adapter, asa(token, "card-1", 5_000))
    first = ("CLEARING", new_token(), 1_000, "APPROVED")
    await notify(adapter, transaction(token, "card-1", "PENDING", first))
    assert await adapter.balances(wallet) == (5_000, 9_000, 5_000)
    await notify(adapter, transaction(token, "card-1", "SETTLED", first, ("CLEARING", new_token(), 2_000, "APPROVED")))
    assert await adapter.balances(wallet) == (7_000, 7_000, 7_000)
    assert (await adapter.hold(token)).status == hold_pb2.HOLD_STATUS_CAPTURED


async def test_reversals_and_expiry_release_the_hold(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "card-1", 10_000)
    token = new_token()
    await decide(adapter, asa(token, "card-1", 5_000))
    partial = ("AUTHORIZATION_REVERSAL", new_token(), 1_500, "APPROVED")
    await notify(adapter, transaction(token, "card-1", "PENDING", partial))
    assert (await adapter.hold(token)).amount == 3_500
    await notify(
        adapter,
        transaction(token, "card-1", "EXPIRED", partial, ("AUTHORIZATION_EXPIRY", new_token(), 3_500, "APPROVED")),
    )
    assert (await adapter.hold(token)).status == hold_pb2.HOLD_STATUS_RELEASED
    assert await adapter.balances(wallet) == (10_000, 10_000, 10_000)


async def test_an_authorization_event_that_declined_after_all_releases_the_hold(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "card-1", 10_000)
    token = new_token()
    await decide(adapter, asa(token, "card-1", 5_000))
    await notify(adapter, transaction(token, "card-1", "DECLINED", ("AUTHORIZATION", new_token(), 5_000, "DECLINED")))
    assert (await adapter.hold(token)).status == hold_pb2.HOLD_STATUS_RELEASED
    assert await adapter.balances(wallet) == (10_000, 10_000, 10_000)


async def test_a_return_is_a_posted_credit_applied_once(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "card-1", 1_000)
    refund = transaction(new_token(), "card-1", "SETTLED", ("RETURN", new_token(), -700, "APPROVED"))
    await notify(adapter, refund)
    await notify(adapter, refund)
    assert await adapter.balances(wallet) == (1_700, 1_700, 1_700)


async def test_a_force_post_without_authorization_may_overdraw(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "card-1", 500)
    await notify(adapter, transaction(new_token(), "card-1", "SETTLED", ("CLEARING", new_token(), 2_000, "APPROVED")))
    assert await adapter.balances(wallet) == (-1_500, -1_500, -1_500)


async def test_a_balance_inquiry_answers_the_balance_and_holds_nothing(adapter: Adapter) -> None:
    wallet = await adapter.wallet(CARD_KEY, "card-1", 4_200)
    token = new_token()
    answer = await decide(adapter, asa(token, "card-1", 0, status="BALANCE_INQUIRY"))
    assert answer == {"token": token, "result": "APPROVED", "balance": {"amount": 4_200, "available": 4_200}}
    assert await adapter.holds(wallet) == []


async def test_a_slow_ledger_is_declined_within_budget_and_the_late_hold_released(
    impatient_adapter: Adapter, pool: Any
) -> None:
    adapter = impatient_adapter
    wallet = await adapter.wallet(CARD_KEY, "card-1", 10_000)
    token = new_token()
    async with WalletLocked(pool, wallet):
        # Answered while the wallet is still locked: the adapter did not wait for the ledger.
        assert await decide(adapter, asa(token, "card-1", 2599)) == {"token": token, "result": "INSUFFICIENT_FUNDS"}
    # The hold lands once the lock goes, and is released because the answer was a decline.

    await eventually_released(adapter, token)
    assert await adapter.balances(wallet) == (10_000, 10_000, 10_000)
