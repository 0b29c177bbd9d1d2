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
    # The ledger of what it changed (every row names its ledger: docs/scaling.md); None for an
    # event recorded before events named their ledger (migration 0014).
    ledger_id: uuid.UUID | None
