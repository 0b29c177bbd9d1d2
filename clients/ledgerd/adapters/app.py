"""The adapters' HTTP server (aiohttp): one route per processor endpoint, each verifying its caller
on the raw body before anything is parsed, then answering in the processor's own format."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import stripe
from aiohttp import web

from ledgerd.adapters import limits
from ledgerd.adapters.ledger import CardLedger
from ledgerd.adapters.money import parse_json
from ledgerd.adapters.payload import Malformed, mapping
from ledgerd.client import LedgerdClient, error_details

log = logging.getLogger("ledgerd.adapters")


@dataclass(frozen=True)
class Settings:
    """Secrets (unset: every call of that processor is answered 401) and decision budgets."""

    lithic_webhook_secret: str = ""
    stripe_webhook_secret: str = ""
    marqeta_username: str = ""
    marqeta_password: str = ""
    lithic_budget_seconds: float = limits.lithic_decision_budget_seconds
    marqeta_budget_seconds: float = limits.marqeta_decision_budget_seconds
    stripe_budget_seconds: float = limits.stripe_decision_budget_seconds
    # Sent as the Stripe-Version header of every real-time answer.
    stripe_version: str = stripe.api_version

    @classmethod
    def from_environment(
        cls, lithic_budget_seconds: float, marqeta_budget_seconds: float, stripe_budget_seconds: float
    ) -> Settings:
        environment = os.environ
        return cls(
            lithic_webhook_secret=environment.get("LITHIC_WEBHOOK_SECRET", ""),
            stripe_webhook_secret=environment.get("STRIPE_WEBHOOK_SECRET", ""),
            marqeta_username=environment.get("MARQETA_USERNAME", ""),
            marqeta_password=environment.get("MARQETA_PASSWORD", ""),
            lithic_budget_seconds=lithic_budget_seconds,
            marqeta_budget_seconds=marqeta_budget_seconds,
            stripe_budget_seconds=stripe_budget_seconds,
        )


def unauthorized(why: str) -> web.Response:
    """A caller that failed verification: 401, nothing parsed, nothing written."""
    log.warning("refused an unverified call: %s", why)
    return web.json_response({"error": "unauthorized"}, status=401)


def malformed(error: Malformed) -> web.Response:
    return web.json_response({"error": str(error)}, status=400)


Verify = Callable[[web.Request, bytes], str | None]


async def verified_body(request: web.Request, verify: Verify) -> dict[str, Any] | web.Response:
    """The JSON object of a request whose caller `verify` accepts (on the raw bytes, before any
    parsing); otherwise the answer to send: 401, or 400 for a body that is not a JSON object."""
    raw = await request.read()
    if (failure := verify(request, raw)) is not None:
        return unauthorized(failure)
    try:
        return mapping(parse_json(raw), "body")
    except ValueError as error:
        return malformed(Malformed(str(error)))


async def applied(apply: Callable[[], Awaitable[object]]) -> web.Response:
    """Runs a notification's ledger writes: 200 when applied (or already applied), 400 for a body not
    shaped as documented, 503 when the ledger failed or was too slow, so that the processor
    redelivers (every write is keyed by the processor's token: a redelivery applies what is left)."""
    try:
        await asyncio.wait_for(apply(), limits.lifecycle_call_timeout_seconds)
    except Malformed as error:
        return malformed(error)
    except grpc.aio.AioRpcError as error:
        log.error("a notification could not be applied: %s", error_details(error))
        return web.json_response({"error": "ledger unavailable"}, status=503)
    except TimeoutError:
        log.error("a notification could not be applied in %s s", limits.lifecycle_call_timeout_seconds)
        return web.json_response({"error": "ledger too slow"}, status=503)
    return web.json_response({"applied": True})


def create_app(ledger: CardLedger, settings: Settings) -> web.Application:
    from ledgerd.adapters.lithic_asa import Lithic
    from ledgerd.adapters.marqeta_jit import Marqeta
    from ledgerd.adapters.stripe_issuing import Stripe

    app = web.Application(client_max_size=limits.request_body_bytes_max)
    for processor in (
        Lithic(ledger, settings.lithic_webhook_secret, settings.lithic_budget_seconds),
        Marqeta(ledger, settings.marqeta_username, settings.marqeta_password, settings.marqeta_budget_seconds),
        Stripe(ledger, settings.stripe_webhook_secret, settings.stripe_budget_seconds, settings.stripe_version),
    ):
        app.add_routes(processor.routes())

    async def drain(app: web.Application) -> None:
        await ledger.drain()

    app.on_shutdown.append(drain)
    return app


def ledgerd_client(arguments: argparse.Namespace) -> LedgerdClient:
    """The gRPC client, with TLS when --grpc-tls-ca/-cert/-key name files (read once, at start)."""

    def read(path: Path | None) -> bytes | None:
        return None if path is None else path.read_bytes()

    return LedgerdClient(
        arguments.grpc_target,
        arguments.api_key,
        root_certificates=read(arguments.grpc_tls_ca),
        certificate_chain=read(arguments.grpc_tls_cert),
        private_key=read(arguments.grpc_tls_key),
    )


async def run(arguments: argparse.Namespace) -> int:
    """`ledgerd adapters serve`: serves until SIGINT or SIGTERM."""
    settings = Settings.from_environment(
        lithic_budget_seconds=arguments.lithic_budget_seconds,
        marqeta_budget_seconds=arguments.marqeta_budget_seconds,
        stripe_budget_seconds=arguments.stripe_budget_seconds,
    )
    for name, value in (
        ("LITHIC_WEBHOOK_SECRET", settings.lithic_webhook_secret),
        ("STRIPE_WEBHOOK_SECRET", settings.stripe_webhook_secret),
        ("MARQETA_USERNAME", settings.marqeta_username),
        ("MARQETA_PASSWORD", settings.marqeta_password),
    ):
        if not value:
            log.warning("%s is not set: that processor's calls are answered 401", name)
    async with ledgerd_client(arguments) as client:
        try:
            ledger = await CardLedger.open(client, arguments.settlement_account_id)
        except grpc.aio.AioRpcError as error:
            print(f"cannot read the settlement account: {error_details(error).message}", flush=True)
            return 1
        runner = web.AppRunner(create_app(ledger, settings), access_log=None)
        await runner.setup()
        host, _, port = arguments.address.rpartition(":")
        await web.TCPSite(runner, host, int(port)).start()
        bound = runner.addresses[0]
        print(f"ledgerd adapters serving on {host}:{bound[1]}", flush=True)
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stopping.set)
        await stopping.wait()
        print("ledgerd adapters stopping", flush=True)
        await runner.cleanup()
    return 0
