"""The chart of accounts of a run: N funded credit-normal USD wallets, one shared settlement
account (every hold's counter account, as in a real card program) and the cash account that
funded the wallets."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ledgerd.client import LedgerdClient
from ledgerd.v1 import common_pb2, event_pb2, ledger_pb2, transaction_pb2

# Enough for every hold of a long run: the harness measures speed, not declines.
wallet_funds = 10**12
setup_concurrency = 32


@dataclass(frozen=True)
class Chart:
    ledger_id: str
    wallets: list[str]
    settlement: str
    cash: str


def posted_transfer(
    debit: str, credit: str, amount: int, description: str
) -> transaction_pb2.CreateLedgerTransactionRequest:
    return transaction_pb2.CreateLedgerTransactionRequest(
        status=common_pb2.LEDGER_TRANSACTION_STATUS_POSTED,
        description=description,
        ledger_entries=[
            transaction_pb2.LedgerEntryRequest(
                ledger_account_id=debit, direction=common_pb2.DIRECTION_DEBIT, amount=amount
            ),
            transaction_pb2.LedgerEntryRequest(
                ledger_account_id=credit, direction=common_pb2.DIRECTION_CREDIT, amount=amount
            ),
        ],
    )


async def create_chart(client: LedgerdClient, name: str, wallets: int) -> Chart:
    ledger = (await client.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name=name))).ledger

    async def account(account_name: str, normal_balance: int, metadata: dict[str, str] | None = None) -> str:
        request = ledger_pb2.CreateLedgerAccountRequest(
            ledger_id=ledger.id, name=account_name, normal_balance=normal_balance, currency="USD", metadata=metadata
        )
        return str((await client.ledgers.CreateLedgerAccount(request)).ledger_account.id)

    cash = await account("Cash", common_pb2.NORMAL_BALANCE_DEBIT)
    settlement = await account("Card settlement", common_pb2.NORMAL_BALANCE_DEBIT)
    room = asyncio.Semaphore(setup_concurrency)

    async def wallet(index: int) -> str:
        async with room:
            # The events scenario's handler finds a wallet by this tag (the metadata GIN index).
            return await account(f"Wallet {index}", common_pb2.NORMAL_BALANCE_CREDIT, {"wallet_number": str(index)})

    ids = list(await asyncio.gather(*(wallet(i) for i in range(wallets))))
    await fund(client, cash, ids)
    return Chart(ledger.id, ids, settlement, cash)


async def fund(client: LedgerdClient, cash: str, wallets: list[str]) -> None:
    def deposit(wallet: str) -> transaction_pb2.CreateLedgerTransactionRequest:
        return posted_transfer(cash, wallet, wallet_funds, "Funding")

    # Cash is on every funding transaction: batches keep that from serialising the setup.
    for start in range(0, len(wallets), 100):
        response = await client.transactions.CreateLedgerTransactions(
            transaction_pb2.CreateLedgerTransactionsRequest(requests=[deposit(w) for w in wallets[start : start + 100]])
        )
        failed = [r.error for r in response.results if r.HasField("error")]
        if failed:
            raise RuntimeError(f"funding failed: {failed[0]}")


TRANSFER_EVENT = "Transfer"


def _wallet_numbered(side: str) -> event_pb2.LedgerEventHandlerVariable:
    variable = event_pb2.LedgerEventHandlerVariable(
        type="ledger_account", query=event_pb2.LedgerAccountQuery(field="metadata", operator="contains")
    )
    variable.query.value.struct_value.update({"wallet_number": f"{{{{ledgerable_event.custom_data.{side}}}}}"})
    return variable


async def create_transfer_handler(client: LedgerdClient, chart: Chart) -> str:
    """The events scenario's handler: a "Transfer" event {from, to, amount} (wallet numbers) becomes
    the same posted, guarded transfer the transfers scenario writes directly."""
    amount = "{{ledgerable_event.custom_data.amount}}"
    request = event_pb2.CreateLedgerEventHandlerRequest(
        ledger_id=chart.ledger_id,
        name="Wallet transfers",
        conditions=event_pb2.LedgerEventHandlerCondition(
            field="ledgerable_event.name", operator="equals", value=TRANSFER_EVENT
        ),
        variables={"source": _wallet_numbered("from"), "target": _wallet_numbered("to")},
        ledger_transaction_template=event_pb2.LedgerTransactionTemplate(
            description="Transfer from {{source.name}}",
            status="posted",
            ledger_entries=[
                event_pb2.LedgerEntryTemplate(
                    ledger_account_id="{{variables.source.id}}",
                    amount=amount,
                    direction="debit",
                    available_balance_amount=common_pb2.BalanceCondition(gte=0),
                ),
                event_pb2.LedgerEntryTemplate(
                    ledger_account_id="{{variables.target.id}}", amount=amount, direction="credit"
                ),
            ],
        ),
    )
    return str((await client.events.CreateLedgerEventHandler(request)).ledger_event_handler.id)
