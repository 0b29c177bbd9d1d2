"""TLS and mTLS on the gRPC server, with certificate authorities made by the test: a client that
trusts the CA calls; with a client CA, a client without a certificate, or with one another CA signed,
is refused at the handshake (even the open health check fails); plaintext only without a
certificate, and the server says so. The same three options as an ssl.SSLContext for HTTP."""

from __future__ import annotations

import asyncio
import os
import ssl
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ledgerd.client import LedgerdClient
from ledgerd.server.app import RunningServer, start_server
from ledgerd.server.core.api_keys import create_api_key
from ledgerd.server.tls import PLAINTEXT_NOTICE, server_ssl_context
from ledgerd.v1 import ledger_pb2

from .ledger_helpers import DEBIT_NORMAL, LEDGERD, create_account, create_ledger, run_ledgerd
from .serving_helpers import LINE_WAIT_SECONDS, Served
from .tls_helpers import Pki, make_pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


async def tls_server(pool: asyncpg.Pool, pki: Pki, *, mutual: bool) -> AsyncIterator[RunningServer]:
    running = await start_server(pool, "127.0.0.1:0", background=False, tls=pki.files(mutual=mutual))
    yield running
    await running.stop(0)


@pytest.fixture
async def tls_only(pool: asyncpg.Pool, pki: Pki) -> AsyncIterator[RunningServer]:
    async for running in tls_server(pool, pki, mutual=False):
        yield running


@pytest.fixture
async def mutual(pool: asyncpg.Pool, pki: Pki) -> AsyncIterator[RunningServer]:
    async for running in tls_server(pool, pki, mutual=True):
        yield running


async def health(channel: grpc.aio.Channel) -> int:
    answer = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    return answer.status


async def test_a_client_that_trusts_the_ca_calls_over_tls_and_a_plaintext_one_gets_nowhere(
    tls_only: RunningServer, pki: Pki, api_key: str
) -> None:
    target = f"localhost:{tls_only.port}"
    async with LedgerdClient(target, api_key, root_certificates=pki.ca.pem()) as client:
        created = await client.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="Over TLS"))
        assert created.ledger.name == "Over TLS"
    async with LedgerdClient(target, api_key) as plaintext:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await plaintext.ledgers.ListLedgers(ledger_pb2.ListLedgersRequest(), timeout=10)
        assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
    # A client that does not trust the server's CA refuses the server.
    async with LedgerdClient(target, api_key, root_certificates=pki.stranger.cert.read_bytes()) as distrustful:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await distrustful.ledgers.ListLedgers(ledger_pb2.ListLedgersRequest(), timeout=10)
        assert raised.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_mtls_admits_a_certificate_the_client_ca_signed_and_refuses_others_at_the_handshake(
    mutual: RunningServer, pki: Pki, api_key: str
) -> None:
    target = f"127.0.0.1:{mutual.port}"
    certificate_chain, private_key = pki.client.pair()
    async with LedgerdClient(
        target, api_key, root_certificates=pki.ca.pem(), certificate_chain=certificate_chain, private_key=private_key
    ) as client:
        assert await health(client.channel) == health_pb2.HealthCheckResponse.SERVING
        await client.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="mTLS"))

    stranger_chain, stranger_key = pki.stranger.pair()
    for options in (
        {},  # no certificate at all
        {"certificate_chain": stranger_chain, "private_key": stranger_key},  # another CA's
    ):
        async with LedgerdClient(target, api_key, root_certificates=pki.ca.pem(), **options) as refused:
            # The health check needs no API key: its failure is the handshake's.
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await health(refused.channel)
            assert raised.value.code() == grpc.StatusCode.UNAVAILABLE


def test_the_ssl_context_for_http_is_made_from_the_same_three_options(pki: Pki) -> None:
    assert server_ssl_context(None, None, None) is None
    plain = server_ssl_context(pki.server.cert, pki.server.key)
    assert plain is not None and plain.verify_mode == ssl.CERT_NONE
    mutual = server_ssl_context(pki.server.cert, pki.server.key, pki.ca.path)
    assert mutual is not None and mutual.verify_mode == ssl.CERT_REQUIRED


