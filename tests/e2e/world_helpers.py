"""An organization with two of everything, for tests that need one of each kind of resource (and
a second page of every list)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ledgerd.client import LedgerdClient
from ledgerd.v1 import event_pb2, hold_pb2, ledger_pb2, monitor_pb2, transaction_pb2

from .category_helpers import create_category
from .event_helpers import TOP_UP_EVENT, TOP_UP_HANDLER, Wallets, create_handler, post_event
from .ledger_helpers import DEBIT_NORMAL, POSTED, create_account, create_ledger, create_transaction, transfer


class World:
    """Two of everything a list pages through, an event, and a way to call each list. Every id it
    made is in `ids`."""

    async def open(self, client: LedgerdClient) -> World:
        self.client = client
        self.ids: dict[str, list[str]] = {}
        self.ledger = self.made("ledger", (await create_ledger(client)).id)
        self.made("ledger", (await create_ledger(client, "Second")).id)
        cash = self.made(
            "ledger_account", (await create_account(client, self.ledger, "Cash", normal_balance=DEBIT_NORMAL)).id
        )
        self.wallet = self.made("ledger_account", (await create_account(client, self.ledger, "Wallet")).id)
        pending = await create_transaction(client, transfer(cash, self.wallet, 10))
        posted = await create_transaction(client, transfer(cash, self.wallet, 20, status=POSTED))
        self.transaction = pending.id
        for transaction in (pending, posted):
            self.made("ledger_transaction", transaction.id)
            for entry in transaction.ledger_entries:
                self.made("ledger_entry", entry.id)
        for amount in (1, 2):
            await client.transactions.UpdateLedgerTransaction(
                transaction_pb2.UpdateLedgerTransactionRequest(id=self.transaction, metadata={"n": str(amount)})
            )
            placed = await client.holds.PlaceHold(
                hold_pb2.PlaceHoldRequest(
                    ledger_account_id=self.wallet, counter_ledger_account_id=cash, amount=amount, currency="USD"
                )
            )
            self.made("hold", placed.hold.id)
            self.made("ledger_account_category", (await create_category(client, self.ledger, f"Category {amount}")).id)
            monitor = await client.monitors.CreateLedgerAccountBalanceMonitor(
                monitor_pb2.CreateLedgerAccountBalanceMonitorRequest(
                    ledger_account_id=self.wallet,
                    alert_condition=monitor_pb2.BalanceMonitorCondition(
                        field=monitor_pb2.BALANCE_MONITOR_FIELD_AVAILABLE_BALANCE_AMOUNT,
                        operator=monitor_pb2.BALANCE_MONITOR_OPERATOR_LESS_THAN,
                        value=amount,
                    ),
                )
            )
            self.made("ledger_account_balance_monitor", monitor.ledger_account_balance_monitor.id)
        wallets = await Wallets(client).open()
        self.made("ledger", wallets.ledger.id)
        self.made("ledger_account", wallets.wallet.id)
        self.made("ledger_account", wallets.top_up.id)
        self.made("ledger_event_handler", (await create_handler(client, wallets.ledger.id, TOP_UP_HANDLER)).id)
        second = {**TOP_UP_HANDLER, "conditions": {**TOP_UP_HANDLER["conditions"], "value": "Other"}}
        self.made("ledger_event_handler", (await create_handler(client, wallets.ledger.id, second)).id)
        posted_event = await post_event(client, wallets.ledger.id, TOP_UP_EVENT)
        self.made("ledgerable_event", posted_event.ledgerable_event.id)
        self.made("ledger_transaction", posted_event.ledger_transaction.id)
        return self

    def made(self, kind: str, resource_id: str) -> str:
        self.ids.setdefault(kind, []).append(resource_id)
        return resource_id

    def calls(self) -> dict[str, Callable[..., Awaitable[Any]]]:
        c = self.client
        return {
            "ListLedgers": lambda **f: c.ledgers.ListLedgers(ledger_pb2.ListLedgersRequest(**f)),
            "ListLedgerAccounts": lambda **f: c.ledgers.ListLedgerAccounts(ledger_pb2.ListLedgerAccountsRequest(**f)),
            "ListLedgerAccountCategories": lambda **f: c.ledgers.ListLedgerAccountCategories(
                ledger_pb2.ListLedgerAccountCategoriesRequest(**f)
            ),
            "ListLedgerTransactions": lambda **f: c.transactions.ListLedgerTransactions(
                transaction_pb2.ListLedgerTransactionsRequest(**f)
            ),
            "ListLedgerEntries": lambda **f: c.transactions.ListLedgerEntries(
                transaction_pb2.ListLedgerEntriesRequest(**f)
            ),
            "ListLedgerTransactionVersions": lambda **f: c.transactions.ListLedgerTransactionVersions(
                transaction_pb2.ListLedgerTransactionVersionsRequest(ledger_transaction_id=self.transaction, **f)
            ),
            "ListHolds": lambda **f: c.holds.ListHolds(hold_pb2.ListHoldsRequest(**f)),
            "ListLedgerAccountBalanceMonitors": lambda **f: c.monitors.ListLedgerAccountBalanceMonitors(
                monitor_pb2.ListLedgerAccountBalanceMonitorsRequest(**f)
            ),
            "ListLedgerEventHandlers": lambda **f: c.events.ListLedgerEventHandlers(
                event_pb2.ListLedgerEventHandlersRequest(**f)
            ),
        }

    async def tokens(self) -> dict[str, str]:
        """Each list's token for its second page."""
        tokens = {}
        for name, call in self.calls().items():
            tokens[name] = (await call(page_size=1)).next_page_token
            assert tokens[name], f"{name} has a single page"
        return tokens
