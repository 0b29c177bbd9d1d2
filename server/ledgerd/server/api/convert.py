"""Mechanical conversion between ledgerd.v1 messages and domain values (same field names on both
sides). Parsing collects every field violation before refusing a request."""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from ledgerd.server.core.currencies import resolve_exponent
from ledgerd.server.core.paging import PageRequest
from ledgerd.server.domain import limits
from ledgerd.server.domain.balances import (
    BalanceCondition,
    BalanceView,
    Direction,
    LedgerBalance,
    LedgerBalances,
    NormalBalance,
    Status,
)
from ledgerd.server.domain.holds import Hold, HoldDecision, HoldDeclineReason, HoldStatus
from ledgerd.server.domain.model import Ledger, LedgerAccount, LedgerEntry, LedgerTransaction, LedgerTransactionVersion
from ledgerd.server.domain.monitors import (
    AlertCondition,
    BalanceMonitor,
    BalanceMonitorAlert,
    MonitorField,
    MonitorOperator,
)
from ledgerd.server.domain.pagination import decode_page_token, page_scope
from ledgerd.server.domain.transactions import EntryRequest, check_entry_shape
from ledgerd.server.domain.validation import TIME_RANGE, Violations, time_in_range
from ledgerd.server.interceptors.authentication import current_organization
from ledgerd.v1 import common_pb2, hold_pb2, ledger_pb2, monitor_pb2, transaction_pb2

NORMAL_BALANCE_VALUES: dict[NormalBalance, common_pb2.NormalBalance] = {
    NormalBalance.CREDIT: common_pb2.NORMAL_BALANCE_CREDIT,
    NormalBalance.DEBIT: common_pb2.NORMAL_BALANCE_DEBIT,
}
DIRECTION_VALUES: dict[Direction, common_pb2.Direction] = {
    Direction.CREDIT: common_pb2.DIRECTION_CREDIT,
    Direction.DEBIT: common_pb2.DIRECTION_DEBIT,
}
STATUS_VALUES: dict[Status, common_pb2.LedgerTransactionStatus] = {
    Status.PENDING: common_pb2.LEDGER_TRANSACTION_STATUS_PENDING,
    Status.POSTED: common_pb2.LEDGER_TRANSACTION_STATUS_POSTED,
    Status.ARCHIVED: common_pb2.LEDGER_TRANSACTION_STATUS_ARCHIVED,
}
# Wire numbers to domain values, for parsing requests.
NORMAL_BALANCES: dict[int, NormalBalance] = {int(v): k for k, v in NORMAL_BALANCE_VALUES.items()}
DIRECTIONS: dict[int, Direction] = {int(v): k for k, v in DIRECTION_VALUES.items()}
STATUSES: dict[int, Status] = {int(v): k for k, v in STATUS_VALUES.items()}
CONDITION_FIELDS = {
    "pending_balance_amount": BalanceView.PENDING,
    "posted_balance_amount": BalanceView.POSTED,
    "available_balance_amount": BalanceView.AVAILABLE,
}


def fingerprint(method: str, request: Message) -> bytes:
    """What a request says, sans idempotency key: equal for a retry, different for another body."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField("idempotency_key")
    return hashlib.sha256(method.encode() + b"\0" + copy.SerializeToString(deterministic=True)).digest()


# --- to the wire -----------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    seconds, nanos = _epoch_time(value)
    return Timestamp(seconds=seconds, nanos=nanos)


@functools.lru_cache(maxsize=4096)
def _epoch_time(value: datetime) -> tuple[int, int]:
    """(seconds, nanos) since the epoch. Timestamp.FromDatetime goes through a time tuple and
    calendar.timegm, a measured tenth of the cost of rendering a hold; a batch's writes share one
    `now`, hence the cache."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    return delta.days * 86_400 + delta.seconds, delta.microseconds * 1_000


def balance(value: LedgerBalance) -> common_pb2.LedgerBalance:
    return common_pb2.LedgerBalance(
        credits=value.credits,
        debits=value.debits,
        amount=value.amount,
        currency=value.currency,
        currency_exponent=value.currency_exponent,
    )


def balances(value: LedgerBalances) -> common_pb2.LedgerBalances:
    return common_pb2.LedgerBalances(
        pending_balance=balance(value.pending_balance),
        posted_balance=balance(value.posted_balance),
        available_balance=balance(value.available_balance),
    )


