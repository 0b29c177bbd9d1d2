"""The card-issuer adapters' added latency over the hold itself: N sequential direct PlaceHold calls
against N sequential signed Lithic ASA, Marqeta JIT and Stripe authorization requests through the
adapter (HTTP, verification, wallet lookup by metadata, PlaceHold, answer), p50/p99 of each.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/adapter_latency.py

Starts its own ledgerd (gRPC on port 0) on a fresh database of DATABASE_URL (dropped afterwards),
or on an embedded PostgreSQL without it; everything runs in this one process, on uvloop."""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import asyncpg
import standardwebhooks
import stripe
import uvloop
from aiohttp import web

from ledgerd.adapters.app import Settings, create_app
from ledgerd.adapters.ledger import CardLedger
from ledgerd.client import LedgerdClient
from ledgerd.server.app import start_server
from ledgerd.server.core.api_keys import create_api_key
from ledgerd.server.store.embedded import start_embedded
from ledgerd.server.store.migrate import apply_migrations
from ledgerd.server.store.pool import create_pool
from ledgerd.v1 import common_pb2, hold_pb2, ledger_pb2, transaction_pb2

LITHIC_SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()
STRIPE_SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()
MARQETA = ("gateway", "Gw-password-0123456789!")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def timed(count: int, calls: dict[str, Callable[[int], Awaitable[None]]]) -> dict[str, list[float]]:
    """Each call `count` times, interleaved round by round: every path sees the same server, the
    same wallet history and the same noise of the machine (one after another, the last path ran on
    a wallet with the most holds and measured the worst)."""
    for i in range(min(20, count)):  # warm-up: connections, caches
        for call in calls.values():
            await call(-1 - i)
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for i in range(count):
        for name, call in calls.items():
            started = time.perf_counter()
            await call(i)
            samples[name].append((time.perf_counter() - started) * 1000)
    return samples


def lithic(i: int, amount: int) -> tuple[bytes, dict[str, str]]:
    money = {"amount": amount, "currency": "USD"}
    raw = json.dumps(
        {
            "event_type": "card_authorization.approval_request",
            "token": str(uuid.uuid4()),
            "status": "AUTHORIZATION",
            "amounts": {"cardholder": money, "hold": money, "merchant": money},
            "card": {"token": "card-bench"},
        }
    )
    message_id, now = f"msg_{uuid.uuid4()}", datetime.now(UTC)
    headers = {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": standardwebhooks.Webhook(LITHIC_SECRET).sign(message_id, now, raw),
    }
    return raw.encode(), headers


def marqeta(i: int, amount: int) -> tuple[bytes, dict[str, str]]:
    jit = {"token": str(uuid.uuid4()), "method": "pgfs.authorization", "user_token": "user-bench"}
    raw = json.dumps({"type": "authorization", "currency_code": "USD", "gpa_order": {"jit_funding": jit}})
    raw = raw.replace(
        '"user_token": "user-bench"', f'"user_token": "user-bench", "amount": {amount // 100}.{amount % 100:02d}'
    )
    return raw.encode(), {"authorization": aiohttp.encode_basic_auth(*MARQETA)}


