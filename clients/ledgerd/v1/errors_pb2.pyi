from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_REASON_UNSPECIFIED: _ClassVar[ErrorReason]
    ERROR_REASON_INVALID_ARGUMENT: _ClassVar[ErrorReason]
    ERROR_REASON_UNBALANCED_ENTRIES: _ClassVar[ErrorReason]
    ERROR_REASON_TEMPLATE_PATH_MISSING: _ClassVar[ErrorReason]
    ERROR_REASON_TEMPLATE_AMOUNT_INVALID: _ClassVar[ErrorReason]
    ERROR_REASON_TEMPLATE_VALUE_INVALID: _ClassVar[ErrorReason]
    ERROR_REASON_UNAUTHENTICATED: _ClassVar[ErrorReason]
    ERROR_REASON_LEDGER_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_LEDGER_ACCOUNT_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_LEDGER_TRANSACTION_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_LEDGER_ENTRY_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_HOLD_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_BALANCE_MONITOR_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_LEDGER_EVENT_HANDLER_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_LEDGERABLE_EVENT_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_LEDGER_MISMATCH: _ClassVar[ErrorReason]
    ERROR_REASON_CURRENCY_MISMATCH: _ClassVar[ErrorReason]
    ERROR_REASON_INVALID_STATUS_TRANSITION: _ClassVar[ErrorReason]
    ERROR_REASON_LEDGER_TRANSACTION_IMMUTABLE: _ClassVar[ErrorReason]
    ERROR_REASON_BALANCE_CONDITION_FAILED: _ClassVar[ErrorReason]
    ERROR_REASON_BALANCE_OVERFLOW: _ClassVar[ErrorReason]
    ERROR_REASON_REVERSAL_NOT_ALLOWED: _ClassVar[ErrorReason]
    ERROR_REASON_ALREADY_REVERSED: _ClassVar[ErrorReason]
    ERROR_REASON_HOLD_NOT_PENDING: _ClassVar[ErrorReason]
    ERROR_REASON_RELEASE_EXCEEDS_HOLD: _ClassVar[ErrorReason]
    ERROR_REASON_LEDGER_TRANSACTION_HELD: _ClassVar[ErrorReason]
    ERROR_REASON_PARTIAL_POST_MISMATCH: _ClassVar[ErrorReason]
    ERROR_REASON_BALANCE_MONITORS_PER_ACCOUNT_EXCEEDED: _ClassVar[ErrorReason]
    ERROR_REASON_NO_LEDGER_EVENT_HANDLER_MATCHED: _ClassVar[ErrorReason]
    ERROR_REASON_LEDGER_EVENT_HANDLERS_AMBIGUOUS: _ClassVar[ErrorReason]
    ERROR_REASON_LEDGER_EVENT_HANDLER_CONDITIONS_OVERLAP: _ClassVar[ErrorReason]
    ERROR_REASON_LEDGER_EVENT_VARIABLE_NO_ACCOUNT: _ClassVar[ErrorReason]
    ERROR_REASON_LEDGER_EVENT_VARIABLE_MANY_ACCOUNTS: _ClassVar[ErrorReason]
    ERROR_REASON_HOLD_EXTERNAL_ID_ALREADY_EXISTS: _ClassVar[ErrorReason]
    ERROR_REASON_LOCK_VERSION_MISMATCH: _ClassVar[ErrorReason]
    ERROR_REASON_IDEMPOTENCY_KEY_REUSED: _ClassVar[ErrorReason]
    ERROR_REASON_EXTERNAL_ID_ALREADY_EXISTS: _ClassVar[ErrorReason]
    ERROR_REASON_DATABASE_UNAVAILABLE: _ClassVar[ErrorReason]
    ERROR_REASON_OVERLOADED: _ClassVar[ErrorReason]
    ERROR_REASON_INTERNAL: _ClassVar[ErrorReason]
    ERROR_REASON_LEDGER_ACCOUNT_CATEGORY_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_CATEGORY_CYCLE: _ClassVar[ErrorReason]
    ERROR_REASON_CATEGORY_MEMBER_COUNTED_TWICE: _ClassVar[ErrorReason]
    ERROR_REASON_CATEGORY_DEPTH_EXCEEDED: _ClassVar[ErrorReason]
    ERROR_REASON_CATEGORY_TOO_LARGE: _ClassVar[ErrorReason]
    ERROR_REASON_LOCK_VERSION_OUT_OF_RANGE: _ClassVar[ErrorReason]
    ERROR_REASON_STATEMENT_TOO_LARGE: _ClassVar[ErrorReason]