def ledger(value: Ledger) -> ledger_pb2.Ledger:
    return ledger_pb2.Ledger(
        id=str(value.id),
        name=value.name,
        description=value.description,
        metadata=value.metadata,
        created_at=timestamp(value.created_at),
        updated_at=timestamp(value.updated_at),
    )


def balance_holder_fields(value: Any) -> dict[str, Any]:
    """The wire fields a ledger account and a category share (same names on both sides)."""
    return {
        "id": str(value.id),
        "ledger_id": str(value.ledger_id),
        "name": value.name,
        "description": value.description,
        "normal_balance": NORMAL_BALANCE_VALUES[value.normal_balance],
        "currency": value.currency,
        "currency_exponent": value.currency_exponent,
        "metadata": value.metadata,
        "balances": None if value.balances is None else balances(value.balances),
        "created_at": timestamp(value.created_at),
        "updated_at": timestamp(value.updated_at),
    }


def ledger_account(value: LedgerAccount) -> ledger_pb2.LedgerAccount:
    return ledger_pb2.LedgerAccount(**balance_holder_fields(value), lock_version=value.lock_version)


def ledger_entry(value: LedgerEntry) -> transaction_pb2.LedgerEntry:
    return transaction_pb2.LedgerEntry(
        id=str(value.id),
        ledger_transaction_id=str(value.ledger_transaction_id),
        ledger_account_id=str(value.ledger_account_id),
        direction=DIRECTION_VALUES[value.direction],
        amount=value.amount,
        status=STATUS_VALUES[value.status],
        effective_at=timestamp(value.effective_at),
        ledger_account_lock_version=value.ledger_account_lock_version,
        resulting_ledger_account_balances=balances(value.resulting_ledger_account_balances),
        metadata=value.metadata,
        ledger_account_currency=value.currency,
        ledger_account_currency_exponent=value.currency_exponent,
        created_at=timestamp(value.created_at),
        discarded_at=timestamp(value.discarded_at),
    )


def ledger_transaction(value: LedgerTransaction) -> transaction_pb2.LedgerTransaction:
    return transaction_pb2.LedgerTransaction(
        id=str(value.id),
        ledger_id=str(value.ledger_id),
        description=value.description,
        status=STATUS_VALUES[value.status],
        external_id=value.external_id or "",
        effective_at=timestamp(value.effective_at),
        posted_at=timestamp(value.posted_at),
        metadata=value.metadata,
        ledger_entries=[ledger_entry(e) for e in value.ledger_entries],
        created_at=timestamp(value.created_at),
        updated_at=timestamp(value.updated_at),
        reverses_ledger_transaction_id=str(value.reverses_ledger_transaction_id or ""),
        reversed_by_ledger_transaction_id=str(value.reversed_by_ledger_transaction_id or ""),
        partially_posts_ledger_transaction_id=str(value.partially_posts_ledger_transaction_id or ""),
        ledgerable_type=value.ledgerable_type or "",
        ledgerable_id=str(value.ledgerable_id or ""),
    )


def ledger_transaction_version(value: LedgerTransactionVersion) -> transaction_pb2.LedgerTransactionVersion:
    return transaction_pb2.LedgerTransactionVersion(
        ledger_transaction_id=str(value.ledger_transaction.id),
        version=value.version,
        ledger_transaction=ledger_transaction(value.ledger_transaction),
        created_at=timestamp(value.created_at),
    )


# --- from the wire ---------------------------------------------------------------------------


# What a Timestamp may hold (its own documented range, which Python's datetime shares).
TIMESTAMP_SECONDS_MIN = -62_135_596_800  # 0001-01-01T00:00:00Z
TIMESTAMP_SECONDS_MAX = 253_402_300_799  # 9999-12-31T23:59:59Z


def optional_datetime(violations: Violations, message: Message, field: str, *, stored: bool = False) -> datetime | None:
    """A time of the Timestamp range. One to be `stored` must lie strictly inside it: the database
    driver would write its two ends as -infinity and infinity (domain/validation.py TIME_RANGE);
    a time that only bounds a read may be either end."""
    if not message.HasField(field):
        return None
    value: Timestamp = getattr(message, field)
    if not TIMESTAMP_SECONDS_MIN <= value.seconds <= TIMESTAMP_SECONDS_MAX or not 0 <= value.nanos <= 999_999_999:
        violations.add(field, "must be a time from 0001-01-01 to 9999-12-31 (nanos 0 to 999999999)")
        return None
    parsed = value.ToDatetime(tzinfo=UTC)
    if stored and not time_in_range(parsed):
        violations.add(field, f"must be {TIME_RANGE}")
        return None
    return parsed


