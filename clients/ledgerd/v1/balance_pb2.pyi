import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ledgerd.v1 import common_pb2 as _common_pb2
from ledgerd.v1 import monitor_pb2 as _monitor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetBalancesRequest(_message.Message):
    __slots__ = ("ledger_account_ids", "ledger_account_category_id", "effective_at", "as_of_lock_version")
    LEDGER_ACCOUNT_IDS_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_FIELD_NUMBER: _ClassVar[int]
    AS_OF_LOCK_VERSION_FIELD_NUMBER: _ClassVar[int]
    ledger_account_ids: _containers.RepeatedScalarFieldContainer[str]
    ledger_account_category_id: str
    effective_at: _timestamp_pb2.Timestamp
    as_of_lock_version: int
    def __init__(self, ledger_account_ids: _Optional[_Iterable[str]] = ..., ledger_account_category_id: _Optional[str] = ..., effective_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., as_of_lock_version: _Optional[int] = ...) -> None: ...

class LedgerAccountBalances(_message.Message):
    __slots__ = ("ledger_account_id", "lock_version", "balances")
    LEDGER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    LOCK_VERSION_FIELD_NUMBER: _ClassVar[int]
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    ledger_account_id: str
    lock_version: int
    balances: _common_pb2.LedgerBalances
    def __init__(self, ledger_account_id: _Optional[str] = ..., lock_version: _Optional[int] = ..., balances: _Optional[_Union[_common_pb2.LedgerBalances, _Mapping]] = ...) -> None: ...

class GetBalancesResponse(_message.Message):
    __slots__ = ("ledger_account_balances", "ledger_account_category_balances")
    LEDGER_ACCOUNT_BALANCES_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_CATEGORY_BALANCES_FIELD_NUMBER: _ClassVar[int]
    ledger_account_balances: _containers.RepeatedCompositeFieldContainer[LedgerAccountBalances]
    ledger_account_category_balances: LedgerAccountCategoryBalances
    def __init__(self, ledger_account_balances: _Optional[_Iterable[_Union[LedgerAccountBalances, _Mapping]]] = ..., ledger_account_category_balances: _Optional[_Union[LedgerAccountCategoryBalances, _Mapping]] = ...) -> None: ...

class LedgerAccountCategoryBalances(_message.Message):
    __slots__ = ("ledger_account_category_id", "ledger_account_count", "balances")
    LEDGER_ACCOUNT_CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_COUNT_FIELD_NUMBER: _ClassVar[int]
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    ledger_account_category_id: str
    ledger_account_count: int
    balances: _common_pb2.LedgerBalances
    def __init__(self, ledger_account_category_id: _Optional[str] = ..., ledger_account_count: _Optional[int] = ..., balances: _Optional[_Union[_common_pb2.LedgerBalances, _Mapping]] = ...) -> None: ...

class WatchBalancesRequest(_message.Message):
    __slots__ = ("ledger_account_ids", "after_lock_versions")
    class AfterLockVersionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    LEDGER_ACCOUNT_IDS_FIELD_NUMBER: _ClassVar[int]
    AFTER_LOCK_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    ledger_account_ids: _containers.RepeatedScalarFieldContainer[str]
    after_lock_versions: _containers.ScalarMap[str, int]
    def __init__(self, ledger_account_ids: _Optional[_Iterable[str]] = ..., after_lock_versions: _Optional[_Mapping[str, int]] = ...) -> None: ...

class WatchBalancesResponse(_message.Message):
    __slots__ = ("ledger_account_balances", "ledger_transaction_id", "ledger_account_balance_monitor_alerts")
    LEDGER_ACCOUNT_BALANCES_FIELD_NUMBER: _ClassVar[int]
    LEDGER_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_BALANCE_MONITOR_ALERTS_FIELD_NUMBER: _ClassVar[int]
    ledger_account_balances: LedgerAccountBalances
    ledger_transaction_id: str
    ledger_account_balance_monitor_alerts: _containers.RepeatedCompositeFieldContainer[_monitor_pb2.LedgerAccountBalanceMonitorAlert]
    def __init__(self, ledger_account_balances: _Optional[_Union[LedgerAccountBalances, _Mapping]] = ..., ledger_transaction_id: _Optional[str] = ..., ledger_account_balance_monitor_alerts: _Optional[_Iterable[_Union[_monitor_pb2.LedgerAccountBalanceMonitorAlert, _Mapping]]] = ...) -> None: ...