ERROR_REASON_UNSPECIFIED: ErrorReason
ERROR_REASON_INVALID_ARGUMENT: ErrorReason
ERROR_REASON_UNBALANCED_ENTRIES: ErrorReason
ERROR_REASON_TEMPLATE_PATH_MISSING: ErrorReason
ERROR_REASON_TEMPLATE_AMOUNT_INVALID: ErrorReason
ERROR_REASON_TEMPLATE_VALUE_INVALID: ErrorReason
ERROR_REASON_UNAUTHENTICATED: ErrorReason
ERROR_REASON_LEDGER_NOT_FOUND: ErrorReason
ERROR_REASON_LEDGER_ACCOUNT_NOT_FOUND: ErrorReason
ERROR_REASON_LEDGER_TRANSACTION_NOT_FOUND: ErrorReason
ERROR_REASON_LEDGER_ENTRY_NOT_FOUND: ErrorReason
ERROR_REASON_HOLD_NOT_FOUND: ErrorReason
ERROR_REASON_BALANCE_MONITOR_NOT_FOUND: ErrorReason
ERROR_REASON_LEDGER_EVENT_HANDLER_NOT_FOUND: ErrorReason
ERROR_REASON_LEDGERABLE_EVENT_NOT_FOUND: ErrorReason
ERROR_REASON_LEDGER_MISMATCH: ErrorReason
ERROR_REASON_CURRENCY_MISMATCH: ErrorReason
ERROR_REASON_INVALID_STATUS_TRANSITION: ErrorReason
ERROR_REASON_LEDGER_TRANSACTION_IMMUTABLE: ErrorReason
ERROR_REASON_BALANCE_CONDITION_FAILED: ErrorReason
ERROR_REASON_BALANCE_OVERFLOW: ErrorReason
ERROR_REASON_REVERSAL_NOT_ALLOWED: ErrorReason
ERROR_REASON_ALREADY_REVERSED: ErrorReason
ERROR_REASON_HOLD_NOT_PENDING: ErrorReason
ERROR_REASON_RELEASE_EXCEEDS_HOLD: ErrorReason
ERROR_REASON_LEDGER_TRANSACTION_HELD: ErrorReason
ERROR_REASON_PARTIAL_POST_MISMATCH: ErrorReason
ERROR_REASON_BALANCE_MONITORS_PER_ACCOUNT_EXCEEDED: ErrorReason
ERROR_REASON_NO_LEDGER_EVENT_HANDLER_MATCHED: ErrorReason
ERROR_REASON_LEDGER_EVENT_HANDLERS_AMBIGUOUS: ErrorReason
ERROR_REASON_LEDGER_EVENT_HANDLER_CONDITIONS_OVERLAP: ErrorReason
ERROR_REASON_LEDGER_EVENT_VARIABLE_NO_ACCOUNT: ErrorReason
ERROR_REASON_LEDGER_EVENT_VARIABLE_MANY_ACCOUNTS: ErrorReason
ERROR_REASON_HOLD_EXTERNAL_ID_ALREADY_EXISTS: ErrorReason
ERROR_REASON_LOCK_VERSION_MISMATCH: ErrorReason
ERROR_REASON_IDEMPOTENCY_KEY_REUSED: ErrorReason
ERROR_REASON_EXTERNAL_ID_ALREADY_EXISTS: ErrorReason
ERROR_REASON_DATABASE_UNAVAILABLE: ErrorReason
ERROR_REASON_OVERLOADED: ErrorReason
ERROR_REASON_INTERNAL: ErrorReason
ERROR_REASON_LEDGER_ACCOUNT_CATEGORY_NOT_FOUND: ErrorReason
ERROR_REASON_CATEGORY_CYCLE: ErrorReason
ERROR_REASON_CATEGORY_MEMBER_COUNTED_TWICE: ErrorReason
ERROR_REASON_CATEGORY_DEPTH_EXCEEDED: ErrorReason
ERROR_REASON_CATEGORY_TOO_LARGE: ErrorReason
ERROR_REASON_LOCK_VERSION_OUT_OF_RANGE: ErrorReason
ERROR_REASON_STATEMENT_TOO_LARGE: ErrorReason

class ItemError(_message.Message):
    __slots__ = ("code", "reason", "message", "field_violations")
    CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FIELD_VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    code: int
    reason: ErrorReason
    message: str
    field_violations: _containers.RepeatedCompositeFieldContainer[FieldViolation]
    def __init__(self, code: _Optional[int] = ..., reason: _Optional[_Union[ErrorReason, str]] = ..., message: _Optional[str] = ..., field_violations: _Optional[_Iterable[_Union[FieldViolation, _Mapping]]] = ...) -> None: ...

class FieldViolation(_message.Message):
    __slots__ = ("field", "description")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    field: str
    description: str
    def __init__(self, field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...