async def test_the_http_ssl_context_refuses_a_client_without_a_certificate_at_the_handshake(pki: Pki) -> None:
    context = server_ssl_context(pki.server.cert, pki.server.key, pki.ca.path)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"hello\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    async with server:
        trusting = ssl.create_default_context(cafile=pki.ca.path)
        trusting.load_cert_chain(pki.client.cert, pki.client.key)
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=trusting, server_hostname="localhost")
        assert await reader.readline() == b"hello\n"
        writer.close()

        anonymous = ssl.create_default_context(cafile=pki.ca.path)
        with pytest.raises((ssl.SSLError, ConnectionResetError, asyncio.IncompleteReadError)):
            # TLS 1.3 finishes the client's side first; the server's refusal arrives on the first read.
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, ssl=anonymous, server_hostname="localhost"
            )
            await reader.readexactly(6)
        server.close()


async def test_serve_with_workers_speaks_mtls_on_every_worker_and_plaintext_is_announced(
    own_database_url: str, pki: Pki, tmp_path: Path
) -> None:
    code, output = await run_ledgerd("keys", "create", "--organization", "tls", database_url=own_database_url)
    assert code == 0, output
    key = output.strip().splitlines()[-1]
    environment = {**os.environ, "DATABASE_URL": own_database_url}
    served = await Served.start(
        "--workers",
        "2",
        "--address",
        "127.0.0.1:0",
        "--tls-cert",
        str(pki.server.cert),
        "--tls-key",
        str(pki.server.key),
        "--tls-client-ca",
        str(pki.ca.path),
        env=environment,
    )
    try:
        certificate_chain, private_key = pki.client.pair()
        for _ in range(8):  # several connections, so both workers answer some
            async with LedgerdClient(
                served.address,
                key,
                root_certificates=pki.ca.pem(),
                certificate_chain=certificate_chain,
                private_key=private_key,
                options=[("grpc.use_local_subchannel_pool", 1)],
            ) as client:
                await client.ledgers.ListLedgers(ledger_pb2.ListLedgersRequest())
        async with LedgerdClient(served.address, key, root_certificates=pki.ca.pem()) as anonymous:
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await health(anonymous.channel)
            assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        assert await served.stop() == 0
    assert served.output().count("serving TLS with client certificates (mTLS)") == 2, served.output()
    assert PLAINTEXT_NOTICE not in served.output()

    plaintext = await Served.start("--address", "127.0.0.1:0", env=environment)
    assert await plaintext.stop() == 0
    assert PLAINTEXT_NOTICE in plaintext.output()


async def test_serve_refuses_a_certificate_without_its_key(pki: Pki, own_database_url: str) -> None:
    code, output = await run_ledgerd("serve", "--tls-cert", str(pki.server.cert), database_url=own_database_url)
    assert code == 2 and "--tls-cert and --tls-key go together" in output


async def test_the_adapters_reach_a_tls_ledgerd_with_a_client_certificate(
    mutual: RunningServer, pki: Pki, pool: asyncpg.Pool
) -> None:
    organization = f"adapters-tls-{uuid.uuid4()}"
    _, key = await create_api_key(pool, organization)
    certificate_chain, private_key = pki.client.pair()
    target = f"127.0.0.1:{mutual.port}"
    async with LedgerdClient(
        target, key, root_certificates=pki.ca.pem(), certificate_chain=certificate_chain, private_key=private_key
    ) as client:
        ledger = await create_ledger(client, "Cards")
        settlement = await create_account(client, ledger.id, "Settlement", normal_balance=DEBIT_NORMAL)
    process = await asyncio.create_subprocess_exec(
        LEDGERD,
        "adapters",
        "serve",
        "--address",
        "127.0.0.1:0",
        "--grpc-target",
        target,
        "--api-key",
        key,
        "--settlement-account-id",
        settlement.id,
        "--grpc-tls-ca",
        str(pki.ca.path),
        "--grpc-tls-cert",
        str(pki.client.cert),
        "--grpc-tls-key",
        str(pki.client.key),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    try:
        lines: list[str] = []
        # It reads the settlement account through ledgerd before it serves: over mTLS.
        while not lines or not lines[-1].startswith("ledgerd adapters serving on "):
            line = await asyncio.wait_for(process.stdout.readline(), LINE_WAIT_SECONDS)
            assert line, f"ledgerd adapters serve exited early: {lines}"
            lines.append(line.decode().strip())
    finally:
        process.terminate()
        await process.wait()