def page_request(violations: Violations, request: Any) -> PageRequest:
    """The page a list request asks for. Its token must have been issued by the same list, for the
    same organization and filters (domain/pagination.py)."""
    size = violations.page_size("page_size", request.page_size)
    filters = type(request)()
    filters.CopyFrom(request)
    filters.ClearField("page_size")
    filters.ClearField("page_token")
    scope = page_scope(
        request.DESCRIPTOR.full_name, current_organization(), filters.SerializeToString(deterministic=True)
    )
    after = None
    if request.page_token:
        after = decode_page_token(request.page_token, scope)
        if after is None:
            violations.add(
                "page_token",
                "is not a token this list issued for this request: a token is bound to its list, "
                "its organization and its filters",
            )
    return PageRequest(after, size, scope)


def required_id(value: str, field: str = "id") -> uuid.UUID:
    """The one id a request names; INVALID_ARGUMENT when it is missing or not a UUID."""
    violations = Violations()
    parsed = violations.uuid(field, value)
    violations.raise_if_any()
    assert parsed is not None
    return parsed


def effective_at_range(violations: Violations, message: Message) -> dict[str, datetime | None]:
    """The effective_at_lower_bound / _upper_bound filters of a list request."""
    return {
        name: optional_datetime(violations, message, name)
        for name in ("effective_at_lower_bound", "effective_at_upper_bound")
    }


def optional_bounds(violations: Violations, message: Message, name: str) -> dict[str, int | None]:
    """The optional `{name}_lower_bound` (inclusive) / `{name}_upper_bound` (exclusive) integer
    filters of a list request: versions, never negative."""
    bounds: dict[str, int | None] = {}
    for field in (f"{name}_lower_bound", f"{name}_upper_bound"):
        value = getattr(message, field) if message.HasField(field) else None
        if value is not None and value < 0:
            violations.add(field, "must not be negative")
        bounds[field] = value
    return bounds


def direction(violations: Violations, field: str, value: int) -> Direction | None:
    parsed = DIRECTIONS.get(value)
    if parsed is None:
        violations.add(field, "must be DIRECTION_CREDIT or DIRECTION_DEBIT")
    return parsed


def normal_balance(violations: Violations, field: str, value: int) -> NormalBalance:
    if value not in NORMAL_BALANCES:
        violations.add(field, "must be NORMAL_BALANCE_CREDIT or NORMAL_BALANCE_DEBIT")
        return NormalBalance.CREDIT
    return NORMAL_BALANCES[value]


def status(violations: Violations, field: str, value: int, *, allowed: Sequence[Status]) -> Status | None:
    """None for UNSPECIFIED."""
    if value == common_pb2.LEDGER_TRANSACTION_STATUS_UNSPECIFIED:
        return None
    parsed = STATUSES.get(value)
    if parsed is None or parsed not in allowed:
        violations.add(field, "must be one of " + ", ".join(s.value for s in allowed))
        return None
    return parsed


def balance_condition(violations: Violations, field: str, message: common_pb2.BalanceCondition) -> BalanceCondition:
    condition = BalanceCondition(
        **{name: getattr(message, name) for name in ("gt", "gte", "lt", "lte", "eq") if message.HasField(name)}
    )
    return condition


def entry_requests(
    violations: Violations, field: str, messages: Sequence[transaction_pb2.LedgerEntryRequest]
) -> tuple[EntryRequest, ...]:
    entries = []
    directions: list[Direction | None] = []
    for index, message in enumerate(messages[: limits.entries_per_transaction_max + 1]):
        path = f"{field}[{index}]"
        account_id = violations.uuid(f"{path}.ledger_account_id", message.ledger_account_id)
        entry_direction = direction(violations, f"{path}.direction", message.direction)
        directions.append(entry_direction)
        violations.amount(f"{path}.amount", message.amount)
        if message.HasField("lock_version") and message.lock_version < 0:
            violations.add(f"{path}.lock_version", "must not be negative")
        if message.currency:
            violations.currency(f"{path}.currency", message.currency)
        violations.metadata(f"{path}.metadata", message.metadata)
        conditions = []
        for condition_field, view in CONDITION_FIELDS.items():
            if message.HasField(condition_field):
                condition = balance_condition(
                    violations, f"{path}.{condition_field}", getattr(message, condition_field)
                )
                if not condition.is_empty():
                    conditions.append((view, condition))
        if account_id is not None and entry_direction is not None:
            entries.append(
                EntryRequest(
                    ledger_account_id=account_id,
                    direction=entry_direction,
                    amount=message.amount,
                    lock_version=message.lock_version if message.HasField("lock_version") else None,
                    conditions=tuple(conditions),
                    metadata=dict(message.metadata),
                    currency=message.currency or None,
                )
            )
    if len(messages) > limits.entries_per_transaction_max:
        directions.append(None)  # stands for the entries not read: the count is what matters
    check_entry_shape(field, directions, violations)
    return tuple(entries)


