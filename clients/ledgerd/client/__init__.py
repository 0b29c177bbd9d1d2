"""An async client for ledgerd: one channel, the API key on every call, and the error details
(ErrorInfo reason, field violations) decoded from a failed call. Requests and responses are the
typed messages of ledgerd.v1, and each service is its typed asyncio stub (the generated
`_pb2_grpc.pyi`), so mypy checks the requests a caller builds and the responses it reads.

    async with LedgerdClient("127.0.0.1:50051", api_key) as client:
        response = await client.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="Wallets"))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar, cast

import grpc
from google.rpc import error_details_pb2, status_pb2

from ledgerd.v1 import (
    audit_pb2_grpc,
    balance_pb2_grpc,
    event_pb2_grpc,
    hold_pb2_grpc,
    ledger_pb2_grpc,
    monitor_pb2_grpc,
    transaction_pb2_grpc,
)

ERROR_DOMAIN = "ledgerd.v1"
REQUEST_ID_METADATA = "x-request-id"


_Stub = TypeVar("_Stub")


class _Authorized:
    """A stub whose every call carries `authorization: Bearer <key>`. (Metadata is added per call:
    grpc.aio client interceptors break client-streaming calls such as PlaceHolds.)"""

    def __init__(self, stub: Any, api_key: str) -> None:
        self._stub = stub
        self._header = ("authorization", f"Bearer {api_key}")

    def __getattr__(self, method: str) -> Any:
        call = getattr(self._stub, method)

        def authorized(request: Any, *, metadata: Sequence[tuple[str, str]] = (), **options: Any) -> Any:
            return call(request, metadata=(*metadata, self._header), **options)

        return authorized


def authorized(stub: _Stub, api_key: str) -> _Stub:
    """The stub as its type says, every call of it carrying the key: each method takes the same
    arguments and returns the same call, metadata merely extended."""
    return cast(_Stub, _Authorized(stub, api_key))


class LedgerdClient:
    """The services of one ledgerd server, called as one organization (its API key)."""

    def __init__(
        self,
        target: str,
        api_key: str,
        *,
        options: Sequence[tuple[str, Any]] = (),
        tls: bool = False,
        root_certificates: bytes | None = None,
        certificate_chain: bytes | None = None,
        private_key: bytes | None = None,
    ) -> None:
        """TLS when `tls` or any certificate is given (PEM bytes): `root_certificates` to trust
        (default: the system's), and for a server that asks for client certificates (mTLS) the
        client's `certificate_chain` and `private_key`. Plaintext otherwise."""
        if tls or root_certificates or certificate_chain or private_key:
            credentials = grpc.ssl_channel_credentials(root_certificates, private_key, certificate_chain)
            self.channel = grpc.aio.secure_channel(target, credentials, options=list(options))
        else:
            self.channel = grpc.aio.insecure_channel(target, options=list(options))
        self.ledgers = authorized(ledger_pb2_grpc.LedgerServiceStub(self.channel), api_key)
        self.transactions = authorized(transaction_pb2_grpc.TransactionServiceStub(self.channel), api_key)
        self.balances = authorized(balance_pb2_grpc.BalanceServiceStub(self.channel), api_key)
        self.holds = authorized(hold_pb2_grpc.HoldServiceStub(self.channel), api_key)
        self.monitors = authorized(monitor_pb2_grpc.BalanceMonitorServiceStub(self.channel), api_key)
        self.events = authorized(event_pb2_grpc.EventServiceStub(self.channel), api_key)
        self.audit = authorized(audit_pb2_grpc.AuditServiceStub(self.channel), api_key)

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
    # The server's id of the call (`x-request-id`): its log lines carry it, and with tracing on it
    # is the call's trace id.
    request_id: str = ""
    # How long to wait before retrying (a RetryInfo, sent with UNAVAILABLE and RESOURCE_EXHAUSTED).
    retry_delay_seconds: float | None = None


def error_details(error: grpc.aio.AioRpcError) -> ErrorDetails:
    reason, metadata, violations, request_id = "", {}, [], ""
    retry_delay_seconds: float | None = None
    for key, value in error.trailing_metadata() or ():
        if key == REQUEST_ID_METADATA:
            request_id = str(value)
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            info, bad_request = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
            retry = error_details_pb2.RetryInfo()
            if detail.Unpack(info) and info.domain == ERROR_DOMAIN:
                reason, metadata = info.reason, dict(info.metadata)
            elif detail.Unpack(bad_request):
                violations += [(v.field, v.description) for v in bad_request.field_violations]
            elif detail.Unpack(retry):
                retry_delay_seconds = retry.retry_delay.ToTimedelta().total_seconds()
    return ErrorDetails(
        error.code(), error.details() or "", reason, metadata, tuple(violations), request_id, retry_delay_seconds
    )
