"""`ledgerd adapters serve`, the command as a user runs it: a process of its own, configured by its
options and the secrets in its environment, answering a processor over HTTP against the session's
ledgerd."""

from __future__ import annotations

import asyncio
import json
import os
import signal

import aiohttp
from aiohttp import encode_basic_auth

from ledgerd.v1 import hold_pb2
from tests.e2e.ledger_helpers import LEDGERD

from .conftest import LITHIC_SECRET, MARQETA_PASSWORD, MARQETA_USERNAME, STRIPE_SECRET, Adapter, new_token
from .test_marqeta import USER_KEY, encoded, jit_request

# A guard against a hung process, not a measurement.
START_WAIT_SECONDS = 60


async def test_the_command_serves_the_processors_against_a_running_ledgerd(
    adapter: Adapter, target: str, api_key: str
) -> None:
    wallet = await adapter.wallet(USER_KEY, "user_cli", 10_000)
    environment = {
        **os.environ,
        "LITHIC_WEBHOOK_SECRET": LITHIC_SECRET,
        "STRIPE_WEBHOOK_SECRET": STRIPE_SECRET,
        "MARQETA_USERNAME": MARQETA_USERNAME,
        "MARQETA_PASSWORD": MARQETA_PASSWORD,
    }
    process = await asyncio.create_subprocess_exec(
        LEDGERD,
        "adapters",
        "serve",
        "--address",
        "127.0.0.1:0",
        "--grpc-target",
        target,
        "--api-key",
        api_key,
        "--settlement-account-id",
        adapter.ledger.settlement.id,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    try:
        lines: list[str] = []
        while not lines or not lines[-1].startswith("ledgerd adapters serving on "):
            line = await asyncio.wait_for(process.stdout.readline(), START_WAIT_SECONDS)
            assert line, f"ledgerd adapters serve exited early: {lines}"
            lines.append(line.decode().strip())
        address = lines[-1].removeprefix("ledgerd adapters serving on ")
        jit_token = new_token()
        headers = {
            "authorization": encode_basic_auth(MARQETA_USERNAME, MARQETA_PASSWORD),
            "content-type": "application/json",
        }
        async with aiohttp.ClientSession() as http:
            url = f"http://{address}/marqeta/jit"
            async with http.post(
                url, data=encoded(jit_request(jit_token, "user_cli", "12.34")), headers=headers
            ) as answer:
                assert answer.status == 200, await answer.text()
                assert json.loads(await answer.text())["jit_funding"]["token"] == jit_token
            async with http.post(url, data=encoded(jit_request(new_token(), "user_cli", "1.00")), headers={}) as answer:
                assert answer.status == 401
        hold = await adapter.hold(jit_token)
        assert (hold.amount, hold.status, hold.ledger_account_id) == (1234, hold_pb2.HOLD_STATUS_PENDING, wallet)
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), START_WAIT_SECONDS) == 0
