"""Modern Treasury's SendCash tutorial (docs/modern-treasury.md) with its exact numbers, end to end over gRPC."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import asyncpg
import pytest

from ledgerd.client import LedgerdClient
from ledgerd.v1 import transaction_pb2

from .http_helpers import new_organization
from .ledger_helpers import (
    DEBIT_NORMAL,
    POSTED,
    amounts,
    create_account,
    create_ledger,
    create_transaction,
    get_account,
    transfer,
)

README = Path(__file__).resolve().parents[2] / "README.md"


async def test_seed_send_cash_flow_gives_jane_the_documented_balances(client: LedgerdClient) -> None:
    ledger = await create_ledger(client, "SendCash")
    cash = await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)
    jane = await create_account(client, ledger.id, "Jane Doe Wallet")
    john = await create_account(client, ledger.id, "John Doe Wallet")
    assert jane.currency_exponent == 2 and jane.lock_version == 0 and amounts(jane) == (0, 0, 0)

    deposit = await create_transaction(client, transfer(cash.id, jane.id, 10000, status=POSTED))
    assert [e.ledger_account_lock_version for e in deposit.ledger_entries] == [1, 1]
    sent = await create_transaction(client, transfer(jane.id, john.id, 5000, status=POSTED))
    jane_entry = next(e for e in sent.ledger_entries if e.ledger_account_id == jane.id)
    assert jane_entry.ledger_account_lock_version == 2
    assert jane_entry.resulting_ledger_account_balances.posted_balance.amount == 5000
    withdrawal = await create_transaction(client, transfer(john.id, cash.id, 5000, status=POSTED))

    jane = await get_account(client, jane.id)
    posted = jane.balances.posted_balance
    assert (posted.credits, posted.debits, posted.amount, posted.currency, posted.currency_exponent) == (
        10000,
        5000,
        5000,
        "USD",
        2,
    )
    assert jane.lock_version == 2 and amounts(jane) == (5000, 5000, 5000)
    john = await get_account(client, john.id)
    assert amounts(john) == (0, 0, 0) and john.lock_version == 2
    cash = await get_account(client, cash.id)
    assert amounts(cash) == (5000, 5000, 5000) and cash.lock_version == 2

    listed = await client.transactions.ListLedgerTransactions(
        transaction_pb2.ListLedgerTransactionsRequest(ledger_id=ledger.id)
    )
    assert [t.id for t in listed.ledger_transactions] == [deposit.id, sent.id, withdrawal.id]
    assert listed.next_page_token == ""


@pytest.mark.parametrize("name", ["walkthrough", "events-walkthrough"])
async def test_the_readme_walkthrough_prints_what_the_readme_says(
    name: str, target: str, api_key: str, tmp_path: Path
) -> None:
    environment = {"LEDGERD_TARGET": target, "LEDGERD_API_KEY": api_key}
    output, printed = await run_readme_walkthrough(name, environment, tmp_path)
    assert output == printed


async def test_the_readme_walkthrough_with_modern_treasurys_sdk_prints_what_the_readme_says(
    http_base: str, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    organization = await new_organization(pool)
    environment = {
        "MODERN_TREASURY_BASE_URL": http_base,
        "MODERN_TREASURY_ORGANIZATION_ID": organization.name,
        "MODERN_TREASURY_API_KEY": organization.api_key,
    }
    output, printed = await run_readme_walkthrough("rest-walkthrough", environment, tmp_path)
    assert output == printed


async def run_readme_walkthrough(name: str, environment: dict[str, str], folder: Path) -> tuple[str, str]:
    """(what the README's `name` script printed, what the README says it prints)."""
    readme = README.read_text()
    code, after = readme.split(f"<!-- {name}:start -->")[1].split(f"<!-- {name}:end -->")
    code = code.strip().removeprefix("```python").removesuffix("```")
    printed = after.split("It prints")[1].split("```")[1].strip()
    script = folder / "sendcash.py"
    script.write_text(code)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        env={**os.environ, **environment},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    output, errors = await process.communicate()
    assert process.returncode == 0, errors.decode()
    return output.decode().strip(), printed
