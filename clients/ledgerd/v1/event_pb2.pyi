import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ledgerd.v1 import common_pb2 as _common_pb2
from ledgerd.v1 import transaction_pb2 as _transaction_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LedgerEventHandlerCondition(_message.Message):
    __slots__ = ("field", "operator", "value")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    field: str
    operator: str
    value: str
    def __init__(self, field: _Optional[str] = ..., operator: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class LedgerAccountQuery(_message.Message):
    __slots__ = ("field", "operator", "value")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    field: str
    operator: str
    value: _struct_pb2.Value
    def __init__(self, field: _Optional[str] = ..., operator: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class LedgerEventHandlerVariable(_message.Message):
    __slots__ = ("type", "query")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    type: str
    query: LedgerAccountQuery
    def __init__(self, type: _Optional[str] = ..., query: _Optional[_Union[LedgerAccountQuery, _Mapping]] = ...) -> None: ...

class LedgerEntryTemplate(_message.Message):
    __slots__ = ("ledger_account_id", "amount", "direction", "metadata", "pending_balance_amount", "posted_balance_amount", "available_balance_amount")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LEDGER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PENDING_BALANCE_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    POSTED_BALANCE_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_BALANCE_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    ledger_account_id: str
    amount: str
    direction: str
    metadata: _containers.ScalarMap[str, str]
    pending_balance_amount: _common_pb2.BalanceCondition
    posted_balance_amount: _common_pb2.BalanceCondition
    available_balance_amount: _common_pb2.BalanceCondition
    def __init__(self, ledger_account_id: _Optional[str] = ..., amount: _Optional[str] = ..., direction: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., pending_balance_amount: _Optional[_Union[_common_pb2.BalanceCondition, _Mapping]] = ..., posted_balance_amount: _Optional[_Union[_common_pb2.BalanceCondition, _Mapping]] = ..., available_balance_amount: _Optional[_Union[_common_pb2.BalanceCondition, _Mapping]] = ...) -> None: ...

class LedgerTransactionTemplate(_message.Message):
    __slots__ = ("description", "status", "effective_at", "metadata", "ledger_entries")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    description: str
    status: str
    effective_at: str
    metadata: _containers.ScalarMap[str, str]
    ledger_entries: _containers.RepeatedCompositeFieldContainer[LedgerEntryTemplate]
    def __init__(self, description: _Optional[str] = ..., status: _Optional[str] = ..., effective_at: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., ledger_entries: _Optional[_Iterable[_Union[LedgerEntryTemplate, _Mapping]]] = ...) -> None: ...

class LedgerEventHandler(_message.Message):
    __slots__ = ("id", "ledger_id", "name", "description", "conditions", "variables", "ledger_transaction_template", "metadata", "created_at", "updated_at", "disabled_at")
    class VariablesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: LedgerEventHandlerVariable
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[LedgerEventHandlerVariable, _Mapping]] = ...) -> None: ...
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
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    LEDGER_TRANSACTION_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    DISABLED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    ledger_id: str
    name: str
    description: str
    conditions: LedgerEventHandlerCondition
    variables: _containers.MessageMap[str, LedgerEventHandlerVariable]
    ledger_transaction_template: LedgerTransactionTemplate
    metadata: _containers.ScalarMap[str, str]
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    disabled_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., ledger_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., conditions: _Optional[_Union[LedgerEventHandlerCondition, _Mapping]] = ..., variables: _Optional[_Mapping[str, LedgerEventHandlerVariable]] = ..., ledger_transaction_template: _Optional[_Union[LedgerTransactionTemplate, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., disabled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LedgerableEvent(_message.Message):
    __slots__ = ("id", "ledger_id", "name", "description", "custom_data", "metadata", "ledger_event_handler_id", "ledger_transaction_id", "created_at")
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
    CUSTOM_DATA_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    LEDGER_EVENT_HANDLER_ID_FIELD_NUMBER: _ClassVar[int]
    LEDGER_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    ledger_id: str
    name: str
    description: str
    custom_data: _struct_pb2.Struct
    metadata: _containers.ScalarMap[str, str]
    ledger_event_handler_id: str
    ledger_transaction_id: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., ledger_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., custom_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., ledger_event_handler_id: _Optional[str] = ..., ledger_transaction_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateLedgerEventHandlerRequest(_message.Message):
    __slots__ = ("ledger_id", "name", "description", "conditions", "variables", "ledger_transaction_template", "metadata", "idempotency_key")
    class VariablesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: LedgerEventHandlerVariable
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[LedgerEventHandlerVariable, _Mapping]] = ...) -> None: ...
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
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    LEDGER_TRANSACTION_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ledger_id: str
    name: str
    description: str
    conditions: LedgerEventHandlerCondition
    variables: _containers.MessageMap[str, LedgerEventHandlerVariable]
    ledger_transaction_template: LedgerTransactionTemplate
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    def __init__(self, ledger_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., conditions: _Optional[_Union[LedgerEventHandlerCondition, _Mapping]] = ..., variables: _Optional[_Mapping[str, LedgerEventHandlerVariable]] = ..., ledger_transaction_template: _Optional[_Union[LedgerTransactionTemplate, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateLedgerEventHandlerResponse(_message.Message):
    __slots__ = ("ledger_event_handler",)
    LEDGER_EVENT_HANDLER_FIELD_NUMBER: _ClassVar[int]
    ledger_event_handler: LedgerEventHandler
    def __init__(self, ledger_event_handler: _Optional[_Union[LedgerEventHandler, _Mapping]] = ...) -> None: ...

class GetLedgerEventHandlerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetLedgerEventHandlerResponse(_message.Message):
    __slots__ = ("ledger_event_handler",)
    LEDGER_EVENT_HANDLER_FIELD_NUMBER: _ClassVar[int]
    ledger_event_handler: LedgerEventHandler
    def __init__(self, ledger_event_handler: _Optional[_Union[LedgerEventHandler, _Mapping]] = ...) -> None: ...

class ListLedgerEventHandlersRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "ledger_id", "name", "metadata")
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
    NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    ledger_id: str
    name: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., ledger_id: _Optional[str] = ..., name: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListLedgerEventHandlersResponse(_message.Message):
    __slots__ = ("ledger_event_handlers", "next_page_token")
    LEDGER_EVENT_HANDLERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ledger_event_handlers: _containers.RepeatedCompositeFieldContainer[LedgerEventHandler]
    next_page_token: str
    def __init__(self, ledger_event_handlers: _Optional[_Iterable[_Union[LedgerEventHandler, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DisableLedgerEventHandlerRequest(_message.Message):
    __slots__ = ("id", "idempotency_key")
    ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    idempotency_key: str
    def __init__(self, id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class DisableLedgerEventHandlerResponse(_message.Message):
    __slots__ = ("ledger_event_handler",)
    LEDGER_EVENT_HANDLER_FIELD_NUMBER: _ClassVar[int]
    ledger_event_handler: LedgerEventHandler
    def __init__(self, ledger_event_handler: _Optional[_Union[LedgerEventHandler, _Mapping]] = ...) -> None: ...

class CreateLedgerableEventRequest(_message.Message):
    __slots__ = ("ledger_id", "name", "description", "custom_data", "metadata", "idempotency_key")
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
    CUSTOM_DATA_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ledger_id: str
    name: str
    description: str
    custom_data: _struct_pb2.Struct
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    def __init__(self, ledger_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., custom_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateLedgerableEventResponse(_message.Message):
    __slots__ = ("ledgerable_event", "ledger_transaction")
    LEDGERABLE_EVENT_FIELD_NUMBER: _ClassVar[int]
    LEDGER_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    ledgerable_event: LedgerableEvent
    ledger_transaction: _transaction_pb2.LedgerTransaction
    def __init__(self, ledgerable_event: _Optional[_Union[LedgerableEvent, _Mapping]] = ..., ledger_transaction: _Optional[_Union[_transaction_pb2.LedgerTransaction, _Mapping]] = ...) -> None: ...

class GetLedgerableEventRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetLedgerableEventResponse(_message.Message):
    __slots__ = ("ledgerable_event",)
    LEDGERABLE_EVENT_FIELD_NUMBER: _ClassVar[int]
    ledgerable_event: LedgerableEvent
    def __init__(self, ledgerable_event: _Optional[_Union[LedgerableEvent, _Mapping]] = ...) -> None: ...
