"""Modern Treasury's JSON shapes, as pydantic models: what /api accepts (bodies and query strings,
checked before anything runs: a field MT defines but ledgerd does not serve is refused by name,
never silently ignored) and what it sends (for the OpenAPI document). Field names are MT's
(docs/modern-treasury.md)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from ledgerd.server.domain import limits

# An id: checked as a UUID here (so the document says so), passed on as its text.
Id = Annotated[uuid.UUID, PlainSerializer(str, return_type=str)]
Int64 = Annotated[int, Field(ge=-(2**63), le=limits.INT64_MAX)]
Version = Annotated[int, Field(ge=0, le=limits.INT64_MAX)]
Amount = Annotated[int, Field(ge=0, le=limits.amount_max)]
Exponent = Annotated[int, Field(ge=0, le=limits.currency_exponent_max)]
PerPage = Annotated[int, Field(ge=1, le=limits.page_size_max)]
Direction = Literal["credit", "debit"]
NormalBalance = Literal["credit", "debit"]
Status = Literal["pending", "posted", "archived"]
# Metadata sent: a key with null (or "") is removed, as in MT.
MetadataChange = dict[str, str | None]
Metadata = dict[str, str]


class Accepted(BaseModel):
    """A body or query: unknown fields are refused (422 naming them)."""

    model_config = ConfigDict(extra="forbid")


class Page(Accepted):
    per_page: PerPage | None = None
    after_cursor: str | None = None


# --- ledgers ---------------------------------------------------------------------------------


class LedgerCreate(Accepted):
    name: str
    description: str | None = None
    metadata: MetadataChange | None = None


class LedgerUpdate(Accepted):
    name: str | None = None
    description: str | None = None
    metadata: MetadataChange | None = None


class LedgerList(Page):
    metadata: Metadata | None = None


class Ledger(BaseModel):
    id: str
    object: Literal["ledger"]
    live_mode: bool
    name: str
    description: str | None
    metadata: Metadata
    discarded_at: datetime | None
    created_at: datetime
    updated_at: datetime


# --- balances --------------------------------------------------------------------------------


class LedgerBalance(BaseModel):
    credits: int
    debits: int
    amount: int
    credits_string: str
    debits_string: str
    amount_string: str
    currency: str
    currency_exponent: int


class LedgerBalances(BaseModel):
    pending_balance: LedgerBalance
    posted_balance: LedgerBalance
    available_balance: LedgerBalance


class AsOf(Accepted):
    effective_at: datetime | None = None


class AccountAsOf(AsOf):
    as_of_lock_version: Version | None = None


# --- ledger accounts -------------------------------------------------------------------------


class LedgerAccountCreate(Accepted):
    ledger_id: Id
    name: str
    currency: str
    normal_balance: NormalBalance
    currency_exponent: Exponent | None = None
    description: str | None = None
    metadata: MetadataChange | None = None


class LedgerAccountUpdate(LedgerUpdate):
    pass


class LedgerAccountRetrieve(Accepted):
    balances: AccountAsOf | None = None


class LedgerAccountList(Page):
    ledger_id: Id | None = None
    currency: str | None = None
    metadata: Metadata | None = None


class LedgerAccount(BaseModel):
    id: str
    object: Literal["ledger_account"]
    live_mode: bool
    ledger_id: str
    name: str
    description: str | None
    normal_balance: NormalBalance
    currency: str
    currency_exponent: int
    lock_version: int
    balances: LedgerBalances
    metadata: Metadata
    discarded_at: datetime | None
    created_at: datetime
    updated_at: datetime


# --- categories ------------------------------------------------------------------------------


class LedgerAccountCategoryCreate(LedgerAccountCreate):
    ledger_account_category_ids: list[Id] | None = None


class LedgerAccountCategoryRetrieve(Accepted):
    balances: AsOf | None = None


class LedgerAccountCategoryList(Page):
    ledger_id: Id | None = None
    ledger_account_id: Id | None = None
    parent_ledger_account_category_id: Id | None = None
    currency: str | None = None
    metadata: Metadata | None = None


class LedgerAccountCategory(BaseModel):
    id: str
    object: Literal["ledger_account_category"]
    live_mode: bool
    ledger_id: str
    name: str
    description: str | None
    normal_balance: NormalBalance
    currency: str
    currency_exponent: int
    balances: LedgerBalances | None  # null in a membership change's answer: read the category for them
    ledger_account_count: int
    metadata: Metadata
    discarded_at: datetime | None
    created_at: datetime
    updated_at: datetime


# --- ledger transactions and entries ---------------------------------------------------------


class BalanceCondition(Accepted):
    gt: Int64 | None = None
    gte: Int64 | None = None
    lt: Int64 | None = None
    lte: Int64 | None = None
    eq: Int64 | None = None


class LedgerEntryCreate(Accepted):
    ledger_account_id: Id
    direction: Direction
    amount: Amount
    lock_version: Version | None = None
    pending_balance_amount: BalanceCondition | None = None
    posted_balance_amount: BalanceCondition | None = None
    available_balance_amount: BalanceCondition | None = None
    # ledgerd always answers with the resulting balances; accepted for MT's clients.
    show_resulting_ledger_account_balances: bool | None = None
    metadata: MetadataChange | None = None


class Timing(Accepted):
    effective_at: datetime | None = None
    # MT's date form of effective_at: that day at 00:00 UTC (effective_at wins when both are sent).
    effective_date: date | None = None


class LedgerTransactionCreate(Timing):
    ledger_entries: list[LedgerEntryCreate] = Field(max_length=limits.entries_per_transaction_max + 1)
    status: Status | None = None
    external_id: str | None = None
    description: str | None = None
    metadata: MetadataChange | None = None


class LedgerTransactionUpdate(Timing):
    status: Status | None = None
    ledger_entries: list[LedgerEntryCreate] | None = Field(
        default=None, max_length=limits.entries_per_transaction_max + 1
    )
    description: str | None = None
    metadata: MetadataChange | None = None


class LedgerTransactionReversal(Timing):
    status: Status | None = None
    external_id: str | None = None
    description: str | None = None
    metadata: MetadataChange | None = None


class LedgerTransactionPartialPost(Timing):
    posted_ledger_entries: list[LedgerEntryCreate] = Field(max_length=limits.entries_per_transaction_max + 1)
    description: str | None = None
    metadata: MetadataChange | None = None


class TimeRange(Accepted):
    """MT's comparison filter on a time; ledgerd serves the half-open window [gte, lt)."""

    gte: datetime | None = None
    lt: datetime | None = None


