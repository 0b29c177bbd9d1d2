"""Traces and request ids on a real server: tracing set up by the same function the server uses
(ledgerd.server.tracing.start_tracing), with the SDK's in-memory exporter; the JSON log lines of a
refused call, in process and from `ledgerd serve`."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import grpc
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ledgerd.client import LedgerdClient, error_details
from ledgerd.server.app import RunningServer, start_server
from ledgerd.server.core.api_keys import create_api_key
from ledgerd.server.logs import json_handler
from ledgerd.server.tracing import Tracing, exporter_named, start_tracing
from ledgerd.v1 import hold_pb2, ledger_pb2

from .ledger_helpers import DEBIT_NORMAL, POSTED, create_account, create_ledger, transfer
from .serving_helpers import Served

HEX32 = re.compile(r"^[0-9a-f]{32}$")
ERRORS_LOGGER = "ledgerd.server.interceptors.errors"


@pytest.fixture
async def traced(pool: asyncpg.Pool) -> AsyncIterator[tuple[Tracing, InMemorySpanExporter, RunningServer]]:
    exporter = InMemorySpanExporter()
    tracing = start_tracing(exporter)
    server = await start_server(pool, "127.0.0.1:0", background=False, tracing=tracing)
    try:
        yield tracing, exporter, server
    finally:
        await server.stop(0)
        tracing.stop()


@pytest.fixture
async def traced_client(
    traced: tuple[Tracing, InMemorySpanExporter, RunningServer], api_key: str
) -> AsyncIterator[LedgerdClient]:
    async with LedgerdClient(f"127.0.0.1:{traced[2].port}", api_key) as client:
        yield client


# A safety net for a span still ending, not a measurement: 10 ms apart, 5 s in all.
SPAN_END_POLLS = 500


def finished(tracing: Tracing, exporter: InMemorySpanExporter) -> tuple[ReadableSpan, ...]:
    tracing.flush()
    return exporter.get_finished_spans()


def call_spans(spans: tuple[ReadableSpan, ...], method: str) -> list[ReadableSpan]:
    service, name = method.lstrip("/").split("/")
    return [
        s
        for s in spans
        if s.attributes and (s.attributes.get("rpc.service"), s.attributes.get("rpc.method")) == (service, name)
    ]


async def ended_call_spans(tracing: Tracing, exporter: InMemorySpanExporter, method: str) -> list[ReadableSpan]:
    """The method's server spans once they have ended: a server span ends just after its answer
    is sent, so the caller may hold the answer (a refusal, at once) before the span is finished."""
    for _ in range(SPAN_END_POLLS):
        spans = call_spans(finished(tracing, exporter), method)
        if spans:
            return spans
        await asyncio.sleep(0.01)
    return []


def sql_children(spans: tuple[ReadableSpan, ...], parent: ReadableSpan) -> list[ReadableSpan]:
    """The SQL spans under `parent`, at any depth."""
    by_id = {s.context.span_id: s for s in spans}
    found = []
    for span in spans:
        if not (span.attributes or {}).get("db.system") and not (span.attributes or {}).get("db.system.name"):
            continue
        ancestor = span.parent
        while ancestor is not None:
            if ancestor.span_id == parent.context.span_id:
                found.append(span)
                break
            ancestor = by_id[ancestor.span_id].parent if ancestor.span_id in by_id else None
    return found


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({}, None),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317"}, "otlp"),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4317"}, "otlp"),
        ({"OTEL_TRACES_EXPORTER": "console"}, "console"),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317"}, None),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, None),
        ({"OTEL_METRICS_EXPORTER": "otlp"}, None),
    ],
)
def test_tracing_is_off_unless_the_environment_asks_for_it(environment: dict[str, str], named: str | None) -> None:
    assert exporter_named(environment) == named


async def test_every_call_is_a_span_with_its_sql_and_each_batch_links_the_calls_it_carried(
    traced: tuple[Tracing, InMemorySpanExporter, RunningServer], traced_client: LedgerdClient
) -> None:
    tracing, exporter, _ = traced
    client = traced_client
    ledger = await create_ledger(client, "Traced")
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    wallet = await create_account(client, ledger.id, "Wallet")
    settlement = await create_account(client, ledger.id, "Settlement", normal_balance=DEBIT_NORMAL)
    exporter.clear()

    await asyncio.gather(
        *(
            client.transactions.CreateLedgerTransaction(transfer(cash.id, wallet.id, 100 + i, status=POSTED))
            for i in range(5)
        )
    )
    await client.holds.PlaceHoldBatch(
        hold_pb2.PlaceHoldBatchRequest(
            requests=[
                hold_pb2.PlaceHoldRequest(
                    ledger_account_id=wallet.id, counter_ledger_account_id=settlement.id, amount=10 + i
                )
                for i in range(3)
            ]
        )
    )

    async def two_holds() -> AsyncIterator[hold_pb2.PlaceHoldRequest]:
        for amount in (1, 2):
            yield hold_pb2.PlaceHoldRequest(
                ledger_account_id=wallet.id, counter_ledger_account_id=settlement.id, amount=amount
            )

    answers = [answer async for answer in client.holds.PlaceHolds(two_holds())]
    assert [answer.decision for answer in answers] == [hold_pb2.HOLD_DECISION_APPROVED] * 2
    spans = finished(tracing, exporter)

    creates = call_spans(spans, "/ledgerd.v1.TransactionService/CreateLedgerTransaction")
    [place] = call_spans(spans, "/ledgerd.v1.HoldService/PlaceHoldBatch")
    [stream] = call_spans(spans, "/ledgerd.v1.HoldService/PlaceHolds")
    assert len(creates) == 5
    assert all(s.kind == trace.SpanKind.SERVER and s.status.is_ok for s in [*creates, place])
    batches = [s for s in spans if s.name == "ledgerd.write_batch"]
    assert batches, "no batch span"
    for batch in batches:
        assert batch.parent is None, "a batch is a trace of its own"
        assert batch.links, "a batch links the calls it carried"
        assert sql_children(spans, batch), "the batch's SQL is under its span"

    def linking(call: ReadableSpan) -> list[ReadableSpan]:
        return [b for b in batches if call.context in [link.context for link in b.links]]

    assert all(linking(create) for create in creates), "a call's write was carried by no batch"
    # The batch call's three writes were carried by batches linking it and, as it was sent alone, only it.
    assert all(len(b.links) == 1 for b in linking(place))
    assert sum(int((b.attributes or {})["ledgerd.batch.writes"]) for b in linking(place)) == 3
    assert sum(int((b.attributes or {})["ledgerd.batch.writes"]) for b in linking(stream)) == 2
    assert sum(int((b.attributes or {})["ledgerd.batch.writes"]) for b in batches) == 5 + 3 + 2


async def test_a_call_reads_its_own_sql_under_its_span(
    traced: tuple[Tracing, InMemorySpanExporter, RunningServer], traced_client: LedgerdClient
) -> None:
    tracing, exporter, _ = traced
    ledger = await create_ledger(traced_client, "Read")
    exporter.clear()
    await traced_client.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=ledger.id))
    spans = finished(tracing, exporter)
    [get] = call_spans(spans, "/ledgerd.v1.LedgerService/GetLedger")
    statements = sql_children(spans, get)
    assert statements and all(s.context.trace_id == get.context.trace_id for s in statements)


@pytest.fixture
def error_lines() -> Iterator[io.StringIO]:
    """What the errors module logs, formatted by the handler ledgerd's processes use."""
    output = io.StringIO()
    handler = json_handler()
    handler.setStream(output)  # type: ignore[attr-defined]
    logger = logging.getLogger(ERRORS_LOGGER)
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield output
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def logged(output: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.getvalue().splitlines()]


