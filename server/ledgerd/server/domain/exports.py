"""What `ledgerd export` writes: the tables it exports and, for each, its columns in order with their
kinds. Each output format maps a kind to its own representation (export/csv_writer.py,
export/parquet_writer.py); names are the proto's field names, so a column means what the API's
field means (docs/api.md, "Export")."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ColumnKind(enum.Enum):
    TEXT = "text"  # ids too: a UUID as its canonical text
    INT16 = "int16"  # a currency exponent
    INT64 = "int64"  # an amount in minor units, a lock_version
    TIMESTAMP = "timestamp"  # a UTC instant, microseconds
    JSON = "json"  # metadata: a JSON object as text
    TEXT_LIST = "text_list"  # ids, oldest first


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: ColumnKind
    nullable: bool = False


def text(name: str, *, nullable: bool = False) -> Column:
    return Column(name, ColumnKind.TEXT, nullable)


def int16(name: str) -> Column:
    return Column(name, ColumnKind.INT16)


def int64(name: str) -> Column:
    return Column(name, ColumnKind.INT64)


def timestamp(name: str, *, nullable: bool = False) -> Column:
    return Column(name, ColumnKind.TIMESTAMP, nullable)


def json_object(name: str) -> Column:
    return Column(name, ColumnKind.JSON)


def text_list(name: str) -> Column:
    return Column(name, ColumnKind.TEXT_LIST)


# The balances as stored: the four totals, from which every view follows (docs/design.md, "Balance formulas").
LEDGER_ACCOUNTS = (
    text("id"),
    text("ledger_id"),
    text("name"),
    text("description"),
    text("normal_balance"),
    text("currency"),
    int16("currency_exponent"),
    int64("posted_credits"),
    int64("posted_debits"),
    int64("pending_credits"),
    int64("pending_debits"),
    int64("lock_version"),
    json_object("metadata"),
    timestamp("created_at"),
    timestamp("updated_at"),
)
LEDGER_TRANSACTIONS = (
    text("id"),
    text("ledger_id"),
    text("description"),
    text("status"),
    text("external_id", nullable=True),
    timestamp("effective_at"),
    timestamp("posted_at", nullable=True),
    text("reverses_ledger_transaction_id", nullable=True),
    text("partially_posts_ledger_transaction_id", nullable=True),
    text("ledgerable_type", nullable=True),
    text("ledgerable_id", nullable=True),
    json_object("metadata"),
    timestamp("created_at"),
    timestamp("updated_at"),
)
# Every entry, a discarded one too (its discarded_at set: an update of its pending transaction
# replaced it); status and effective_at are its transaction's.
LEDGER_ENTRIES = (
    text("id"),
    text("ledger_transaction_id"),
    text("ledger_account_id"),
    text("direction"),
    int64("amount"),
    text("ledger_account_currency"),
    int16("ledger_account_currency_exponent"),
    text("status"),
    timestamp("effective_at"),
    int64("ledger_account_lock_version"),
    json_object("metadata"),
    timestamp("created_at"),
    timestamp("discarded_at", nullable=True),
)
HOLDS = (
    text("id"),
    text("ledger_id"),
    text("ledger_account_id"),
    text("counter_ledger_account_id"),
    int64("amount"),
    int64("captured_amount"),
    text("currency"),
    int16("currency_exponent"),
    text("status"),
    text("external_id", nullable=True),
    timestamp("expires_at", nullable=True),
    text("ledger_transaction_id"),
    text_list("capture_ledger_transaction_ids"),
    int64("available_balance_floor"),
    json_object("metadata"),
    timestamp("created_at"),
    timestamp("updated_at"),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "ledger_accounts": LEDGER_ACCOUNTS,
    "ledger_transactions": LEDGER_TRANSACTIONS,
    "ledger_entries": LEDGER_ENTRIES,
    "holds": HOLDS,
}
