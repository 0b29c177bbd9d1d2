"""`ledgerd serve --http-address` as a user runs it: a real process serving gRPC and HTTP, alone or
as `--workers N` sharing one HTTP port the way they share the gRPC one (SO_REUSEPORT); off without
the flag. And a schema-driven fuzz of /api (schemathesis, from the OpenAPI document the server
serves): whatever it sends, no answer is a 5xx, and every answer has the shape the document gives."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import asyncpg
import httpx

from ledgerd.client import LedgerdClient
from ledgerd.v1 import ledger_pb2

from .http_helpers import new_organization
from .serving_helpers import LINE_WAIT_SECONDS, Served

HTTP_SERVING = "ledgerd serving HTTP on "
WORKER_HTTP = re.compile(r"ledgerd worker (\d+) serving HTTP on (\S+)")
SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
# Examples per operation: enough for every operation to meet wrong types, missing and unknown
# fields, huge numbers and odd strings, within a couple of minutes on two shared cores.
FUZZ_EXAMPLES_PER_OPERATION = 20


async def serve(database_url: str, *arguments: str) -> Served:
    return await Served.start("--address", "127.0.0.1:0", *arguments, env={**os.environ, "DATABASE_URL": database_url})


async def test_http_is_off_without_the_flag(database_url: str) -> None:
    served = await serve(database_url)
    try:
        assert not any(line.startswith(HTTP_SERVING) for line in served.lines)
    finally:
        assert await served.stop() == 0


async def test_workers_share_one_http_port_and_answer_from_one_database(database_url: str, pool: asyncpg.Pool) -> None:
    served = await serve(database_url, "--workers", "2", "--http-address", "127.0.0.1:0")
    try:
        http_address = (await served.line(HTTP_SERVING)).removeprefix(HTTP_SERVING)
        bound = {match.group(2) for line in served.lines if (match := WORKER_HTTP.match(line))}
        assert bound == {http_address}, served.output()  # both workers, one port
        organization = await new_organization(pool)
        # A connection per request, so the kernel spreads them over the workers.
        fresh = httpx.Limits(max_keepalive_connections=0)
        auth = (organization.name, organization.api_key)
        async with httpx.AsyncClient(base_url=f"http://{http_address}", auth=auth, limits=fresh) as http:
            ledger = (await http.post("/api/ledgers", json={"name": "Shared"})).json()
            answers = await asyncio.gather(*(http.get(f"/api/ledgers/{ledger['id']}") for _ in range(16)))
        assert {answer.status_code for answer in answers} == {200}
        assert {answer.json()["id"] for answer in answers} == {ledger["id"]}
        async with LedgerdClient(served.address, organization.api_key) as client:
            over_grpc = await client.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=ledger["id"]))
        assert over_grpc.ledger.name == "Shared"
    finally:
        assert await served.stop() == 0


async def test_a_schema_driven_fuzz_of_the_api_meets_no_server_error_and_answers_as_documented(
    database_url: str, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    served = await serve(database_url, "--http-address", "127.0.0.1:0")
    try:
        http_address = (await served.line(HTTP_SERVING)).removeprefix(HTTP_SERVING)
        organization = await new_organization(pool)
        base = f"http://{http_address}"
        async with httpx.AsyncClient(base_url=base, auth=(organization.name, organization.api_key)) as http:
            # Something to find: the fuzz's ids are random, so most reads are 404s; these are not.
            ledger = (await http.post("/api/ledgers", json={"name": "Fuzzed"})).json()
            for normal_balance in ("credit", "debit"):
                await http.post(
                    "/api/ledger_accounts",
                    json={"ledger_id": ledger["id"], "name": "A", "currency": "USD", "normal_balance": normal_balance},
                )
        credentials = httpx.BasicAuth(organization.name, organization.api_key)._auth_header
        fuzz = await asyncio.create_subprocess_exec(
            SCHEMATHESIS,
            "run",
            f"{base}/api/openapi.json",
            "--url",
            base,
            "--header",
            f"Authorization: {credentials}",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--max-examples",
            str(FUZZ_EXAMPLES_PER_OPERATION),
            "--seed",
            "15",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--no-color",
            "--generation-database",
            "none",  # the seed alone decides the cases: nothing carried over from earlier runs
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
        )
        output, _ = await asyncio.wait_for(fuzz.communicate(), LINE_WAIT_SECONDS * 5)
        report = output.decode()
        assert fuzz.returncode == 0, report
        assert "No issues found" in report or " passed" in report, report
        # Nothing reached the error map as an unexpected exception (aiohttp's own log of a malformed
        # request line, answered 400 before any handler, is not one).
        assert not any("unexpected error" in line for line in served.lines), served.output()
        print(report)
    finally:
        assert await served.stop() == 0