async def test_a_refused_call_answers_its_trace_id_as_request_id_and_logs_it(
    traced: tuple[Tracing, InMemorySpanExporter, RunningServer], traced_client: LedgerdClient, error_lines: io.StringIO
) -> None:
    tracing, exporter, _ = traced
    exporter.clear()
    # A caller's W3C trace context is continued: its trace id becomes the request id.
    caller_trace = uuid.uuid4().hex
    traceparent = f"00-{caller_trace}-{uuid.uuid4().hex[:16]}-01"
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await traced_client.ledgers.GetLedger(
            ledger_pb2.GetLedgerRequest(id=str(uuid.uuid4())), metadata=(("traceparent", traceparent),)
        )
    details = error_details(raised.value)
    assert (details.code, details.request_id) == (grpc.StatusCode.NOT_FOUND, caller_trace)
    [get] = await ended_call_spans(tracing, exporter, "/ledgerd.v1.LedgerService/GetLedger")
    assert trace.format_trace_id(get.context.trace_id) == caller_trace
    # (A server span's status stays unset for NOT_FOUND: the semantic conventions count it the caller's error.)
    assert (get.attributes or {})["rpc.grpc.status_code"] == grpc.StatusCode.NOT_FOUND.value[0]
    [line] = [line for line in logged(error_lines) if line.get("request_id") == caller_trace]
    assert line["message"] == "call refused"
    assert (line["level"], line["code"], line["reason"]) == ("INFO", "NOT_FOUND", "ERROR_REASON_LEDGER_NOT_FOUND")
    assert line["method"] == "/ledgerd.v1.LedgerService/GetLedger"


