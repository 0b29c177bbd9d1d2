import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ledgerd.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BalanceMonitorField(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BALANCE_MONITOR_FIELD_UNSPECIFIED: _ClassVar[BalanceMonitorField]
    BALANCE_MONITOR_FIELD_AVAILABLE_BALANCE_AMOUNT: _ClassVar[BalanceMonitorField]
    BALANCE_MONITOR_FIELD_PENDING_BALANCE_AMOUNT: _ClassVar[BalanceMonitorField]
    BALANCE_MONITOR_FIELD_POSTED_BALANCE_AMOUNT: _ClassVar[BalanceMonitorField]
    BALANCE_MONITOR_FIELD_LEDGER_ACCOUNT_LOCK_VERSION: _ClassVar[BalanceMonitorField]

class BalanceMonitorOperator(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BALANCE_MONITOR_OPERATOR_UNSPECIFIED: _ClassVar[BalanceMonitorOperator]
    BALANCE_MONITOR_OPERATOR_LESS_THAN: _ClassVar[BalanceMonitorOperator]
    BALANCE_MONITOR_OPERATOR_LESS_THAN_OR_EQUALS: _ClassVar[BalanceMonitorOperator]
    BALANCE_MONITOR_OPERATOR_EQUALS: _ClassVar[BalanceMonitorOperator]
    BALANCE_MONITOR_OPERATOR_GREATER_THAN_OR_EQUALS: _ClassVar[BalanceMonitorOperator]
    BALANCE_MONITOR_OPERATOR_GREATER_THAN: _ClassVar[BalanceMonitorOperator]
BALANCE_MONITOR_FIELD_UNSPECIFIED: BalanceMonitorField
BALANCE_MONITOR_FIELD_AVAILABLE_BALANCE_AMOUNT: BalanceMonitorField
BALANCE_MONITOR_FIELD_PENDING_BALANCE_AMOUNT: BalanceMonitorField
BALANCE_MONITOR_FIELD_POSTED_BALANCE_AMOUNT: BalanceMonitorField
BALANCE_MONITOR_FIELD_LEDGER_ACCOUNT_LOCK_VERSION: BalanceMonitorField
BALANCE_MONITOR_OPERATOR_UNSPECIFIED: BalanceMonitorOperator
BALANCE_MONITOR_OPERATOR_LESS_THAN: BalanceMonitorOperator
BALANCE_MONITOR_OPERATOR_LESS_THAN_OR_EQUALS: BalanceMonitorOperator
BALANCE_MONITOR_OPERATOR_EQUALS: BalanceMonitorOperator
BALANCE_MONITOR_OPERATOR_GREATER_THAN_OR_EQUALS: BalanceMonitorOperator
BALANCE_MONITOR_OPERATOR_GREATER_THAN: BalanceMonitorOperator

class BalanceMonitorCondition(_message.Message):
    __slots__ = ("field", "operator", "value")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    field: BalanceMonitorField
    operator: BalanceMonitorOperator
    value: int
    def __init__(self, field: _Optional[_Union[BalanceMonitorField, str]] = ..., operator: _Optional[_Union[BalanceMonitorOperator, str]] = ..., value: _Optional[int] = ...) -> None: ...

class LedgerAccountBalanceMonitor(_message.Message):
    __slots__ = ("id", "ledger_account_id", "alert_condition", "description", "metadata", "triggered", "ledger_account_lock_version", "created_at", "updated_at")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ALERT_CONDITION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TRIGGERED_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_LOCK_VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    ledger_account_id: str
    alert_condition: BalanceMonitorCondition
    description: str
    metadata: _containers.ScalarMap[str, str]
    triggered: bool
    ledger_account_lock_version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., ledger_account_id: _Optional[str] = ..., alert_condition: _Optional[_Union[BalanceMonitorCondition, _Mapping]] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., triggered: _Optional[bool] = ..., ledger_account_lock_version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LedgerAccountBalanceMonitorAlert(_message.Message):
    __slots__ = ("id", "ledger_account_balance_monitor_id", "ledger_account_id", "triggered", "ledger_account_lock_version", "balances", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_BALANCE_MONITOR_ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGERED_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_LOCK_VERSION_FIELD_NUMBER: _ClassVar[int]
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    ledger_account_balance_monitor_id: str
    ledger_account_id: str
    triggered: bool
    ledger_account_lock_version: int
    balances: _common_pb2.LedgerBalances
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., ledger_account_balance_monitor_id: _Optional[str] = ..., ledger_account_id: _Optional[str] = ..., triggered: _Optional[bool] = ..., ledger_account_lock_version: _Optional[int] = ..., balances: _Optional[_Union[_common_pb2.LedgerBalances, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateLedgerAccountBalanceMonitorRequest(_message.Message):
    __slots__ = ("ledger_account_id", "alert_condition", "description", "metadata", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LEDGER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ALERT_CONDITION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ledger_account_id: str
    alert_condition: BalanceMonitorCondition
    description: str
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    def __init__(self, ledger_account_id: _Optional[str] = ..., alert_condition: _Optional[_Union[BalanceMonitorCondition, _Mapping]] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateLedgerAccountBalanceMonitorResponse(_message.Message):
    __slots__ = ("ledger_account_balance_monitor",)
    LEDGER_ACCOUNT_BALANCE_MONITOR_FIELD_NUMBER: _ClassVar[int]
    ledger_account_balance_monitor: LedgerAccountBalanceMonitor
    def __init__(self, ledger_account_balance_monitor: _Optional[_Union[LedgerAccountBalanceMonitor, _Mapping]] = ...) -> None: ...

class GetLedgerAccountBalanceMonitorRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetLedgerAccountBalanceMonitorResponse(_message.Message):
    __slots__ = ("ledger_account_balance_monitor",)
    LEDGER_ACCOUNT_BALANCE_MONITOR_FIELD_NUMBER: _ClassVar[int]
    ledger_account_balance_monitor: LedgerAccountBalanceMonitor
    def __init__(self, ledger_account_balance_monitor: _Optional[_Union[LedgerAccountBalanceMonitor, _Mapping]] = ...) -> None: ...

class ListLedgerAccountBalanceMonitorsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "ledger_account_id", "metadata")
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
    METADATA_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    ledger_account_id: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., ledger_account_id: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListLedgerAccountBalanceMonitorsResponse(_message.Message):
    __slots__ = ("ledger_account_balance_monitors", "next_page_token")
    LEDGER_ACCOUNT_BALANCE_MONITORS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ledger_account_balance_monitors: _containers.RepeatedCompositeFieldContainer[LedgerAccountBalanceMonitor]
    next_page_token: str
    def __init__(self, ledger_account_balance_monitors: _Optional[_Iterable[_Union[LedgerAccountBalanceMonitor, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListLedgerAccountBalanceMonitorAlertsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "ledger_account_balance_monitor_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_BALANCE_MONITOR_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    ledger_account_balance_monitor_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., ledger_account_balance_monitor_id: _Optional[str] = ...) -> None: ...

class ListLedgerAccountBalanceMonitorAlertsResponse(_message.Message):
    __slots__ = ("ledger_account_balance_monitor_alerts", "next_page_token")
    LEDGER_ACCOUNT_BALANCE_MONITOR_ALERTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ledger_account_balance_monitor_alerts: _containers.RepeatedCompositeFieldContainer[LedgerAccountBalanceMonitorAlert]
    next_page_token: str
    def __init__(self, ledger_account_balance_monitor_alerts: _Optional[_Iterable[_Union[LedgerAccountBalanceMonitorAlert, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