class VersionRange(Accepted):
    gte: Version | None = None
    lt: Version | None = None


class LedgerTransactionList(Page):
    ledger_id: Id | None = None
    ledger_account_id: Id | None = None
    status: Status | None = None
    external_id: str | None = None
    effective_at: TimeRange | None = None
    metadata: Metadata | None = None


class LedgerEntry(BaseModel):
    id: str
    object: Literal["ledger_entry"]
    live_mode: bool
    ledger_transaction_id: str
    ledger_account_id: str
    direction: Direction
    amount: int
    amount_string: str
    status: Status
    effective_at: datetime
    ledger_account_lock_version: int | None
    ledger_account_currency: str
    ledger_account_currency_exponent: int
    resulting_ledger_account_balances: LedgerBalances | None
    metadata: Metadata
    discarded_at: datetime | None
    created_at: datetime
    updated_at: datetime


class LedgerEntryRetrieve(Accepted):
    show_balances: bool | None = None


class LedgerEntryList(Page):
    ledger_account_id: Id | None = None
    ledger_transaction_id: Id | None = None
    status: Status | None = None
    direction: Direction | None = None
    effective_at: TimeRange | None = None
    ledger_account_lock_version: VersionRange | None = None
    # Entries on the account at that version (needs ledger_account_id): lock_version <= it.
    as_of_lock_version: Version | None = None
    show_deleted: bool | None = None
    show_balances: bool | None = None
    metadata: Metadata | None = None


class LedgerTransaction(BaseModel):
    id: str
    object: Literal["ledger_transaction"]
    live_mode: bool
    ledger_id: str
    description: str | None
    status: Status
    external_id: str | None
    effective_at: datetime
    effective_date: date
    posted_at: datetime | None
    ledger_entries: list[LedgerEntry]
    reverses_ledger_transaction_id: str | None
    reversed_by_ledger_transaction_id: str | None
    partially_posts_ledger_transaction_id: str | None
    ledgerable_type: str | None
    ledgerable_id: str | None
    metadata: Metadata
    created_at: datetime
    updated_at: datetime


class LedgerTransactionVersionList(Page):
    ledger_transaction_id: Id
    version: VersionRange | None = None


