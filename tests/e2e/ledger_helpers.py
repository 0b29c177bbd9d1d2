"""Short ways to build ledgers, accounts and transactions in e2e tests."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import grpc
import pytest

from ledgerd.client import ErrorDetails, LedgerdClient, error_details
from ledgerd.v1 import common_pb2, ledger_pb2, transaction_pb2

CREDIT = common_pb2.DIRECTION_CREDIT
DEBIT = common_pb2.DIRECTION_DEBIT
PENDING = common_pb2.LEDGER_TRANSACTION_STATUS_PENDING
POSTED = common_pb2.LEDGER_TRANSACTION_STATUS_POSTED
ARCHIVED = common_pb2.LEDGER_TRANSACTION_STATUS_ARCHIVED
CREDIT_NORMAL = common_pb2.NORMAL_BALANCE_CREDIT
DEBIT_NORMAL = common_pb2.NORMAL_BALANCE_DEBIT


async def create_ledger(client: LedgerdClient, name: str = "Ledger") -> ledger_pb2.Ledger:
    response = await client.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name=name))
    return response.ledger


async def create_account(
    client: LedgerdClient,
    ledger_id: str,
    name: str = "Account",
    *,
    normal_balance: int = CREDIT_NORMAL,
    currency: str = "USD",
    **fields: Any,
) -> ledger_pb2.LedgerAccount:
    response = await client.ledgers.CreateLedgerAccount(
        ledger_pb2.CreateLedgerAccountRequest(
            ledger_id=ledger_id, name=name, normal_balance=normal_balance, currency=currency, **fields
        )
    )
    return response.ledger_account


def entry(account_id: str, direction: int, amount: int, **fields: Any) -> transaction_pb2.LedgerEntryRequest:
    return transaction_pb2.LedgerEntryRequest(
        ledger_account_id=account_id, direction=direction, amount=amount, **fields
    )


def transfer(
    debit_id: str, credit_id: str, amount: int, **fields: Any
) -> transaction_pb2.CreateLedgerTransactionRequest:
    """A two-entry transaction moving `amount` from the debited account to the credited one."""
    return transaction_pb2.CreateLedgerTransactionRequest(
        ledger_entries=[entry(debit_id, DEBIT, amount), entry(credit_id, CREDIT, amount)], **fields
    )


async def create_transaction(
    client: LedgerdClient, request: transaction_pb2.CreateLedgerTransactionRequest
) -> transaction_pb2.LedgerTransaction:
    return (await client.transactions.CreateLedgerTransaction(request)).ledger_transaction


async def get_account(client: LedgerdClient, account_id: str) -> ledger_pb2.LedgerAccount:
    return (await client.ledgers.GetLedgerAccount(ledger_pb2.GetLedgerAccountRequest(id=account_id))).ledger_account


LEDGERD = str(Path(sys.executable).parent / "ledgerd")


async def run_ledgerd(*arguments: str, database_url: str) -> tuple[int, str]:
    """Runs the `ledgerd` command on the test database: (exit status, standard output and error)."""
    process = await asyncio.create_subprocess_exec(
        LEDGERD,
        *arguments,
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def refused(call: Awaitable[Any], code: grpc.StatusCode, reason: str) -> ErrorDetails:
    """Awaits a call that must fail with `code` and ErrorInfo reason `reason` (short name accepted)."""
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    details = error_details(raised.value)
    assert (details.code, details.reason) == (
        code,
        reason if reason.startswith("ERROR_REASON_") else f"ERROR_REASON_{reason}",
    ), details
    return details


def amounts(account: ledger_pb2.LedgerAccount) -> tuple[int, int, int]:
    """(pending, posted, available) amounts."""
    b = account.balances
    return b.pending_balance.amount, b.posted_balance.amount, b.available_balance.amount
