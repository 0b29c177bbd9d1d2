"""Marqeta Gateway JIT Funding and transaction webhooks against the real adapter and ledgerd:
payloads shaped as in docs/card-webhooks.md ("Marqeta"), with HTTP Basic credentials. Amounts are
decimal major units, written here as JSON text so no float ever touches them."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import encode_basic_auth

from ledgerd.v1 import hold_pb2

from .conftest import MARQETA_PASSWORD, MARQETA_USERNAME, Adapter, WalletLocked, eventually_released, new_token

USER_KEY = "marqeta_user_token"
AUTHORIZED = {
    "authorization": encode_basic_auth(MARQETA_USERNAME, MARQETA_PASSWORD),
    "content-type": "application/json",
}


def encoded(body: dict[str, Any]) -> bytes:
    """JSON in which every amount given as "#25.99" is written as the bare number 25.99."""
    return json.dumps(body).replace('"#', "").replace('#"', "").encode()


def jit_request(
    jit_token: str, user: str, amount: str, *, method: str = "pgfs.authorization", **jit: str
) -> dict[str, Any]:
    return {
        "type": "authorization.incremental" if method.endswith("incremental") else "authorization",
        "state": "PENDING",
        "token": new_token(),
        "user_token": user,
        "card_token": "card_7",
        "amount": f"#{amount}#",
        "currency_code": "USD",
        "gpa_order": {
            "token": new_token(),
            "amount": f"#{amount}#",
            "currency_code": "USD",
            "funding_source_token": "pgfs_ledger",
            "jit_funding": {
                "token": jit_token,
                "method": method,
                "user_token": user,
                "acting_user_token": user,
                "amount": f"#{amount}#",
                **jit,
            },
        },
        "pos": {"partial_approval_capable": True},
    }


def notification(
    kind: str, state: str, user: str, jit_token: str, amount: str, *, original: str = "", **fields: Any
) -> dict[str, Any]:
    jit = {"token": jit_token, "method": "pgfs.authorization", "user_token": user, "amount": f"#{amount}#"}
    if original:
        jit["original_jit_funding_token"] = original
    return {
        "type": kind,
        "state": state,
        "token": new_token(),
        "user_token": user,
        "amount": f"#{amount}#",
        "currency_code": "USD",
        "gpa_order": {"jit_funding": jit},
        **fields,
    }


async def decide(adapter: Adapter, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    status, answer, _ = await adapter.post("/marqeta/jit", encoded(body), AUTHORIZED)
    return status, answer


async def notify(adapter: Adapter, *transactions: dict[str, Any]) -> None:
    status, answer, _ = await adapter.post(
        "/marqeta/webhooks", encoded({"transactions": list(transactions)}), AUTHORIZED
    )
    assert (status, answer) == (200, {"applied": True})


async def test_an_authorization_within_the_balance_is_approved_with_the_jit_funding_echoed(adapter: Adapter) -> None:
    wallet = await adapter.wallet(USER_KEY, "user_42", 10_000)
    jit_token = new_token()
    body = jit_request(jit_token, "user_42", "25.99")
    status, answer = await decide(adapter, body)
    assert status == 200
    assert answer == {"jit_funding": {**json.loads(encoded(body))["gpa_order"]["jit_funding"]}}
    hold = await adapter.hold(jit_token)
    assert (hold.amount, hold.status) == (2599, hold_pb2.HOLD_STATUS_PENDING)
    assert await adapter.balances(wallet) == (7401, 10_000, 7401)


async def test_the_echoed_amount_is_the_decimal_as_sent(adapter: Adapter) -> None:
    await adapter.wallet(USER_KEY, "user_42", 10_000)
    async with adapter.http.post(
        adapter.url + "/marqeta/jit", data=encoded(jit_request(new_token(), "user_42", "25.10")), headers=AUTHORIZED
    ) as response:
        assert '"amount": 25.10' in await response.text()


async def test_an_authorization_above_the_balance_is_402_insufficient_funds_and_writes_nothing(
    adapter: Adapter,
) -> None:
    wallet = await adapter.wallet(USER_KEY, "user_42", 1_000)
    status, answer = await decide(adapter, jit_request(new_token(), "user_42", "25.99"))
    assert (status, answer["jit_funding"]["decline_reason"]) == (402, "INSUFFICIENT_FUNDS")
    assert await adapter.holds(wallet) == []
    assert await adapter.balances(wallet) == (1_000, 1_000, 1_000)


async def test_partial_approval_is_not_offered_a_partial_capable_request_is_declined_whole(adapter: Adapter) -> None:
    """The sources do not confirm partial approval through a lower jit_funding.amount (reference §5.4)."""
    wallet = await adapter.wallet(USER_KEY, "user_42", 1_000)
    status, answer = await decide(adapter, jit_request(new_token(), "user_42", "25.99"))
    assert (status, answer["jit_funding"]["decline_reason"]) == (402, "INSUFFICIENT_FUNDS")
    assert await adapter.holds(wallet) == []


async def test_an_amount_finer_than_the_currency_is_402_invalid_amount(adapter: Adapter) -> None:
    wallet = await adapter.wallet(USER_KEY, "user_42", 10_000)
    for amount in ("25.999", "-1.00", "0"):
        status, answer = await decide(adapter, jit_request(new_token(), "user_42", amount))
        assert (status, answer["jit_funding"]["decline_reason"]) == (402, "INVALID_AMOUNT"), amount
    assert await adapter.holds(wallet) == []


async def test_wrong_or_missing_credentials_are_401_and_write_nothing(adapter: Adapter) -> None:
    wallet = await adapter.wallet(USER_KEY, "user_42", 10_000)
    body = encoded(jit_request(new_token(), "user_42", "1.00"))
    wrong = {"authorization": encode_basic_auth(MARQETA_USERNAME, MARQETA_PASSWORD + "x")}
    for headers in (wrong, {}, {"authorization": "Bearer nope"}, {"authorization": "Basic !!"}):
        for path in ("/marqeta/jit", "/marqeta/webhooks"):
            assert (await adapter.post(path, body, headers))[0] == 401
    assert await adapter.holds(wallet) == []


async def test_an_unknown_user_is_402_invalid_card(adapter: Adapter) -> None:
    status, answer = await decide(adapter, jit_request(new_token(), "nobody", "1.00"))
    assert (status, answer["jit_funding"]["decline_reason"]) == (402, "INVALID_CARD")


async def test_a_redelivered_request_is_answered_the_same_and_held_once(adapter: Adapter) -> None:
    wallet = await adapter.wallet(USER_KEY, "user_42", 10_000)
    body = jit_request(new_token(), "user_42", "25.99")
    assert (await decide(adapter, body)) == (await decide(adapter, body))
    assert len(await adapter.holds(wallet)) == 1
    assert await adapter.balances(wallet) == (7401, 10_000, 7401)


async def test_an_incremental_authorization_increases_the_hold_once(adapter: Adapter) -> None:
    wallet = await adapter.wallet(USER_KEY, "user_42", 10_000)
    first, increment = new_token(), new_token()
    await decide(adapter, jit_request(first, "user_42", "20.00"))
    incremental = jit_request(
        increment, "user_42", "5.00", method="pgfs.authorization.incremental", original_jit_funding_token=first
    )
    assert (await decide(adapter, incremental))[0] == 200
    await notify(
        adapter, notification("authorization.incremental", "PENDING", "user_42", increment, "5.00", original=first)
    )
    assert (await adapter.hold(first)).amount == 2_500
    assert await adapter.balances(wallet) == (7_500, 10_000, 7_500)


async def test_a_redelivered_clearing_is_posted_once(adapter: Adapter) -> None:
    wallet = await adapter.wallet(USER_KEY, "user_42", 10_000)
    jit_token = new_token()
    await decide(adapter, jit_request(jit_token, "user_42", "25.99"))
    clearing = notification("authorization.clearing", "COMPLETION", "user_42", new_token(), "25.99", original=jit_token)
    await notify(adapter, clearing)
    await notify(adapter, clearing)
    assert (await adapter.hold(jit_token)).status == hold_pb2.HOLD_STATUS_CAPTURED
    assert await adapter.balances(wallet) == (7401, 7401, 7401)


async def test_a_clearing_before_the_authorization_webhook_is_posted_once(adapter: Adapter) -> None:
    wallet = await adapter.wallet(USER_KEY, "user_42", 10_000)
    jit_token = new_token()
    await decide(adapter, jit_request(jit_token, "user_42", "25.99"))
    await notify(
        adapter,
        notification("authorization.clearing", "COMPLETION", "user_42", new_token(), "20.00", original=jit_token),
    )
    await notify(adapter, notification("authorization", "PENDING", "user_42", jit_token, "25.99"))
    hold = await adapter.hold(jit_token)
    assert (hold.status, hold.captured_amount) == (hold_pb2.HOLD_STATUS_PENDING, 2_000)
    assert await adapter.balances(wallet) == (8_000 - 599, 8_000, 8_000 - 599)  # the rest stays held
    await notify(
        adapter,
        notification(
            "authorization.reversal.issuerexpiration", "CLEARED", "user_42", new_token(), "5.99", original=jit_token
        ),
    )
    assert await adapter.balances(wallet) == (8_000, 8_000, 8_000)


async def test_a_stand_in_approval_cleared_before_its_authorization_webhook_is_posted_once(adapter: Adapter) -> None:
    wallet = await adapter.wallet(USER_KEY, "user_42", 1_000)
    jit_token = new_token()
    await notify(
        adapter,
        notification("authorization.clearing", "COMPLETION", "user_42", new_token(), "25.99", original=jit_token),
    )
    await notify(adapter, notification("authorization", "PENDING", "user_42", jit_token, "25.99"))
    assert [hold.status for hold in await adapter.holds(wallet)] == [hold_pb2.HOLD_STATUS_CAPTURED]
    assert await adapter.balances(wallet) == (1_000 - 2599,) * 3


async def test_an_over_capture_posts_the_larger_amount(adapter: Adapter) -> None:
    wallet = await adapter.wallet(USER_KEY, "user_42", 3_000)
    jit_token = new_token()
    await decide(adapter, jit_request(jit_token, "user_42", "20.00"))
    clearing = notification(
        "authorization.clearing",
        "COMPLETION",
        "user_42",
        new_token(),
        "35.00",
        original=jit_token,
        gpa={"impacted_amount": "#-35.00#"},
    )
    await notify(adapter, clearing)
    hold = await adapter.hold(jit_token)
    assert (hold.status, hold.captured_amount) == (hold_pb2.HOLD_STATUS_CAPTURED, 3_500)
    assert await adapter.balances(wallet) == (-500, -500, -500)


async def test_reversal_and_advice_release_part_then_all(adapter: Adapter) -> None:
    wallet = await adapter.wallet(USER_KEY, "user_42", 10_000)
    jit_token = new_token()
    await decide(adapter, jit_request(jit_token, "user_42", "50.00"))
    await notify(
        adapter, notification("authorization.advice", "PENDING", "user_42", new_token(), "10.00", original=jit_token)
    )
    assert (await adapter.hold(jit_token)).amount == 4_000
    await notify(
        adapter, notification("authorization.reversal", "CLEARED", "user_42", new_token(), "40.00", original=jit_token)
    )
    assert (await adapter.hold(jit_token)).status == hold_pb2.HOLD_STATUS_RELEASED
    assert await adapter.balances(wallet) == (10_000, 10_000, 10_000)


async def test_a_timed_out_authorization_webhook_releases_the_hold(adapter: Adapter) -> None:
    wallet = await adapter.wallet(USER_KEY, "user_42", 10_000)
    jit_token = new_token()
    await decide(adapter, jit_request(jit_token, "user_42", "50.00"))
    timed_out = notification("authorization", "DECLINED", "user_42", jit_token, "50.00")
    timed_out["gpa_order"]["funding"] = {"gateway_log": {"timed_out": True, "message": "Operation timeout"}}
    await notify(adapter, timed_out)
    assert await adapter.balances(wallet) == (10_000, 10_000, 10_000)


async def test_a_refund_is_a_posted_credit_applied_once(adapter: Adapter) -> None:
    wallet = await adapter.wallet(USER_KEY, "user_42", 1_000)
    refund = notification("refund", "COMPLETION", "user_42", new_token(), "7.00")
    await notify(adapter, refund)
    await notify(adapter, refund)
    assert await adapter.balances(wallet) == (1_700, 1_700, 1_700)


async def test_a_force_capture_without_authorization_may_overdraw(adapter: Adapter) -> None:
    wallet = await adapter.wallet(USER_KEY, "user_42", 500)
    force = notification("authorization.clearing", "COMPLETION", "user_42", new_token(), "20.00")
    force["gpa_order"]["jit_funding"]["method"] = "pgfs.force_capture"
    await notify(adapter, force)
    assert await adapter.balances(wallet) == (-1_500, -1_500, -1_500)


async def test_a_malformed_batch_is_400_and_writes_nothing(adapter: Adapter) -> None:
    wallet = await adapter.wallet(USER_KEY, "user_42", 1_000)
    good = notification("refund", "COMPLETION", "user_42", new_token(), "7.00")
    bad = notification("refund", "COMPLETION", "user_42", new_token(), "7.001")
    status, _, _ = await adapter.post("/marqeta/webhooks", encoded({"transactions": [good, bad]}), AUTHORIZED)
    assert status == 400
    assert await adapter.balances(wallet) == (1_000, 1_000, 1_000)


async def test_a_slow_ledger_is_declined_within_budget_and_the_late_hold_released(
    impatient_adapter: Adapter, pool: Any
) -> None:
    adapter = impatient_adapter
    wallet = await adapter.wallet(USER_KEY, "user_42", 10_000)
    jit_token = new_token()
    async with WalletLocked(pool, wallet):
        status, answer = await decide(adapter, jit_request(jit_token, "user_42", "25.99"))
        assert (status, answer["jit_funding"]["decline_reason"]) == (402, "INSUFFICIENT_FUNDS")

    await eventually_released(adapter, jit_token)
    assert await adapter.balances(wallet) == (10_000, 10_000, 10_000)
