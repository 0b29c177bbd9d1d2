"""The card-issuer webhook adapters: small HTTP endpoints that answer Lithic ASA, Marqeta JIT Funding
and Stripe Issuing real-time authorizations with a hold, inside each processor's deadline, and turn
their lifecycle notifications into ledger operations. Clients of the gRPC API only.

`ledgerd adapters serve` (server/ledgerd/server/cli.py) adds `add_serve_arguments` to its parser and
runs `serve`; the HTTP stack (the `adapters` extra) is imported only then."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ledgerd.adapters import limits

DEFAULT_ADDRESS = "127.0.0.1:8080"
MISSING_EXTRA = "ledgerd adapters serve needs the adapters extra: pip install 'ledgerd[adapters]'"


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--address", default=DEFAULT_ADDRESS, help=f"HTTP HOST:PORT (default {DEFAULT_ADDRESS})")
    parser.add_argument("--grpc-target", required=True, help="ledgerd's gRPC HOST:PORT")
    parser.add_argument("--api-key", required=True, help="the API key of the card program's organization")
    parser.add_argument("--grpc-tls-ca", type=Path, help="PEM CA to trust for ledgerd's TLS (default: plaintext)")
    parser.add_argument("--grpc-tls-cert", type=Path, help="PEM client certificate, for a ledgerd that asks (mTLS)")
    parser.add_argument("--grpc-tls-key", type=Path, help="PEM private key of --grpc-tls-cert")
    parser.add_argument(
        "--settlement-account-id",
        required=True,
        help="the other side of every hold and post (its ledger holds the wallets)",
    )
    for processor, default in (
        ("lithic", limits.lithic_decision_budget_seconds),
        ("marqeta", limits.marqeta_decision_budget_seconds),
        ("stripe", limits.stripe_decision_budget_seconds),
    ):
        parser.add_argument(
            f"--{processor}-budget-seconds",
            type=float,
            default=default,
            help=f"wait this long for the ledger, then decline (default {default})",
        )


async def serve(arguments: argparse.Namespace) -> int:
    try:
        from ledgerd.adapters.app import run
    except ImportError as error:
        print(f"{MISSING_EXTRA} ({error})", file=sys.stderr, flush=True)
        return 2
    return await run(arguments)