def stripe_request(i: int, amount: int) -> tuple[bytes, dict[str, str]]:
    authorization = {
        "id": f"iauth_{uuid.uuid4().hex}",
        "card": {"id": "ic_bench"},
        "pending_request": {"amount": amount, "currency": "usd", "is_amount_controllable": False},
        "request_history": [],
    }
    raw = json.dumps(
        {"id": f"evt_{uuid.uuid4().hex}", "type": "issuing_authorization.request", "data": {"object": authorization}}
    )
    return raw.encode(), {"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(raw, STRIPE_SECRET)}


async def measure(database_url: str, count: int) -> dict[str, tuple[float, float]]:
    pool = await create_pool(database_url, min_size=4, max_size=20)
    async with pool.acquire() as connection:
        await apply_migrations(connection)
    server = await start_server(pool, "127.0.0.1:0")
    _, key = await create_api_key(pool, f"bench-{uuid.uuid4()}")
    async with LedgerdClient(f"127.0.0.1:{server.port}", key) as client:
        ledger_id = (await client.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="Bench"))).ledger.id

        async def account(name: str, normal: int, metadata: dict[str, str]) -> str:
            request = ledger_pb2.CreateLedgerAccountRequest(
                ledger_id=ledger_id, name=name, normal_balance=normal, currency="USD", metadata=metadata
            )
            return str((await client.ledgers.CreateLedgerAccount(request)).ledger_account.id)

        settlement = await account("Settlement", common_pb2.NORMAL_BALANCE_DEBIT, {})
        funding = await account("Funding", common_pb2.NORMAL_BALANCE_DEBIT, {})
        wallet = await account(
            "Wallet",
            common_pb2.NORMAL_BALANCE_CREDIT,
            {"lithic_card_token": "card-bench", "marqeta_user_token": "user-bench", "stripe_card_id": "ic_bench"},
        )
        entries = [
            transaction_pb2.LedgerEntryRequest(
                ledger_account_id=funding, direction=common_pb2.DIRECTION_DEBIT, amount=10**15
            ),
            transaction_pb2.LedgerEntryRequest(
                ledger_account_id=wallet, direction=common_pb2.DIRECTION_CREDIT, amount=10**15
            ),
        ]
        await client.transactions.CreateLedgerTransaction(
            transaction_pb2.CreateLedgerTransactionRequest(
                ledger_entries=entries, status=common_pb2.LEDGER_TRANSACTION_STATUS_POSTED
            )
        )

        async def direct(i: int) -> None:
            request = hold_pb2.PlaceHoldRequest(
                ledger_account_id=wallet,
                counter_ledger_account_id=settlement,
                amount=100,
                currency="USD",
                external_id=str(uuid.uuid4()),
                timeout_seconds=3600,
            )
            response = await client.holds.PlaceHold(request)
            assert response.decision == hold_pb2.HOLD_DECISION_APPROVED

        calls: dict[str, Callable[[int], Awaitable[None]]] = {"direct PlaceHold": direct}
        settings = Settings(LITHIC_SECRET, STRIPE_SECRET, *MARQETA)
        runner = web.AppRunner(create_app(await CardLedger.open(client, settlement), settings), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        async with aiohttp.ClientSession() as http:
            for name, path, build, approved in (
                ("Lithic ASA", "/lithic/asa", lithic, lambda status, body: body["result"] == "APPROVED"),
                ("Marqeta JIT", "/marqeta/jit", marqeta, lambda status, body: status == 200),
                ("Stripe authorization", "/stripe/webhooks", stripe_request, lambda status, body: body["approved"]),
            ):
                # Built and signed before the clock starts: only the adapter's work is timed.
                prepared = {i: build(i, 100) for i in range(-20, count)}

                async def through_adapter(i: int, path: str = path, prepared=prepared, approved=approved) -> None:
                    body, headers = prepared[i]
                    async with http.post(url + path, data=body, headers=headers) as response:
                        assert approved(response.status, await response.json()), await response.text()

                calls[name] = through_adapter
            results = {name: percentiles(samples) for name, samples in (await timed(count, calls)).items()}
        await runner.cleanup()
    await server.stop(0)
    await pool.close()
    return results


async def main(count: int) -> None:
    server_url = os.environ.get("DATABASE_URL")
    if server_url:
        name = f"ledgerd_adapter_bench_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(server_url)
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            results = await measure(server_url.rsplit("/", 1)[0] + "/" + name, count)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
    else:
        with tempfile.TemporaryDirectory() as folder:
            results = await measure(start_embedded(Path(folder)), count)
    base_p50, base_p99 = results["direct PlaceHold"]
    print(f"{count} sequential requests each; milliseconds")
    print(f"{'path':<24}{'p50':>8}{'p99':>8}{'added p50':>12}{'added p99':>12}")
    for name, (p50, p99) in results.items():
        print(f"{name:<24}{p50:8.2f}{p99:8.2f}{p50 - base_p50:12.2f}{p99 - base_p99:12.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="sequential requests per path (default 200)")
    uvloop.run(main(parser.parse_args().requests))
