"""OpenTelemetry traces, off unless the environment asks for them (docs/operations.md, "Traces"):
`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` set, or `OTEL_TRACES_EXPORTER`
set to `otlp` or `console`; `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` keeps them off.

When on: a span for every gRPC call (opentelemetry-instrumentation-grpc's asyncio server
interceptor, which also continues a caller's W3C `traceparent`), for every SQL statement
(opentelemetry-instrumentation-asyncpg) and for every write batch (core/coalescer.py), which is a
trace of its own linked to the calls it carried. Spans leave in batches (the SDK's
BatchSpanProcessor) through the OTLP exporter, which reads the rest of the usual OTEL_ variables.
When off, nothing is installed: no interceptor, no patched asyncpg method, no span object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import grpc
from opentelemetry import trace
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.grpc import aio_server_interceptor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
SERVICE = "ledgerd"
TRACER_NAME = "ledgerd.server"


def exporter_named(environment: Mapping[str, str]) -> str | None:
    """ "otlp", "console", or None (tracing off), as the environment says."""
    if environment.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    named = environment.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if named in ("otlp", "console"):
        return named
    if named == "" and any(environment.get(variable) for variable in ENDPOINT_VARIABLES):
        return "otlp"
    return None


@dataclass(frozen=True)
class Tracing:
    provider: TracerProvider

    def tracer(self) -> trace.Tracer:
        return self.provider.get_tracer(TRACER_NAME)

    def server_interceptor(self) -> grpc.aio.ServerInterceptor:
        interceptor: grpc.aio.ServerInterceptor = aio_server_interceptor(tracer_provider=self.provider)
        return interceptor

    def flush(self) -> None:
        self.provider.force_flush()

    def stop(self) -> None:
        """Exports what is left and removes the SQL instrumentation."""
        AsyncPGInstrumentor().uninstrument()
        self.provider.shutdown()


def start_tracing(exporter: SpanExporter) -> Tracing:
    """Traces from now on to `exporter`: SQL statements of every asyncpg connection of the process
    at once; calls and batches of the servers given the returned Tracing (app.start_server).
    The service is named `ledgerd` unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say else."""
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: SERVICE}))
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    AsyncPGInstrumentor().instrument(tracer_provider=provider)
    return Tracing(provider)


def tracing_from_environment(environment: Mapping[str, str] = os.environ) -> Tracing | None:
    named = exporter_named(environment)
    if named is None:
        return None
    if named == "console":
        return start_tracing(ConsoleSpanExporter())
    # Imported only when used: the OTLP exporter brings its own gRPC client machinery.
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    return start_tracing(OTLPSpanExporter())
