"""A typed async client for ledgerd: one channel, the API key on every call, and the error details
(ErrorInfo reason, field violations) decoded from a failed call.

    async with LedgerdClient("127.0.0.1:50051", api_key) as client:
        response = await client.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="Wallets"))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import grpc
from google.rpc import error_details_pb2, status_pb2

from ledgerd.v1 import balance_pb2_grpc, hold_pb2_grpc, ledger_pb2_grpc, transaction_pb2_grpc

ERROR_DOMAIN = "ledgerd.v1"


class _Bearer(
    grpc.aio.UnaryUnaryClientInterceptor,
    grpc.aio.UnaryStreamClientInterceptor,
    grpc.aio.StreamUnaryClientInterceptor,
    grpc.aio.StreamStreamClientInterceptor,
):
    """Adds `authorization: Bearer <key>` to every call."""

    def __init__(self, api_key: str) -> None:
        self.header = ("authorization", f"Bearer {api_key}")

    def _details(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        metadata.add(*self.header)
        return grpc.aio.ClientCallDetails(
            details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
        )

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)

    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)

    async def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(self._details(details), requests)

    async def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(self._details(details), requests)


class LedgerdClient:
    """The services of one ledgerd server, called as one organization (its API key)."""

    def __init__(self, target: str, api_key: str, *, options: Sequence[tuple[str, Any]] = ()) -> None:
        self.channel = grpc.aio.insecure_channel(target, options=list(options), interceptors=[_Bearer(api_key)])
        self.ledgers = ledger_pb2_grpc.LedgerServiceStub(self.channel)
        self.transactions = transaction_pb2_grpc.TransactionServiceStub(self.channel)
        self.balances = balance_pb2_grpc.BalanceServiceStub(self.channel)
        self.holds = hold_pb2_grpc.HoldServiceStub(self.channel)

    async def close(self) -> None:
        await self.channel.close()

    async def __aenter__(self) -> LedgerdClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()


@dataclass(frozen=True)
class ErrorDetails:
    """What ledgerd says about a failed call."""

    code: grpc.StatusCode
    message: str
    reason: str  # an ErrorReason name, such as "ERROR_REASON_UNBALANCED_ENTRIES"
    metadata: dict[str, str] = field(default_factory=dict)
    # (field path, description) of every offending field of an INVALID_ARGUMENT.
    field_violations: tuple[tuple[str, str], ...] = ()


def error_details(error: grpc.aio.AioRpcError) -> ErrorDetails:
    reason, metadata, violations = "", {}, []
    for key, value in error.trailing_metadata() or ():
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            info, bad_request = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
            if detail.Unpack(info) and info.domain == ERROR_DOMAIN:
                reason, metadata = info.reason, dict(info.metadata)
            elif detail.Unpack(bad_request):
                violations += [(v.field, v.description) for v in bad_request.field_violations]
    return ErrorDetails(error.code(), error.details() or "", reason, metadata, tuple(violations))
