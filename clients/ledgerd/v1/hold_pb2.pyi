import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ledgerd.v1 import common_pb2 as _common_pb2
from ledgerd.v1 import errors_pb2 as _errors_pb2
from ledgerd.v1 import transaction_pb2 as _transaction_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class HoldStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HOLD_STATUS_UNSPECIFIED: _ClassVar[HoldStatus]
    HOLD_STATUS_PENDING: _ClassVar[HoldStatus]
    HOLD_STATUS_CAPTURED: _ClassVar[HoldStatus]
    HOLD_STATUS_RELEASED: _ClassVar[HoldStatus]
    HOLD_STATUS_EXPIRED: _ClassVar[HoldStatus]

class HoldDecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HOLD_DECISION_UNSPECIFIED: _ClassVar[HoldDecision]
    HOLD_DECISION_APPROVED: _ClassVar[HoldDecision]
    HOLD_DECISION_DECLINED: _ClassVar[HoldDecision]

class HoldDeclineReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HOLD_DECLINE_REASON_UNSPECIFIED: _ClassVar[HoldDeclineReason]
    HOLD_DECLINE_REASON_INSUFFICIENT_FUNDS: _ClassVar[HoldDeclineReason]
HOLD_STATUS_UNSPECIFIED: HoldStatus
HOLD_STATUS_PENDING: HoldStatus
HOLD_STATUS_CAPTURED: HoldStatus
HOLD_STATUS_RELEASED: HoldStatus
HOLD_STATUS_EXPIRED: HoldStatus
HOLD_DECISION_UNSPECIFIED: HoldDecision
HOLD_DECISION_APPROVED: HoldDecision
HOLD_DECISION_DECLINED: HoldDecision
HOLD_DECLINE_REASON_UNSPECIFIED: HoldDeclineReason
HOLD_DECLINE_REASON_INSUFFICIENT_FUNDS: HoldDeclineReason

class Hold(_message.Message):
    __slots__ = ("id", "ledger_id", "ledger_account_id", "counter_ledger_account_id", "amount", "captured_amount", "currency", "status", "external_id", "expires_at", "ledger_transaction_id", "metadata", "created_at", "updated_at", "available_balance_floor", "capture_ledger_transaction_ids")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTER_LEDGER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CAPTURED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    LEDGER_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_BALANCE_FLOOR_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_LEDGER_TRANSACTION_IDS_FIELD_NUMBER: _ClassVar[int]
    id: str
    ledger_id: str
    ledger_account_id: str
    counter_ledger_account_id: str
    amount: int
    captured_amount: int
    currency: str
    status: HoldStatus
    external_id: str
    expires_at: _timestamp_pb2.Timestamp
    ledger_transaction_id: str
    metadata: _containers.ScalarMap[str, str]
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    available_balance_floor: int
    capture_ledger_transaction_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., ledger_id: _Optional[str] = ..., ledger_account_id: _Optional[str] = ..., counter_ledger_account_id: _Optional[str] = ..., amount: _Optional[int] = ..., captured_amount: _Optional[int] = ..., currency: _Optional[str] = ..., status: _Optional[_Union[HoldStatus, str]] = ..., external_id: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ledger_transaction_id: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., available_balance_floor: _Optional[int] = ..., capture_ledger_transaction_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class PlaceHoldRequest(_message.Message):
    __slots__ = ("ledger_account_id", "counter_ledger_account_id", "amount", "currency", "external_id", "expires_at", "timeout_seconds", "allow_partial", "metadata", "idempotency_key", "available_balance_amount")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LEDGER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTER_LEDGER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ALLOW_PARTIAL_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_BALANCE_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    ledger_account_id: str
    counter_ledger_account_id: str
    amount: int
    currency: str
    external_id: str
    expires_at: _timestamp_pb2.Timestamp
    timeout_seconds: int
    allow_partial: bool
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    available_balance_amount: _common_pb2.BalanceCondition
    def __init__(self, ledger_account_id: _Optional[str] = ..., counter_ledger_account_id: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., external_id: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., timeout_seconds: _Optional[int] = ..., allow_partial: _Optional[bool] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ..., available_balance_amount: _Optional[_Union[_common_pb2.BalanceCondition, _Mapping]] = ...) -> None: ...

