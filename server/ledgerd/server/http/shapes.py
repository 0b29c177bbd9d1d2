"""What MT's JSON has that the mechanical mapping (wire.py) does not give: each object's `object`
and `live_mode` (always true: ledgerd has no sandbox), dates beside times, and the requests' MT
spellings (`effective_date`, `balances[effective_at]`, `effective_at[gte]`) as the servicers'
fields."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

JsonObject = dict[str, Any]


BALANCE_AMOUNTS = ("credits", "debits", "amount")


def with_string_twins(value: Any) -> Any:
    """MT's newer answers carry every amount twice, as a number and as a string (`amount_string`,
    `credits_string`, `debits_string`: MT's amounts go to 36 digits); ledgerd's are int64, exact
    either way, and sent both ways for the clients that read the strings."""
    if isinstance(value, list):
        return [with_string_twins(item) for item in value]
    if not isinstance(value, dict):
        return value
    twinned = {key: with_string_twins(item) for key, item in value.items()}
    for key in BALANCE_AMOUNTS:
        if isinstance(twinned.get(key), int) and not isinstance(twinned[key], bool):
            twinned[f"{key}_string"] = str(twinned[key])
    return twinned


def mt_object(kind: str, *, updated: bool = True, discarded: bool = True) -> Callable[[JsonObject], JsonObject]:
    def shape(value: JsonObject) -> JsonObject:
        shaped: JsonObject = {"object": kind, "live_mode": True, **with_string_twins(value)}
        if updated and "updated_at" not in value:
            shaped["updated_at"] = value.get("created_at")  # written once, never updated
        if discarded:
            shaped.setdefault("discarded_at", None)
        return shaped

    return shape


ledger = mt_object("ledger")
ledger_account = mt_object("ledger_account")
ledger_account_category = mt_object("ledger_account_category")
ledger_entry = mt_object("ledger_entry")
ledgerable_event = mt_object("ledgerable_event", discarded=False)


def ledger_transaction(value: JsonObject) -> JsonObject:
    shaped = mt_object("ledger_transaction", discarded=False)(value)
    shaped["effective_date"] = value["effective_at"][:10] if value.get("effective_at") else None
    shaped["ledger_entries"] = [ledger_entry(entry) for entry in value.get("ledger_entries", [])]
    return shaped


def balance_monitor(value: JsonObject) -> JsonObject:
    shaped = mt_object("ledger_account_balance_monitor")(value)
    shaped["current_ledger_account_balance_state"] = {
        "triggered": shaped.pop("triggered"),
        "ledger_account_lock_version": shaped.pop("ledger_account_lock_version"),
    }
    return shaped


def ledger_event_handler(value: JsonObject) -> JsonObject:
    shaped = mt_object("ledger_event_handler", discarded=False)(value)
    shaped["discarded_at"] = shaped.pop("disabled_at")
    return shaped


def ledger_transaction_version(value: JsonObject) -> JsonObject:
    """MT's version: the transaction's fields as they were, with `ledger_transaction_id` and
    `version` (its `id` is the transaction's: ledgerd keys a version by the two)."""
    shaped = ledger_transaction(value["ledger_transaction"])
    shaped.update(
        object="ledger_transaction_version",
        ledger_transaction_id=value["ledger_transaction_id"],
        version=value["version"],
        created_at=value["created_at"],
    )
    return shaped


def ledger_account_statement(value: JsonObject) -> JsonObject:
    shaped = mt_object("ledger_account_statement", updated=False, discarded=False)(value)
    shaped["ledger_entries"] = [ledger_entry(entry) for entry in value.get("ledger_entries", [])]
    shaped.setdefault("metadata", {})
    return shaped


# --- requests ----------------------------------------------------------------------------------


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def timed(data: JsonObject) -> JsonObject:
    """effective_date as effective_at (that day at 00:00 UTC) unless effective_at is sent too; the
    entries' show_resulting_ledger_account_balances dropped (ledgerd always shows them)."""
    prepared = dict(data)
    day = prepared.pop("effective_date", None)
    if day is not None and prepared.get("effective_at") is None:
        prepared["effective_at"] = start_of(day)
    for entries in ("ledger_entries", "posted_ledger_entries"):
        if prepared.get(entries) is not None:
            prepared[entries] = [
                {k: v for k, v in entry.items() if k != "show_resulting_ledger_account_balances"}
                for entry in prepared[entries]
            ]
    return prepared


def as_of(data: JsonObject) -> JsonObject:
    """balances[effective_at] and balances[as_of_lock_version] as the request's own fields."""
    prepared = dict(data)
    prepared.update(prepared.pop("balances", None) or {})
    return prepared


def windows(data: JsonObject) -> JsonObject:
    """MT's comparison filters as ledgerd's half-open windows: effective_at[gte] / [lt] as
    effective_at_lower_bound / _upper_bound, the same for ledger_account_lock_version and version, and
    as_of_lock_version N as lock versions below N + 1; show_deleted as show_discarded."""
    prepared = dict(data)
    for name in ("effective_at", "ledger_account_lock_version", "version"):
        window = prepared.pop(name, None) or {}
        if window.get("gte") is not None:
            prepared[f"{name}_lower_bound"] = window["gte"]
        if window.get("lt") is not None:
            prepared[f"{name}_upper_bound"] = window["lt"]
    version = prepared.pop("as_of_lock_version", None)
    if version is not None:
        upper = prepared.get("ledger_account_lock_version_upper_bound")
        prepared["ledger_account_lock_version_upper_bound"] = min(
            version + 1, upper if upper is not None else version + 1
        )
    if "show_deleted" in prepared:
        prepared["show_discarded"] = prepared.pop("show_deleted")
    prepared.pop("show_balances", None)  # entries always carry their resulting balances
    return prepared
