"""Domain errors: what went wrong, in Modern Treasury's words (docs/modern-treasury.md). The wire mapping lives in
ledgerd.server.interceptors.errors, the only place that knows gRPC codes."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from ledgerd.server.domain import limits


class ErrorReason(enum.Enum):
    """Mirrors ledgerd.v1.ErrorReason by name (a unit test keeps the two equal)."""

    INVALID_ARGUMENT = "ERROR_REASON_INVALID_ARGUMENT"
    UNBALANCED_ENTRIES = "ERROR_REASON_UNBALANCED_ENTRIES"
    TEMPLATE_PATH_MISSING = "ERROR_REASON_TEMPLATE_PATH_MISSING"
    TEMPLATE_AMOUNT_INVALID = "ERROR_REASON_TEMPLATE_AMOUNT_INVALID"
    TEMPLATE_VALUE_INVALID = "ERROR_REASON_TEMPLATE_VALUE_INVALID"
    UNAUTHENTICATED = "ERROR_REASON_UNAUTHENTICATED"
    LEDGER_NOT_FOUND = "ERROR_REASON_LEDGER_NOT_FOUND"
    LEDGER_ACCOUNT_NOT_FOUND = "ERROR_REASON_LEDGER_ACCOUNT_NOT_FOUND"
    LEDGER_TRANSACTION_NOT_FOUND = "ERROR_REASON_LEDGER_TRANSACTION_NOT_FOUND"
    LEDGER_ENTRY_NOT_FOUND = "ERROR_REASON_LEDGER_ENTRY_NOT_FOUND"
    HOLD_NOT_FOUND = "ERROR_REASON_HOLD_NOT_FOUND"
    LEDGER_EVENT_HANDLER_NOT_FOUND = "ERROR_REASON_LEDGER_EVENT_HANDLER_NOT_FOUND"
    LEDGERABLE_EVENT_NOT_FOUND = "ERROR_REASON_LEDGERABLE_EVENT_NOT_FOUND"
    LEDGER_MISMATCH = "ERROR_REASON_LEDGER_MISMATCH"
    CURRENCY_MISMATCH = "ERROR_REASON_CURRENCY_MISMATCH"
    INVALID_STATUS_TRANSITION = "ERROR_REASON_INVALID_STATUS_TRANSITION"
    LEDGER_TRANSACTION_IMMUTABLE = "ERROR_REASON_LEDGER_TRANSACTION_IMMUTABLE"
    BALANCE_CONDITION_FAILED = "ERROR_REASON_BALANCE_CONDITION_FAILED"
    BALANCE_OVERFLOW = "ERROR_REASON_BALANCE_OVERFLOW"
    REVERSAL_NOT_ALLOWED = "ERROR_REASON_REVERSAL_NOT_ALLOWED"
    ALREADY_REVERSED = "ERROR_REASON_ALREADY_REVERSED"
    HOLD_NOT_PENDING = "ERROR_REASON_HOLD_NOT_PENDING"
    RELEASE_EXCEEDS_HOLD = "ERROR_REASON_RELEASE_EXCEEDS_HOLD"
    LEDGER_TRANSACTION_HELD = "ERROR_REASON_LEDGER_TRANSACTION_HELD"
    NO_LEDGER_EVENT_HANDLER_MATCHED = "ERROR_REASON_NO_LEDGER_EVENT_HANDLER_MATCHED"
    LEDGER_EVENT_HANDLERS_AMBIGUOUS = "ERROR_REASON_LEDGER_EVENT_HANDLERS_AMBIGUOUS"
    LEDGER_EVENT_HANDLER_CONDITIONS_OVERLAP = "ERROR_REASON_LEDGER_EVENT_HANDLER_CONDITIONS_OVERLAP"
    LEDGER_EVENT_VARIABLE_NO_ACCOUNT = "ERROR_REASON_LEDGER_EVENT_VARIABLE_NO_ACCOUNT"
    LEDGER_EVENT_VARIABLE_MANY_ACCOUNTS = "ERROR_REASON_LEDGER_EVENT_VARIABLE_MANY_ACCOUNTS"
    LOCK_VERSION_MISMATCH = "ERROR_REASON_LOCK_VERSION_MISMATCH"
    PARTIAL_POST_MISMATCH = "ERROR_REASON_PARTIAL_POST_MISMATCH"
    BALANCE_MONITOR_NOT_FOUND = "ERROR_REASON_BALANCE_MONITOR_NOT_FOUND"
    BALANCE_MONITORS_PER_ACCOUNT_EXCEEDED = "ERROR_REASON_BALANCE_MONITORS_PER_ACCOUNT_EXCEEDED"
    IDEMPOTENCY_KEY_REUSED = "ERROR_REASON_IDEMPOTENCY_KEY_REUSED"
    EXTERNAL_ID_ALREADY_EXISTS = "ERROR_REASON_EXTERNAL_ID_ALREADY_EXISTS"
    HOLD_EXTERNAL_ID_ALREADY_EXISTS = "ERROR_REASON_HOLD_EXTERNAL_ID_ALREADY_EXISTS"
    DATABASE_UNAVAILABLE = "ERROR_REASON_DATABASE_UNAVAILABLE"
    OVERLOADED = "ERROR_REASON_OVERLOADED"
    SHUTTING_DOWN = "ERROR_REASON_SHUTTING_DOWN"
    INTERNAL = "ERROR_REASON_INTERNAL"
    LEDGER_ACCOUNT_CATEGORY_NOT_FOUND = "ERROR_REASON_LEDGER_ACCOUNT_CATEGORY_NOT_FOUND"
    CATEGORY_CYCLE = "ERROR_REASON_CATEGORY_CYCLE"
    CATEGORY_MEMBER_COUNTED_TWICE = "ERROR_REASON_CATEGORY_MEMBER_COUNTED_TWICE"
    CATEGORY_DEPTH_EXCEEDED = "ERROR_REASON_CATEGORY_DEPTH_EXCEEDED"
    CATEGORY_TOO_LARGE = "ERROR_REASON_CATEGORY_TOO_LARGE"
    LOCK_VERSION_OUT_OF_RANGE = "ERROR_REASON_LOCK_VERSION_OUT_OF_RANGE"
    STATEMENT_TOO_LARGE = "ERROR_REASON_STATEMENT_TOO_LARGE"
    API_KEY_ROLE_FORBIDS_METHOD = "ERROR_REASON_API_KEY_ROLE_FORBIDS_METHOD"
    LEDGER_OUTSIDE_API_KEY_SCOPE = "ERROR_REASON_LEDGER_OUTSIDE_API_KEY_SCOPE"


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class LedgerError(Exception):
    """Base of every refusal. Subclasses name the kind (docs/api.md, "Errors")."""

    def __init__(self, reason: ErrorReason, message: str, metadata: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.metadata = metadata or {}


class InvalidArgument(LedgerError):
    """The request is malformed; `violations` lists every offending field, up to
    field_violations_max: the rest are counted (metadata `field_violations_left_out`), so that the
    error's details stay within what a client accepts as trailers (gRPC's default is 8 KiB)."""

    def __init__(
        self,
        violations: Sequence[FieldViolation],
        reason: ErrorReason = ErrorReason.INVALID_ARGUMENT,
        message: str | None = None,
    ) -> None:
        self.violations = tuple(violations[: limits.field_violations_max])
        self.violations_left_out = len(violations) - len(self.violations)
        summary = message or "; ".join(f"{v.field}: {v.description}" for v in self.violations)
        metadata = {}
        if self.violations_left_out:
            summary += f"; and {self.violations_left_out} more field violations (field_violations_max)"
            metadata["field_violations_left_out"] = str(self.violations_left_out)
        super().__init__(reason, summary, metadata)


class NotFound(LedgerError):
    """Unknown, or another organization's: the answer never tells which."""


class FailedPrecondition(LedgerError):
    """The request is well formed but the current state forbids it."""


class OutOfRange(LedgerError):
    """Past the valid range now, though it may become valid as the state moves (a version not yet reached)."""


class Aborted(LedgerError):
    """An optimistic check failed: re-read and decide again."""


class AlreadyExists(LedgerError):
    """A key already names another request's result."""


class Unauthenticated(LedgerError):
    def __init__(self, message: str) -> None:
        super().__init__(ErrorReason.UNAUTHENTICATED, message)


class PermissionDenied(LedgerError):
    """The key is genuine but its role or its ledgers do not cover the call (docs/security.md)."""


class Unavailable(LedgerError):
    """The database cannot be reached; safe to retry with the same idempotency key."""


class ResourceExhausted(LedgerError):
    """The server is at capacity; safe to retry later."""


class InvariantViolation(LedgerError):
    """A programmer error: an assertion of an invariant failed. The database transaction rolls back."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorReason.INTERNAL, message)


def invariant(condition: bool, message: str) -> None:
    """Asserts an invariant in production too (unlike `assert`, which -O strips)."""
    if not condition:
        raise InvariantViolation(message)