def balance_holder_shape(violations: Violations, message: Any) -> tuple[uuid.UUID | None, NormalBalance, int]:
    """(ledger_id, normal_balance, currency_exponent) of a request creating a ledger account or a
    category, with their common fields checked."""
    ledger_id = violations.uuid("ledger_id", message.ledger_id)
    common_fields(violations, message, name_required=True)
    parsed_normal_balance = normal_balance(violations, "normal_balance", message.normal_balance)
    exponent = 0
    if violations.currency("currency", message.currency):
        given = message.currency_exponent if message.HasField("currency_exponent") else None
        exponent = resolve_exponent(message.currency, given, violations)
    return ledger_id, parsed_normal_balance, exponent


def common_fields(violations: Violations, message: Any, *, name_required: bool | None = None) -> None:
    """The free-text fields most requests share: name, description, metadata, idempotency key."""
    fields = {f.name for f in message.DESCRIPTOR.fields}
    if "name" in fields and name_required is not None:
        violations.text("name", message.name, limits.name_length_max, required=name_required)
    if "description" in fields:
        violations.text("description", message.description, limits.description_length_max)
    if "metadata" in fields:
        violations.metadata("metadata", message.metadata)
    if "external_id" in fields:
        violations.text("external_id", message.external_id, limits.external_id_length_max)
    if "idempotency_key" in fields:
        violations.text("idempotency_key", message.idempotency_key, limits.idempotency_key_length_max)


# --- holds -----------------------------------------------------------------------------------

HOLD_STATUS_VALUES: dict[HoldStatus, hold_pb2.HoldStatus] = {
    HoldStatus.PENDING: hold_pb2.HOLD_STATUS_PENDING,
    HoldStatus.CAPTURED: hold_pb2.HOLD_STATUS_CAPTURED,
    HoldStatus.RELEASED: hold_pb2.HOLD_STATUS_RELEASED,
    HoldStatus.EXPIRED: hold_pb2.HOLD_STATUS_EXPIRED,
}
HOLD_STATUSES: dict[int, HoldStatus] = {int(v): k for k, v in HOLD_STATUS_VALUES.items()}
HOLD_DECISION_VALUES: dict[HoldDecision, hold_pb2.HoldDecision] = {
    HoldDecision.APPROVED: hold_pb2.HOLD_DECISION_APPROVED,
    HoldDecision.DECLINED: hold_pb2.HOLD_DECISION_DECLINED,
}
DECLINE_REASON_VALUES: dict[HoldDeclineReason, hold_pb2.HoldDeclineReason] = {
    HoldDeclineReason.INSUFFICIENT_FUNDS: hold_pb2.HOLD_DECLINE_REASON_INSUFFICIENT_FUNDS,
}


def hold(value: Hold) -> hold_pb2.Hold:
    return hold_pb2.Hold(
        id=str(value.id),
        ledger_id=str(value.ledger_id),
        ledger_account_id=str(value.ledger_account_id),
        counter_ledger_account_id=str(value.counter_ledger_account_id),
        amount=value.amount,
        captured_amount=value.captured_amount,
        currency=value.currency,
        status=HOLD_STATUS_VALUES[value.status],
        external_id=value.external_id or "",
        expires_at=timestamp(value.expires_at),
        ledger_transaction_id=str(value.ledger_transaction_id),
        metadata=value.metadata,
        created_at=timestamp(value.created_at),
        updated_at=timestamp(value.updated_at),
        available_balance_floor=value.available_balance_floor,
        capture_ledger_transaction_ids=[str(c) for c in value.capture_ledger_transaction_ids],
    )


