"""AuditService: the audit trail, read (docs/audit.md). Admin keys only (the roles table of the
authorization interceptor)."""

from __future__ import annotations

from typing import Any

from ledgerd.server.api import convert
from ledgerd.server.core.audit import AuditUseCases
from ledgerd.server.domain import limits
from ledgerd.server.domain.audit import AuditEvent
from ledgerd.server.domain.validation import Violations
from ledgerd.server.interceptors.authentication import current_organization
from ledgerd.v1 import audit_pb2 as pb
from ledgerd.v1 import audit_pb2_grpc


class AuditService(audit_pb2_grpc.AuditServiceServicer):
    def __init__(self, audit: AuditUseCases) -> None:
        self.audit = audit

    async def ListAuditEvents(self, request: pb.ListAuditEventsRequest, context: Any) -> pb.ListAuditEventsResponse:
        violations = Violations()
        page = convert.page_request(violations, request)
        api_key_id = violations.uuid("api_key_id", request.api_key_id, required=False)
        violations.text("method", request.method, limits.audit_method_length_max)
        violations.raise_if_any()
        result = await self.audit.list(
            current_organization(), page, api_key_id=api_key_id, method=request.method or None
        )
        return pb.ListAuditEventsResponse(
            audit_events=[_event(e) for e in result.items], next_page_token=result.next_page_token
        )


def _event(event: AuditEvent) -> pb.AuditEvent:
    return pb.AuditEvent(
        id=str(event.id),
        api_key_id=str(event.api_key_id) if event.api_key_id else "",
        method=event.method,
        resource_ids=[str(i) for i in event.resource_ids],
        created_at=convert.timestamp(event.created_at),
    )