async def test_without_tracing_a_refused_call_still_has_a_request_id_in_answer_and_log(
    client: LedgerdClient, error_lines: io.StringIO
) -> None:
    ids = []
    for _ in range(2):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await client.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=str(uuid.uuid4())))
        ids.append(error_details(raised.value).request_id)
    assert all(HEX32.match(request_id) for request_id in ids) and ids[0] != ids[1]
    lines = logged(error_lines)
    for request_id in ids:
        [line] = [line for line in lines if line.get("request_id") == request_id]
        assert (line["message"], line["code"]) == ("call refused", "NOT_FOUND")


async def test_ledgerd_serve_logs_json_lines_that_carry_the_request_id(pool: asyncpg.Pool, database_url: str) -> None:
    _, key = await create_api_key(pool, f"logs-{uuid.uuid4()}")
    served = await Served.start("--address", "127.0.0.1:0", env={**os.environ, "DATABASE_URL": database_url})
    try:
        async with LedgerdClient(served.address, key) as client:
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await client.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=str(uuid.uuid4())))
        request_id = error_details(raised.value).request_id
        line = json.loads(await served.line('{"message": "call refused"'))
        assert (line["message"], line["code"], line["request_id"]) == ("call refused", "NOT_FOUND", request_id)
        assert set(line) >= {"time", "level", "logger", "process", "method"}
    finally:
        assert await served.stop() == 0, served.output()


async def test_ledgerd_serve_traces_when_the_environment_asks(pool: asyncpg.Pool, database_url: str) -> None:
    """The path the environment takes: `ledgerd serve` with OTEL_TRACES_EXPORTER=console prints its
    spans (flushed as it stops), the refused call's among them under its request id."""
    _, key = await create_api_key(pool, f"traces-{uuid.uuid4()}")
    environment = {**os.environ, "DATABASE_URL": database_url, "OTEL_TRACES_EXPORTER": "console"}
    served = await Served.start("--address", "127.0.0.1:0", env=environment)
    try:
        async with LedgerdClient(served.address, key) as client:
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await client.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=str(uuid.uuid4())))
    finally:
        assert await served.stop() == 0, served.output()
    request_id = error_details(raised.value).request_id
    output = served.output()
    assert '"name": "/ledgerd.v1.LedgerService/GetLedger"' in output
    assert f'"trace_id": "0x{request_id}"' in output
