import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ledgerd.v1 import common_pb2 as _common_pb2
from ledgerd.v1 import transaction_pb2 as _transaction_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Ledger(_message.Message):
    __slots__ = ("id", "name", "description", "metadata", "created_at", "updated_at")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LedgerAccount(_message.Message):
    __slots__ = ("id", "ledger_id", "name", "description", "normal_balance", "currency", "currency_exponent", "metadata", "lock_version", "balances", "created_at", "updated_at")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NORMAL_BALANCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_EXPONENT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    LOCK_VERSION_FIELD_NUMBER: _ClassVar[int]
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    ledger_id: str
    name: str
    description: str
    normal_balance: _common_pb2.NormalBalance
    currency: str
    currency_exponent: int
    metadata: _containers.ScalarMap[str, str]
    lock_version: int
    balances: _common_pb2.LedgerBalances
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., ledger_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., normal_balance: _Optional[_Union[_common_pb2.NormalBalance, str]] = ..., currency: _Optional[str] = ..., currency_exponent: _Optional[int] = ..., metadata: _Optional[_Mapping[str, str]] = ..., lock_version: _Optional[int] = ..., balances: _Optional[_Union[_common_pb2.LedgerBalances, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateLedgerRequest(_message.Message):
    __slots__ = ("name", "description", "metadata", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateLedgerResponse(_message.Message):
    __slots__ = ("ledger",)
    LEDGER_FIELD_NUMBER: _ClassVar[int]
    ledger: Ledger
    def __init__(self, ledger: _Optional[_Union[Ledger, _Mapping]] = ...) -> None: ...

class GetLedgerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetLedgerResponse(_message.Message):
    __slots__ = ("ledger",)
    LEDGER_FIELD_NUMBER: _ClassVar[int]
    ledger: Ledger
    def __init__(self, ledger: _Optional[_Union[Ledger, _Mapping]] = ...) -> None: ...

class ListLedgersRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListLedgersResponse(_message.Message):
    __slots__ = ("ledgers", "next_page_token")
    LEDGERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ledgers: _containers.RepeatedCompositeFieldContainer[Ledger]
    next_page_token: str
    def __init__(self, ledgers: _Optional[_Iterable[_Union[Ledger, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateLedgerRequest(_message.Message):
    __slots__ = ("id", "name", "description", "metadata", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class UpdateLedgerResponse(_message.Message):
    __slots__ = ("ledger",)
    LEDGER_FIELD_NUMBER: _ClassVar[int]
    ledger: Ledger
    def __init__(self, ledger: _Optional[_Union[Ledger, _Mapping]] = ...) -> None: ...

class CreateLedgerAccountRequest(_message.Message):
    __slots__ = ("ledger_id", "name", "description", "normal_balance", "currency", "currency_exponent", "metadata", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LEDGER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NORMAL_BALANCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_EXPONENT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ledger_id: str
    name: str
    description: str
    normal_balance: _common_pb2.NormalBalance
    currency: str
    currency_exponent: int
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    def __init__(self, ledger_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., normal_balance: _Optional[_Union[_common_pb2.NormalBalance, str]] = ..., currency: _Optional[str] = ..., currency_exponent: _Optional[int] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateLedgerAccountResponse(_message.Message):
    __slots__ = ("ledger_account",)
    LEDGER_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ledger_account: LedgerAccount
    def __init__(self, ledger_account: _Optional[_Union[LedgerAccount, _Mapping]] = ...) -> None: ...

class GetLedgerAccountRequest(_message.Message):
    __slots__ = ("id", "effective_at", "as_of_lock_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_FIELD_NUMBER: _ClassVar[int]
    AS_OF_LOCK_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    effective_at: _timestamp_pb2.Timestamp
    as_of_lock_version: int
    def __init__(self, id: _Optional[str] = ..., effective_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., as_of_lock_version: _Optional[int] = ...) -> None: ...

class GetLedgerAccountResponse(_message.Message):
    __slots__ = ("ledger_account",)
    LEDGER_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ledger_account: LedgerAccount
    def __init__(self, ledger_account: _Optional[_Union[LedgerAccount, _Mapping]] = ...) -> None: ...

class ListLedgerAccountsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "ledger_id", "currency", "metadata")
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
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    ledger_id: str
    currency: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., ledger_id: _Optional[str] = ..., currency: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListLedgerAccountsResponse(_message.Message):
    __slots__ = ("ledger_accounts", "next_page_token")
    LEDGER_ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ledger_accounts: _containers.RepeatedCompositeFieldContainer[LedgerAccount]
    next_page_token: str
    def __init__(self, ledger_accounts: _Optional[_Iterable[_Union[LedgerAccount, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateLedgerAccountRequest(_message.Message):
    __slots__ = ("id", "name", "description", "metadata", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class UpdateLedgerAccountResponse(_message.Message):
    __slots__ = ("ledger_account",)
    LEDGER_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ledger_account: LedgerAccount
    def __init__(self, ledger_account: _Optional[_Union[LedgerAccount, _Mapping]] = ...) -> None: ...

class LedgerAccountCategory(_message.Message):
    __slots__ = ("id", "ledger_id", "name", "description", "normal_balance", "currency", "currency_exponent", "metadata", "balances", "ledger_account_count", "balances_effective_at", "created_at", "updated_at")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NORMAL_BALANCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_EXPONENT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_COUNT_FIELD_NUMBER: _ClassVar[int]
    BALANCES_EFFECTIVE_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    ledger_id: str
    name: str
    description: str
    normal_balance: _common_pb2.NormalBalance
    currency: str
    currency_exponent: int
    metadata: _containers.ScalarMap[str, str]
    balances: _common_pb2.LedgerBalances
    ledger_account_count: int
    balances_effective_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., ledger_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., normal_balance: _Optional[_Union[_common_pb2.NormalBalance, str]] = ..., currency: _Optional[str] = ..., currency_exponent: _Optional[int] = ..., metadata: _Optional[_Mapping[str, str]] = ..., balances: _Optional[_Union[_common_pb2.LedgerBalances, _Mapping]] = ..., ledger_account_count: _Optional[int] = ..., balances_effective_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateLedgerAccountCategoryRequest(_message.Message):
    __slots__ = ("ledger_id", "name", "description", "normal_balance", "currency", "currency_exponent", "metadata", "idempotency_key", "ledger_account_category_ids")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LEDGER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NORMAL_BALANCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_EXPONENT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_CATEGORY_IDS_FIELD_NUMBER: _ClassVar[int]
    ledger_id: str
    name: str
    description: str
    normal_balance: _common_pb2.NormalBalance
    currency: str
    currency_exponent: int
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    ledger_account_category_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ledger_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., normal_balance: _Optional[_Union[_common_pb2.NormalBalance, str]] = ..., currency: _Optional[str] = ..., currency_exponent: _Optional[int] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ..., ledger_account_category_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateLedgerAccountCategoryResponse(_message.Message):
    __slots__ = ("ledger_account_category",)
    LEDGER_ACCOUNT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ledger_account_category: LedgerAccountCategory
    def __init__(self, ledger_account_category: _Optional[_Union[LedgerAccountCategory, _Mapping]] = ...) -> None: ...

class GetLedgerAccountCategoryRequest(_message.Message):
    __slots__ = ("id", "effective_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    effective_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., effective_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetLedgerAccountCategoryResponse(_message.Message):
    __slots__ = ("ledger_account_category",)
    LEDGER_ACCOUNT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ledger_account_category: LedgerAccountCategory
    def __init__(self, ledger_account_category: _Optional[_Union[LedgerAccountCategory, _Mapping]] = ...) -> None: ...

class ListLedgerAccountCategoriesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "ledger_id", "ledger_account_id", "parent_ledger_account_category_id", "currency", "metadata")
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
    PARENT_LEDGER_ACCOUNT_CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    ledger_id: str
    ledger_account_id: str
    parent_ledger_account_category_id: str
    currency: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., ledger_id: _Optional[str] = ..., ledger_account_id: _Optional[str] = ..., parent_ledger_account_category_id: _Optional[str] = ..., currency: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListLedgerAccountCategoriesResponse(_message.Message):
    __slots__ = ("ledger_account_categories", "next_page_token")
    LEDGER_ACCOUNT_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ledger_account_categories: _containers.RepeatedCompositeFieldContainer[LedgerAccountCategory]
    next_page_token: str
    def __init__(self, ledger_account_categories: _Optional[_Iterable[_Union[LedgerAccountCategory, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AddLedgerAccountToCategoryRequest(_message.Message):
    __slots__ = ("ledger_account_category_id", "ledger_account_id", "idempotency_key")
    LEDGER_ACCOUNT_CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ledger_account_category_id: str
    ledger_account_id: str
    idempotency_key: str
    def __init__(self, ledger_account_category_id: _Optional[str] = ..., ledger_account_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class AddLedgerAccountToCategoryResponse(_message.Message):
    __slots__ = ("ledger_account_category",)
    LEDGER_ACCOUNT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ledger_account_category: LedgerAccountCategory
    def __init__(self, ledger_account_category: _Optional[_Union[LedgerAccountCategory, _Mapping]] = ...) -> None: ...

class RemoveLedgerAccountFromCategoryRequest(_message.Message):
    __slots__ = ("ledger_account_category_id", "ledger_account_id", "idempotency_key")
    LEDGER_ACCOUNT_CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ledger_account_category_id: str
    ledger_account_id: str
    idempotency_key: str
    def __init__(self, ledger_account_category_id: _Optional[str] = ..., ledger_account_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RemoveLedgerAccountFromCategoryResponse(_message.Message):
    __slots__ = ("ledger_account_category",)
    LEDGER_ACCOUNT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ledger_account_category: LedgerAccountCategory
    def __init__(self, ledger_account_category: _Optional[_Union[LedgerAccountCategory, _Mapping]] = ...) -> None: ...

class AddCategoryToCategoryRequest(_message.Message):
    __slots__ = ("ledger_account_category_id", "nested_ledger_account_category_id", "idempotency_key")
    LEDGER_ACCOUNT_CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    NESTED_LEDGER_ACCOUNT_CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ledger_account_category_id: str
    nested_ledger_account_category_id: str
    idempotency_key: str
    def __init__(self, ledger_account_category_id: _Optional[str] = ..., nested_ledger_account_category_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class AddCategoryToCategoryResponse(_message.Message):
    __slots__ = ("ledger_account_category",)
    LEDGER_ACCOUNT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ledger_account_category: LedgerAccountCategory
    def __init__(self, ledger_account_category: _Optional[_Union[LedgerAccountCategory, _Mapping]] = ...) -> None: ...

class RemoveCategoryFromCategoryRequest(_message.Message):
    __slots__ = ("ledger_account_category_id", "nested_ledger_account_category_id", "idempotency_key")
    LEDGER_ACCOUNT_CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    NESTED_LEDGER_ACCOUNT_CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ledger_account_category_id: str
    nested_ledger_account_category_id: str
    idempotency_key: str
    def __init__(self, ledger_account_category_id: _Optional[str] = ..., nested_ledger_account_category_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RemoveCategoryFromCategoryResponse(_message.Message):
    __slots__ = ("ledger_account_category",)
    LEDGER_ACCOUNT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ledger_account_category: LedgerAccountCategory
    def __init__(self, ledger_account_category: _Optional[_Union[LedgerAccountCategory, _Mapping]] = ...) -> None: ...

class GetLedgerAccountStatementRequest(_message.Message):
    __slots__ = ("ledger_account_id", "effective_at_lower_bound", "effective_at_upper_bound")
    LEDGER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_LOWER_BOUND_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_UPPER_BOUND_FIELD_NUMBER: _ClassVar[int]
    ledger_account_id: str
    effective_at_lower_bound: _timestamp_pb2.Timestamp
    effective_at_upper_bound: _timestamp_pb2.Timestamp
    def __init__(self, ledger_account_id: _Optional[str] = ..., effective_at_lower_bound: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., effective_at_upper_bound: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LedgerAccountStatement(_message.Message):
    __slots__ = ("ledger_account_id", "ledger_id", "ledger_account_normal_balance", "effective_at_lower_bound", "effective_at_upper_bound", "ledger_account_lock_version", "starting_balance", "ending_balance", "ledger_entries")
    LEDGER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_NORMAL_BALANCE_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_LOWER_BOUND_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_UPPER_BOUND_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ACCOUNT_LOCK_VERSION_FIELD_NUMBER: _ClassVar[int]
    STARTING_BALANCE_FIELD_NUMBER: _ClassVar[int]
    ENDING_BALANCE_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    ledger_account_id: str
    ledger_id: str
    ledger_account_normal_balance: _common_pb2.NormalBalance
    effective_at_lower_bound: _timestamp_pb2.Timestamp
    effective_at_upper_bound: _timestamp_pb2.Timestamp
    ledger_account_lock_version: int
    starting_balance: _common_pb2.LedgerBalances
    ending_balance: _common_pb2.LedgerBalances
    ledger_entries: _containers.RepeatedCompositeFieldContainer[_transaction_pb2.LedgerEntry]
    def __init__(self, ledger_account_id: _Optional[str] = ..., ledger_id: _Optional[str] = ..., ledger_account_normal_balance: _Optional[_Union[_common_pb2.NormalBalance, str]] = ..., effective_at_lower_bound: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., effective_at_upper_bound: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ledger_account_lock_version: _Optional[int] = ..., starting_balance: _Optional[_Union[_common_pb2.LedgerBalances, _Mapping]] = ..., ending_balance: _Optional[_Union[_common_pb2.LedgerBalances, _Mapping]] = ..., ledger_entries: _Optional[_Iterable[_Union[_transaction_pb2.LedgerEntry, _Mapping]]] = ...) -> None: ...

class GetLedgerAccountStatementResponse(_message.Message):
    __slots__ = ("ledger_account_statement",)
    LEDGER_ACCOUNT_STATEMENT_FIELD_NUMBER: _ClassVar[int]
    ledger_account_statement: LedgerAccountStatement
    def __init__(self, ledger_account_statement: _Optional[_Union[LedgerAccountStatement, _Mapping]] = ...) -> None: ...
