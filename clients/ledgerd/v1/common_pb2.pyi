from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NormalBalance(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NORMAL_BALANCE_UNSPECIFIED: _ClassVar[NormalBalance]
    NORMAL_BALANCE_CREDIT: _ClassVar[NormalBalance]
    NORMAL_BALANCE_DEBIT: _ClassVar[NormalBalance]

class Direction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DIRECTION_UNSPECIFIED: _ClassVar[Direction]
    DIRECTION_CREDIT: _ClassVar[Direction]
    DIRECTION_DEBIT: _ClassVar[Direction]

class LedgerTransactionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEDGER_TRANSACTION_STATUS_UNSPECIFIED: _ClassVar[LedgerTransactionStatus]
    LEDGER_TRANSACTION_STATUS_PENDING: _ClassVar[LedgerTransactionStatus]
    LEDGER_TRANSACTION_STATUS_POSTED: _ClassVar[LedgerTransactionStatus]
    LEDGER_TRANSACTION_STATUS_ARCHIVED: _ClassVar[LedgerTransactionStatus]
NORMAL_BALANCE_UNSPECIFIED: NormalBalance
NORMAL_BALANCE_CREDIT: NormalBalance
NORMAL_BALANCE_DEBIT: NormalBalance
DIRECTION_UNSPECIFIED: Direction
DIRECTION_CREDIT: Direction
DIRECTION_DEBIT: Direction
LEDGER_TRANSACTION_STATUS_UNSPECIFIED: LedgerTransactionStatus
LEDGER_TRANSACTION_STATUS_PENDING: LedgerTransactionStatus
LEDGER_TRANSACTION_STATUS_POSTED: LedgerTransactionStatus
LEDGER_TRANSACTION_STATUS_ARCHIVED: LedgerTransactionStatus

class LedgerBalance(_message.Message):
    __slots__ = ("credits", "debits", "amount", "currency", "currency_exponent")
    CREDITS_FIELD_NUMBER: _ClassVar[int]
    DEBITS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_EXPONENT_FIELD_NUMBER: _ClassVar[int]
    credits: int
    debits: int
    amount: int
    currency: str
    currency_exponent: int
    def __init__(self, credits: _Optional[int] = ..., debits: _Optional[int] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., currency_exponent: _Optional[int] = ...) -> None: ...

class LedgerBalances(_message.Message):
    __slots__ = ("pending_balance", "posted_balance", "available_balance")
    PENDING_BALANCE_FIELD_NUMBER: _ClassVar[int]
    POSTED_BALANCE_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_BALANCE_FIELD_NUMBER: _ClassVar[int]
    pending_balance: LedgerBalance
    posted_balance: LedgerBalance
    available_balance: LedgerBalance
    def __init__(self, pending_balance: _Optional[_Union[LedgerBalance, _Mapping]] = ..., posted_balance: _Optional[_Union[LedgerBalance, _Mapping]] = ..., available_balance: _Optional[_Union[LedgerBalance, _Mapping]] = ...) -> None: ...

class BalanceCondition(_message.Message):
    __slots__ = ("gt", "gte", "lt", "lte", "eq")
    GT_FIELD_NUMBER: _ClassVar[int]
    GTE_FIELD_NUMBER: _ClassVar[int]
    LT_FIELD_NUMBER: _ClassVar[int]
    LTE_FIELD_NUMBER: _ClassVar[int]
    EQ_FIELD_NUMBER: _ClassVar[int]
    gt: int
    gte: int
    lt: int
    lte: int
    eq: int
    def __init__(self, gt: _Optional[int] = ..., gte: _Optional[int] = ..., lt: _Optional[int] = ..., lte: _Optional[int] = ..., eq: _Optional[int] = ...) -> None: ...
