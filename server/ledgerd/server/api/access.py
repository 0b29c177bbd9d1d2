"""Who may call what: every RPC's full method name, the least role that may call it and the request
fields naming the ledgers or objects it touches (docs/security.md). The authorization interceptor
reads only this table; tests/unit/test_access_table.py fails when an RPC of the protos is missing.

A scope path is a dotted chain of field names; a repeated field along it stands for each of its items
("requests.ledger_entries.ledger_account_id" names every entry's account of every request)."""

from __future__ import annotations

from dataclasses import dataclass

from ledgerd.server.domain.roles import Role
from ledgerd.server.store.scopes import Kind


@dataclass(frozen=True, slots=True)
class Access:
    role: Role
    # (path, kind): what the ids at `path` name. A key confined to ledgers may call the method only
    # when the request names at least one of them, all within its ledgers...
    scope: tuple[tuple[str, Kind], ...] = ()
    # ...or, for a list whose items carry their ledger (`ledger_id`, or a ledger's own `id`), when it
    # names none: the response's repeated field `rows` then keeps only the key's ledgers' items (a
    # page may come out shorter than asked; its next_page_token still continues after it).
    rows: str | None = None
    # Paths in the response to the objects the call made (each with its `id` and `ledger_id`): a
    # confined key's process remembers their ledger, so that the next call naming them (the capture
    # of a hold just placed) asks the database nothing.
    made: tuple[tuple[str, Kind], ...] = ()


R, A, W = Role.READER, Role.AUTHORIZER, Role.WRITER
LEDGER, ACCOUNT, CATEGORY = Kind.LEDGER, Kind.ACCOUNT, Kind.CATEGORY
TRANSACTION, ENTRY, HOLD = Kind.TRANSACTION, Kind.ENTRY, Kind.HOLD
MONITOR, HANDLER, EVENT = Kind.MONITOR, Kind.EVENT_HANDLER, Kind.LEDGERABLE_EVENT
HOLD_ACCOUNTS = (("ledger_account_id", ACCOUNT), ("counter_ledger_account_id", ACCOUNT))

_L = "/ledgerd.v1.LedgerService/"
_T = "/ledgerd.v1.TransactionService/"
_B = "/ledgerd.v1.BalanceService/"
_H = "/ledgerd.v1.HoldService/"
_M = "/ledgerd.v1.BalanceMonitorService/"
_E = "/ledgerd.v1.EventService/"