class PlaceHoldResponse(_message.Message):
    __slots__ = ("decision", "decline_reason", "hold", "available_balance", "idempotency_key", "external_id", "error")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    DECLINE_REASON_FIELD_NUMBER: _ClassVar[int]
    HOLD_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_BALANCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    decision: HoldDecision
    decline_reason: HoldDeclineReason
    hold: Hold
    available_balance: _common_pb2.LedgerBalance
    idempotency_key: str
    external_id: str
    error: _errors_pb2.ItemError
    def __init__(self, decision: _Optional[_Union[HoldDecision, str]] = ..., decline_reason: _Optional[_Union[HoldDeclineReason, str]] = ..., hold: _Optional[_Union[Hold, _Mapping]] = ..., available_balance: _Optional[_Union[_common_pb2.LedgerBalance, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., external_id: _Optional[str] = ..., error: _Optional[_Union[_errors_pb2.ItemError, _Mapping]] = ...) -> None: ...

class IncreaseHoldRequest(_message.Message):
    __slots__ = ("hold_id", "amount", "idempotency_key")
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    amount: int
    idempotency_key: str
    def __init__(self, hold_id: _Optional[str] = ..., amount: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class IncreaseHoldResponse(_message.Message):
    __slots__ = ("decision", "decline_reason", "hold", "available_balance")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    DECLINE_REASON_FIELD_NUMBER: _ClassVar[int]
    HOLD_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_BALANCE_FIELD_NUMBER: _ClassVar[int]
    decision: HoldDecision
    decline_reason: HoldDeclineReason
    hold: Hold
    available_balance: _common_pb2.LedgerBalance
    def __init__(self, decision: _Optional[_Union[HoldDecision, str]] = ..., decline_reason: _Optional[_Union[HoldDeclineReason, str]] = ..., hold: _Optional[_Union[Hold, _Mapping]] = ..., available_balance: _Optional[_Union[_common_pb2.LedgerBalance, _Mapping]] = ...) -> None: ...

class CaptureHoldRequest(_message.Message):
    __slots__ = ("hold_id", "amount", "final", "idempotency_key")
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    FINAL_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    amount: int
    final: bool
    idempotency_key: str
    def __init__(self, hold_id: _Optional[str] = ..., amount: _Optional[int] = ..., final: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CaptureHoldResponse(_message.Message):
    __slots__ = ("hold", "ledger_transaction")
    HOLD_FIELD_NUMBER: _ClassVar[int]
    LEDGER_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    hold: Hold
    ledger_transaction: _transaction_pb2.LedgerTransaction
    def __init__(self, hold: _Optional[_Union[Hold, _Mapping]] = ..., ledger_transaction: _Optional[_Union[_transaction_pb2.LedgerTransaction, _Mapping]] = ...) -> None: ...

class ReleaseHoldRequest(_message.Message):
    __slots__ = ("hold_id", "amount", "idempotency_key")
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    amount: int
    idempotency_key: str
    def __init__(self, hold_id: _Optional[str] = ..., amount: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ReleaseHoldResponse(_message.Message):
    __slots__ = ("hold",)
    HOLD_FIELD_NUMBER: _ClassVar[int]
    hold: Hold
    def __init__(self, hold: _Optional[_Union[Hold, _Mapping]] = ...) -> None: ...

class PlaceHoldBatchRequest(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[PlaceHoldRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[PlaceHoldRequest, _Mapping]]] = ...) -> None: ...

class PlaceHoldBatchResult(_message.Message):
    __slots__ = ("response", "error")
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    response: PlaceHoldResponse
    error: _errors_pb2.ItemError
    def __init__(self, response: _Optional[_Union[PlaceHoldResponse, _Mapping]] = ..., error: _Optional[_Union[_errors_pb2.ItemError, _Mapping]] = ...) -> None: ...

class PlaceHoldBatchResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[PlaceHoldBatchResult]
    def __init__(self, results: _Optional[_Iterable[_Union[PlaceHoldBatchResult, _Mapping]]] = ...) -> None: ...

class GetHoldRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetHoldResponse(_message.Message):
    __slots__ = ("hold",)
    HOLD_FIELD_NUMBER: _ClassVar[int]
    hold: Hold
    def __init__(self, hold: _Optional[_Union[Hold, _Mapping]] = ...) -> None: ...

class ListHoldsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "ledger_account_id", "status", "external_id", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    ledger_account_id: str
    status: HoldStatus
    external_id: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., ledger_account_id: _Optional[str] = ..., status: _Optional[_Union[HoldStatus, str]] = ..., external_id: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListHoldsResponse(_message.Message):
    __slots__ = ("holds", "next_page_token")
    HOLDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    holds: _containers.RepeatedCompositeFieldContainer[Hold]
    next_page_token: str
    def __init__(self, holds: _Optional[_Iterable[_Union[Hold, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