class LedgerTransactionVersion(LedgerTransaction):
    object: Literal["ledger_transaction_version"]  # type: ignore[assignment]
    ledger_transaction_id: str
    version: int


# --- balance monitors ------------------------------------------------------------------------


class AlertCondition(Accepted):
    field: Literal[
        "available_balance_amount", "pending_balance_amount", "posted_balance_amount", "ledger_account_lock_version"
    ]
    operator: Literal["less_than", "less_than_or_equals", "equals", "greater_than_or_equals", "greater_than"]
    value: Int64


class BalanceMonitorCreate(Accepted):
    ledger_account_id: Id
    alert_condition: AlertCondition
    description: str | None = None
    metadata: MetadataChange | None = None


class BalanceMonitorList(Page):
    ledger_account_id: Id | None = None
    metadata: Metadata | None = None


class BalanceState(BaseModel):
    triggered: bool
    ledger_account_lock_version: int


class BalanceMonitor(BaseModel):
    id: str
    object: Literal["ledger_account_balance_monitor"]
    live_mode: bool
    ledger_account_id: str
    alert_condition: dict[str, Any]
    description: str | None
    current_ledger_account_balance_state: BalanceState
    metadata: Metadata
    discarded_at: datetime | None
    created_at: datetime
    updated_at: datetime


# --- statements ------------------------------------------------------------------------------


class StatementCreate(Accepted):
    ledger_account_id: Id
    effective_at_lower_bound: datetime
    effective_at_upper_bound: datetime


class Statement(BaseModel):
    object: Literal["ledger_account_statement"]
    live_mode: bool
    ledger_id: str
    ledger_account_id: str
    ledger_account_normal_balance: NormalBalance
    ledger_account_lock_version: int
    effective_at_lower_bound: datetime
    effective_at_upper_bound: datetime
    starting_balance: LedgerBalances
    ending_balance: LedgerBalances
    ledger_entries: list[LedgerEntry]
    metadata: Metadata


# --- event handlers and ledgerable events ----------------------------------------------------


class HandlerCondition(Accepted):
    field: str
    operator: str
    value: str


class AccountQuery(Accepted):
    field: str
    operator: str
    value: Any


class HandlerVariable(Accepted):
    type: str
    query: AccountQuery


class EntryTemplate(Accepted):
    ledger_account_id: str  # a template: "{{variables.wallet.id}}" or an id
    amount: str
    direction: str
    metadata: Metadata | None = None
    pending_balance_amount: BalanceCondition | None = None
    posted_balance_amount: BalanceCondition | None = None
    available_balance_amount: BalanceCondition | None = None


class TransactionTemplate(Accepted):
    description: str | None = None
    status: str | None = None
    effective_at: str | None = None
    metadata: Metadata | None = None
    ledger_entries: list[EntryTemplate] = Field(max_length=limits.entries_per_transaction_max + 1)


class EventHandlerCreate(Accepted):
    name: str
    ledger_transaction_template: TransactionTemplate
    ledger_id: Id | None = None
    description: str | None = None
    conditions: HandlerCondition | None = None
    variables: dict[str, HandlerVariable] | None = Field(default=None, max_length=limits.variables_per_handler_max + 1)
    metadata: MetadataChange | None = None


class EventHandlerList(Page):
    ledger_id: Id | None = None
    name: str | None = None
    metadata: Metadata | None = None


class EventHandler(BaseModel):
    id: str
    object: Literal["ledger_event_handler"]
    live_mode: bool
    ledger_id: str | None
    name: str
    description: str | None
    conditions: dict[str, Any] | None
    variables: dict[str, Any]
    ledger_transaction_template: dict[str, Any]
    metadata: Metadata
    discarded_at: datetime | None
    created_at: datetime
    updated_at: datetime


class LedgerableEventCreate(Accepted):
    name: str
    ledger_id: Id | None = None
    description: str | None = None
    custom_data: dict[str, Any] | None = None
    metadata: MetadataChange | None = None


class LedgerableEvent(BaseModel):
    id: str
    object: Literal["ledgerable_event"]
    live_mode: bool
    ledger_id: str | None
    name: str
    description: str | None
    custom_data: dict[str, Any] | None
    ledger_event_handler_id: str | None
    ledger_transaction_id: str | None
    metadata: Metadata
    created_at: datetime
    updated_at: datetime
