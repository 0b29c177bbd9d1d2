import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ledgerd.v1 import common_pb2 as _common_pb2
from ledgerd.v1 import errors_pb2 as _errors_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LedgerTransaction(_message.Message):
    __slots__ = ("id", "ledger_id", "description", "status", "external_id", "effective_at", "posted_at", "metadata", "ledger_entries", "created_at", "updated_at", "reverses_ledger_transaction_id", "reversed_by_ledger_transaction_id", "partially_posts_ledger_transaction_id", "ledgerable_type", "ledgerable_id")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_FIELD_NUMBER: _ClassVar[int]
    POSTED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    REVERSES_LEDGER_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    REVERSED_BY_LEDGER_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    PARTIALLY_POSTS_LEDGER_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    LEDGERABLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    LEDGERABLE_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    ledger_id: str
    description: str
    status: _common_pb2.LedgerTransactionStatus
    external_id: str
    effective_at: _timestamp_pb2.Timestamp
    posted_at: _timestamp_pb2.Timestamp
    metadata: _containers.ScalarMap[str, str]
    ledger_entries: _containers.RepeatedCompositeFieldContainer[LedgerEntry]
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    reverses_ledger_transaction_id: str
    reversed_by_ledger_transaction_id: str
    partially_posts_ledger_transaction_id: str
    ledgerable_type: str
    ledgerable_id: str
    def __init__(self, id: _Optional[str] = ..., ledger_id: _Optional[str] = ..., description: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.LedgerTransactionStatus, str]] = ..., external_id: _Optional[str] = ..., effective_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., posted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., ledger_entries: _Optional[_Iterable[_Union[LedgerEntry, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reverses_ledger_transaction_id: _Optional[str] = ..., reversed_by_ledger_transaction_id: _Optional[str] = ..., partially_posts_ledger_transaction_id: _Optional[str] = ..., ledgerable_type: _Optional[str] = ..., ledgerable_id: _Optional[str] = ...) -> None: ...

class LedgerEntryRequest(_message.Message):
    __slots__ = ("ledger_account_id", "direction", "amount", "lock_version", "pending_balance_amount", "posted_balance_amount", "available_balance_amount", "metadata", "currency")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LEDGER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    LOCK_VERSION_FIELD_NUMBER: _ClassVar[int]
    PENDING_BALANCE_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    POSTED_BALANCE_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_BALANCE_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ledger_account_id: str
    direction: _common_pb2.Direction
    amount: int
    lock_version: int
    pending_balance_amount: _common_pb2.BalanceCondition
    posted_balance_amount: _common_pb2.BalanceCondition
    available_balance_amount: _common_pb2.BalanceCondition
    metadata: _containers.ScalarMap[str, str]
    currency: str
    def __init__(self, ledger_account_id: _Optional[str] = ..., direction: _Optional[_Union[_common_pb2.Direction, str]] = ..., amount: _Optional[int] = ..., lock_version: _Optional[int] = ..., pending_balance_amount: _Optional[_Union[_common_pb2.BalanceCondition, _Mapping]] = ..., posted_balance_amount: _Optional[_Union[_common_pb2.BalanceCondition, _Mapping]] = ..., available_balance_amount: _Optional[_Union[_common_pb2.BalanceCondition, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., currency: _Optional[str] = ...) -> None: ...

class LedgerEntry(_message.Message):
    __slots__ = ("id", "ledger_transaction_id", "ledger_account_id", "direction", "amount", "status", "effective_at", "ledger_account_lock_version", "resulting_ledger_account_balances", "metadata", "ledger_account_currency", "ledger_account_currency_exponent", "created_at", "discarded_at")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_LOCK_VERSION_FIELD_NUMBER: _ClassVar[int]
    RESULTING_LEDGER_ACCOUNT_BALANCES_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_CURRENCY_EXPONENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DISCARDED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    ledger_transaction_id: str
    ledger_account_id: str
    direction: _common_pb2.Direction
    amount: int
    status: _common_pb2.LedgerTransactionStatus
    effective_at: _timestamp_pb2.Timestamp
    ledger_account_lock_version: int
    resulting_ledger_account_balances: _common_pb2.LedgerBalances
    metadata: _containers.ScalarMap[str, str]
    ledger_account_currency: str
    ledger_account_currency_exponent: int
    created_at: _timestamp_pb2.Timestamp
    discarded_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., ledger_transaction_id: _Optional[str] = ..., ledger_account_id: _Optional[str] = ..., direction: _Optional[_Union[_common_pb2.Direction, str]] = ..., amount: _Optional[int] = ..., status: _Optional[_Union[_common_pb2.LedgerTransactionStatus, str]] = ..., effective_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ledger_account_lock_version: _Optional[int] = ..., resulting_ledger_account_balances: _Optional[_Union[_common_pb2.LedgerBalances, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., ledger_account_currency: _Optional[str] = ..., ledger_account_currency_exponent: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., discarded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateLedgerTransactionRequest(_message.Message):
    __slots__ = ("ledger_entries", "status", "external_id", "effective_at", "description", "metadata", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LEDGER_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ledger_entries: _containers.RepeatedCompositeFieldContainer[LedgerEntryRequest]
    status: _common_pb2.LedgerTransactionStatus
    external_id: str
    effective_at: _timestamp_pb2.Timestamp
    description: str
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    def __init__(self, ledger_entries: _Optional[_Iterable[_Union[LedgerEntryRequest, _Mapping]]] = ..., status: _Optional[_Union[_common_pb2.LedgerTransactionStatus, str]] = ..., external_id: _Optional[str] = ..., effective_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateLedgerTransactionResponse(_message.Message):
    __slots__ = ("ledger_transaction",)
    LEDGER_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    ledger_transaction: LedgerTransaction
    def __init__(self, ledger_transaction: _Optional[_Union[LedgerTransaction, _Mapping]] = ...) -> None: ...

class GetLedgerTransactionRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetLedgerTransactionResponse(_message.Message):
    __slots__ = ("ledger_transaction",)
    LEDGER_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    ledger_transaction: LedgerTransaction
    def __init__(self, ledger_transaction: _Optional[_Union[LedgerTransaction, _Mapping]] = ...) -> None: ...

class ListLedgerTransactionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "ledger_id", "ledger_account_id", "status", "external_id", "metadata", "effective_at_lower_bound", "effective_at_upper_bound")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_LOWER_BOUND_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_UPPER_BOUND_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    ledger_id: str
    ledger_account_id: str
    status: _common_pb2.LedgerTransactionStatus
    external_id: str
    metadata: _containers.ScalarMap[str, str]
    effective_at_lower_bound: _timestamp_pb2.Timestamp
    effective_at_upper_bound: _timestamp_pb2.Timestamp
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., ledger_id: _Optional[str] = ..., ledger_account_id: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.LedgerTransactionStatus, str]] = ..., external_id: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., effective_at_lower_bound: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., effective_at_upper_bound: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListLedgerTransactionsResponse(_message.Message):
    __slots__ = ("ledger_transactions", "next_page_token")
    LEDGER_TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ledger_transactions: _containers.RepeatedCompositeFieldContainer[LedgerTransaction]
    next_page_token: str
    def __init__(self, ledger_transactions: _Optional[_Iterable[_Union[LedgerTransaction, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateLedgerTransactionRequest(_message.Message):
    __slots__ = ("id", "status", "ledger_entries", "description", "metadata", "effective_at", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: _common_pb2.LedgerTransactionStatus
    ledger_entries: _containers.RepeatedCompositeFieldContainer[LedgerEntryRequest]
    description: str
    metadata: _containers.ScalarMap[str, str]
    effective_at: _timestamp_pb2.Timestamp
    idempotency_key: str
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.LedgerTransactionStatus, str]] = ..., ledger_entries: _Optional[_Iterable[_Union[LedgerEntryRequest, _Mapping]]] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., effective_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class UpdateLedgerTransactionResponse(_message.Message):
    __slots__ = ("ledger_transaction",)
    LEDGER_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    ledger_transaction: LedgerTransaction
    def __init__(self, ledger_transaction: _Optional[_Union[LedgerTransaction, _Mapping]] = ...) -> None: ...

class ReverseLedgerTransactionRequest(_message.Message):
    __slots__ = ("id", "description", "effective_at", "external_id", "metadata", "status", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    description: str
    effective_at: _timestamp_pb2.Timestamp
    external_id: str
    metadata: _containers.ScalarMap[str, str]
    status: _common_pb2.LedgerTransactionStatus
    idempotency_key: str
    def __init__(self, id: _Optional[str] = ..., description: _Optional[str] = ..., effective_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., external_id: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., status: _Optional[_Union[_common_pb2.LedgerTransactionStatus, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ReverseLedgerTransactionResponse(_message.Message):
    __slots__ = ("ledger_transaction",)
    LEDGER_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    ledger_transaction: LedgerTransaction
    def __init__(self, ledger_transaction: _Optional[_Union[LedgerTransaction, _Mapping]] = ...) -> None: ...

class CreateLedgerTransactionsRequest(_message.Message):
    __slots__ = ("requests", "idempotency_key")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[CreateLedgerTransactionRequest]
    idempotency_key: str
    def __init__(self, requests: _Optional[_Iterable[_Union[CreateLedgerTransactionRequest, _Mapping]]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateLedgerTransactionsResult(_message.Message):
    __slots__ = ("ledger_transaction", "error")
    LEDGER_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ledger_transaction: LedgerTransaction
    error: _errors_pb2.ItemError
    def __init__(self, ledger_transaction: _Optional[_Union[LedgerTransaction, _Mapping]] = ..., error: _Optional[_Union[_errors_pb2.ItemError, _Mapping]] = ...) -> None: ...

class CreateLedgerTransactionsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[CreateLedgerTransactionsResult]
    def __init__(self, results: _Optional[_Iterable[_Union[CreateLedgerTransactionsResult, _Mapping]]] = ...) -> None: ...

class GetLedgerEntryRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetLedgerEntryResponse(_message.Message):
    __slots__ = ("ledger_entry",)
    LEDGER_ENTRY_FIELD_NUMBER: _ClassVar[int]
    ledger_entry: LedgerEntry
    def __init__(self, ledger_entry: _Optional[_Union[LedgerEntry, _Mapping]] = ...) -> None: ...

class ListLedgerEntriesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "ledger_account_id", "ledger_transaction_id", "status", "direction", "effective_at_lower_bound", "effective_at_upper_bound", "show_discarded", "metadata", "ledger_account_lock_version_lower_bound", "ledger_account_lock_version_upper_bound")
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
    LEDGER_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_LOWER_BOUND_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_UPPER_BOUND_FIELD_NUMBER: _ClassVar[int]
    SHOW_DISCARDED_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_LOCK_VERSION_LOWER_BOUND_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_LOCK_VERSION_UPPER_BOUND_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    ledger_account_id: str
    ledger_transaction_id: str
    status: _common_pb2.LedgerTransactionStatus
    direction: _common_pb2.Direction
    effective_at_lower_bound: _timestamp_pb2.Timestamp
    effective_at_upper_bound: _timestamp_pb2.Timestamp
    show_discarded: bool
    metadata: _containers.ScalarMap[str, str]
    ledger_account_lock_version_lower_bound: int
    ledger_account_lock_version_upper_bound: int
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., ledger_account_id: _Optional[str] = ..., ledger_transaction_id: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.LedgerTransactionStatus, str]] = ..., direction: _Optional[_Union[_common_pb2.Direction, str]] = ..., effective_at_lower_bound: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., effective_at_upper_bound: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., show_discarded: _Optional[bool] = ..., metadata: _Optional[_Mapping[str, str]] = ..., ledger_account_lock_version_lower_bound: _Optional[int] = ..., ledger_account_lock_version_upper_bound: _Optional[int] = ...) -> None: ...

class ListLedgerEntriesResponse(_message.Message):
    __slots__ = ("ledger_entries", "next_page_token")
    LEDGER_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ledger_entries: _containers.RepeatedCompositeFieldContainer[LedgerEntry]
    next_page_token: str
    def __init__(self, ledger_entries: _Optional[_Iterable[_Union[LedgerEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class PartialPostLedgerTransactionRequest(_message.Message):
    __slots__ = ("id", "posted_ledger_entries", "description", "effective_at", "metadata", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    POSTED_LEDGER_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    posted_ledger_entries: _containers.RepeatedCompositeFieldContainer[LedgerEntryRequest]
    description: str
    effective_at: _timestamp_pb2.Timestamp
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    def __init__(self, id: _Optional[str] = ..., posted_ledger_entries: _Optional[_Iterable[_Union[LedgerEntryRequest, _Mapping]]] = ..., description: _Optional[str] = ..., effective_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class PartialPostLedgerTransactionResponse(_message.Message):
    __slots__ = ("ledger_transaction",)
    LEDGER_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    ledger_transaction: LedgerTransaction
    def __init__(self, ledger_transaction: _Optional[_Union[LedgerTransaction, _Mapping]] = ...) -> None: ...

class LedgerTransactionVersion(_message.Message):
    __slots__ = ("ledger_transaction_id", "version", "ledger_transaction", "created_at")
    LEDGER_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LEDGER_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ledger_transaction_id: str
    version: int
    ledger_transaction: LedgerTransaction
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, ledger_transaction_id: _Optional[str] = ..., version: _Optional[int] = ..., ledger_transaction: _Optional[_Union[LedgerTransaction, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListLedgerTransactionVersionsRequest(_message.Message):
    __slots__ = ("ledger_transaction_id", "page_size", "page_token", "version_lower_bound", "version_upper_bound")
    LEDGER_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    VERSION_LOWER_BOUND_FIELD_NUMBER: _ClassVar[int]
    VERSION_UPPER_BOUND_FIELD_NUMBER: _ClassVar[int]
    ledger_transaction_id: str
    page_size: int
    page_token: str
    version_lower_bound: int
    version_upper_bound: int
    def __init__(self, ledger_transaction_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., version_lower_bound: _Optional[int] = ..., version_upper_bound: _Optional[int] = ...) -> None: ...

class ListLedgerTransactionVersionsResponse(_message.Message):
    __slots__ = ("ledger_transaction_versions", "next_page_token")
    LEDGER_TRANSACTION_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ledger_transaction_versions: _containers.RepeatedCompositeFieldContainer[LedgerTransactionVersion]
    next_page_token: str
    def __init__(self, ledger_transaction_versions: _Optional[_Iterable[_Union[LedgerTransactionVersion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchLedgerTransactionsRequest(_message.Message):
    __slots__ = ("ledger_id", "after_cursor")
    LEDGER_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_CURSOR_FIELD_NUMBER: _ClassVar[int]
    ledger_id: str
    after_cursor: str
    def __init__(self, ledger_id: _Optional[str] = ..., after_cursor: _Optional[str] = ...) -> None: ...

class WatchLedgerTransactionsResponse(_message.Message):
    __slots__ = ("ledger_transaction", "cursor")
    LEDGER_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    ledger_transaction: LedgerTransaction
    cursor: str
    def __init__(self, ledger_transaction: _Optional[_Union[LedgerTransaction, _Mapping]] = ..., cursor: _Optional[str] = ...) -> None: ...