METHOD_ACCESS: dict[str, Access] = {
    # A new ledger is outside every confinement: only unconfined writers make ledgers.
    _L + "CreateLedger": Access(W),
    _L + "GetLedger": Access(R, (("id", LEDGER),)),
    _L + "ListLedgers": Access(R, rows="ledgers"),
    _L + "UpdateLedger": Access(W, (("id", LEDGER),)),
    _L + "CreateLedgerAccount": Access(W, (("ledger_id", LEDGER),)),
    _L + "GetLedgerAccount": Access(R, (("id", ACCOUNT),)),
    _L + "ListLedgerAccounts": Access(R, (("ledger_id", LEDGER),), rows="ledger_accounts"),
    _L + "UpdateLedgerAccount": Access(W, (("id", ACCOUNT),)),
    _L + "CreateLedgerAccountCategory": Access(W, (("ledger_id", LEDGER), ("ledger_account_category_ids", CATEGORY))),
    _L + "GetLedgerAccountCategory": Access(R, (("id", CATEGORY),)),
    _L + "ListLedgerAccountCategories": Access(
        R,
        (("ledger_id", LEDGER), ("ledger_account_id", ACCOUNT), ("parent_ledger_account_category_id", CATEGORY)),
        rows="ledger_account_categories",
    ),
    _L + "AddLedgerAccountToCategory": Access(
        W, (("ledger_account_category_id", CATEGORY), ("ledger_account_id", ACCOUNT))
    ),
    _L + "RemoveLedgerAccountFromCategory": Access(
        W, (("ledger_account_category_id", CATEGORY), ("ledger_account_id", ACCOUNT))
    ),
    _L + "AddCategoryToCategory": Access(
        W, (("ledger_account_category_id", CATEGORY), ("nested_ledger_account_category_id", CATEGORY))
    ),
    _L + "RemoveCategoryFromCategory": Access(
        W, (("ledger_account_category_id", CATEGORY), ("nested_ledger_account_category_id", CATEGORY))
    ),
    _L + "GetLedgerAccountStatement": Access(R, (("ledger_account_id", ACCOUNT),)),
    _T + "CreateLedgerTransaction": Access(
        W, (("ledger_entries.ledger_account_id", ACCOUNT),), made=(("ledger_transaction", TRANSACTION),)
    ),
    _T + "GetLedgerTransaction": Access(R, (("id", TRANSACTION),)),
    _T + "ListLedgerTransactions": Access(
        R, (("ledger_id", LEDGER), ("ledger_account_id", ACCOUNT)), rows="ledger_transactions"
    ),
    _T + "UpdateLedgerTransaction": Access(W, (("id", TRANSACTION), ("ledger_entries.ledger_account_id", ACCOUNT))),
    _T + "ReverseLedgerTransaction": Access(W, (("id", TRANSACTION),)),
    _T + "CreateLedgerTransactions": Access(W, (("requests.ledger_entries.ledger_account_id", ACCOUNT),)),
    _T + "GetLedgerEntry": Access(R, (("id", ENTRY),)),
    _T + "ListLedgerEntries": Access(R, (("ledger_account_id", ACCOUNT), ("ledger_transaction_id", TRANSACTION))),
    _T + "PartialPostLedgerTransaction": Access(
        W, (("id", TRANSACTION), ("posted_ledger_entries.ledger_account_id", ACCOUNT))
    ),
    _T + "ListLedgerTransactionVersions": Access(R, (("ledger_transaction_id", TRANSACTION),)),
    _T + "WatchLedgerTransactions": Access(R, (("ledger_id", LEDGER),)),
    _B + "GetBalances": Access(R, (("ledger_account_ids", ACCOUNT), ("ledger_account_category_id", CATEGORY))),
    _B + "WatchBalances": Access(R, (("ledger_account_ids", ACCOUNT),)),
    _H + "PlaceHold": Access(A, HOLD_ACCOUNTS, made=(("hold", HOLD),)),
    _H + "IncreaseHold": Access(A, (("hold_id", HOLD),)),
    _H + "CaptureHold": Access(A, (("hold_id", HOLD),), made=(("ledger_transaction", TRANSACTION),)),
    _H + "ReleaseHold": Access(A, (("hold_id", HOLD),)),
    _H + "GetHold": Access(R, (("id", HOLD),)),
    # A card adapter finds a hold by its external_id alone.
    _H + "ListHolds": Access(R, (("ledger_account_id", ACCOUNT),), rows="holds"),
    # A stream: each request is checked as it arrives.
    _H + "PlaceHolds": Access(A, HOLD_ACCOUNTS, made=(("hold", HOLD),)),
    _H + "PlaceHoldBatch": Access(
        A, tuple((f"requests.{path}", kind) for path, kind in HOLD_ACCOUNTS), made=(("results.response.hold", HOLD),)
    ),
    _M + "CreateLedgerAccountBalanceMonitor": Access(W, (("ledger_account_id", ACCOUNT),)),
    _M + "GetLedgerAccountBalanceMonitor": Access(R, (("id", MONITOR),)),
    _M + "ListLedgerAccountBalanceMonitors": Access(R, (("ledger_account_id", ACCOUNT),)),
    _M + "ListLedgerAccountBalanceMonitorAlerts": Access(R, (("ledger_account_balance_monitor_id", MONITOR),)),
    # A template's literal account ids are checked; its variables find accounts of the handler's
    # ledger only, and core/events.py refuses a rendered account of another ledger.
    _E + "CreateLedgerEventHandler": Access(
        W, (("ledger_id", LEDGER), ("ledger_transaction_template.ledger_entries.ledger_account_id", ACCOUNT))
    ),
    _E + "GetLedgerEventHandler": Access(R, (("id", HANDLER),)),
    _E + "ListLedgerEventHandlers": Access(R, (("ledger_id", LEDGER),), rows="ledger_event_handlers"),
    _E + "DisableLedgerEventHandler": Access(W, (("id", HANDLER),)),
    _E + "CreateLedgerableEvent": Access(W, (("ledger_id", LEDGER),)),
    _E + "GetLedgerableEvent": Access(R, (("id", EVENT),)),
    # The audit trail (docs/security.md, "Audit"): admins only, and no confined key.
    "/ledgerd.v1.AuditService/ListAuditEvents": Access(Role.ADMIN),
}
