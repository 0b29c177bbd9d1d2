"""The audit trail's record of one accepted call that changed something (docs/audit.md)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: uuid.UUID
    organization_id: uuid.UUID
    api_key_id: uuid.UUID | None  # None: recorded for what existed before the audit trail
    method: str  # the full gRPC method name, or the HTTP method and path
    resource_ids: tuple[uuid.UUID, ...]  # what the call created or changed
    created_at: datetime