def hold_status(violations: Violations, field: str, value: int) -> HoldStatus | None:
    """None for UNSPECIFIED."""
    if value == hold_pb2.HOLD_STATUS_UNSPECIFIED:
        return None
    parsed = HOLD_STATUSES.get(value)
    if parsed is None:
        violations.add(field, "is not a HoldStatus")
    return parsed


# --- balance monitors --------------------------------------------------------------------------

MONITOR_FIELD_VALUES: dict[MonitorField, monitor_pb2.BalanceMonitorField] = {
    MonitorField.AVAILABLE_BALANCE_AMOUNT: monitor_pb2.BALANCE_MONITOR_FIELD_AVAILABLE_BALANCE_AMOUNT,
    MonitorField.PENDING_BALANCE_AMOUNT: monitor_pb2.BALANCE_MONITOR_FIELD_PENDING_BALANCE_AMOUNT,
    MonitorField.POSTED_BALANCE_AMOUNT: monitor_pb2.BALANCE_MONITOR_FIELD_POSTED_BALANCE_AMOUNT,
    MonitorField.LEDGER_ACCOUNT_LOCK_VERSION: monitor_pb2.BALANCE_MONITOR_FIELD_LEDGER_ACCOUNT_LOCK_VERSION,
}
MONITOR_OPERATOR_VALUES: dict[MonitorOperator, monitor_pb2.BalanceMonitorOperator] = {
    MonitorOperator.LESS_THAN: monitor_pb2.BALANCE_MONITOR_OPERATOR_LESS_THAN,
    MonitorOperator.LESS_THAN_OR_EQUALS: monitor_pb2.BALANCE_MONITOR_OPERATOR_LESS_THAN_OR_EQUALS,
    MonitorOperator.EQUALS: monitor_pb2.BALANCE_MONITOR_OPERATOR_EQUALS,
    MonitorOperator.GREATER_THAN_OR_EQUALS: monitor_pb2.BALANCE_MONITOR_OPERATOR_GREATER_THAN_OR_EQUALS,
    MonitorOperator.GREATER_THAN: monitor_pb2.BALANCE_MONITOR_OPERATOR_GREATER_THAN,
}
MONITOR_FIELDS = {int(v): k for k, v in MONITOR_FIELD_VALUES.items()}
MONITOR_OPERATORS = {int(v): k for k, v in MONITOR_OPERATOR_VALUES.items()}


def balance_monitor(value: BalanceMonitor) -> monitor_pb2.LedgerAccountBalanceMonitor:
    condition = value.alert_condition
    return monitor_pb2.LedgerAccountBalanceMonitor(
        id=str(value.id),
        ledger_account_id=str(value.ledger_account_id),
        alert_condition=monitor_pb2.BalanceMonitorCondition(
            field=MONITOR_FIELD_VALUES[condition.field],
            operator=MONITOR_OPERATOR_VALUES[condition.operator],
            value=condition.value,
        ),
        description=value.description,
        metadata=value.metadata,
        triggered=value.triggered,
        ledger_account_lock_version=value.ledger_account_lock_version,
        created_at=timestamp(value.created_at),
        updated_at=timestamp(value.updated_at),
    )


def balance_monitor_alert(value: BalanceMonitorAlert) -> monitor_pb2.LedgerAccountBalanceMonitorAlert:
    return monitor_pb2.LedgerAccountBalanceMonitorAlert(
        id=str(value.id),
        ledger_account_balance_monitor_id=str(value.ledger_account_balance_monitor_id),
        ledger_account_id=str(value.ledger_account_id),
        triggered=value.triggered,
        ledger_account_lock_version=value.ledger_account_lock_version,
        balances=balances(value.balances),
        created_at=timestamp(value.created_at),
    )


def alert_condition(
    violations: Violations, field: str, message: monitor_pb2.BalanceMonitorCondition
) -> AlertCondition | None:
    monitored = MONITOR_FIELDS.get(message.field)
    if monitored is None:
        violations.add(f"{field}.field", "is required: one of the BalanceMonitorField values")
    operator = MONITOR_OPERATORS.get(message.operator)
    if operator is None:
        violations.add(f"{field}.operator", "is required: one of the BalanceMonitorOperator values")
    if monitored is None or operator is None:
        return None
    return AlertCondition(monitored, operator, message.value)
