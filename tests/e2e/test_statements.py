"""Account statements through the gRPC API: the balances at both ends of a period and the entries
in between, in effective order; consecutive periods chain; the bounds are inclusive below and
exclusive above; bad input refused; a period too full refused by its named limit."""

from __future__ import annotations

from typing import Any

import asyncpg
import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from ledgerd.client import LedgerdClient
from ledgerd.server.domain import limits
from ledgerd.v1 import ledger_pb2, transaction_pb2

from .category_helpers import nothing_written
from .ledger_helpers import (
    ARCHIVED,
    CREDIT,
    DEBIT,
    DEBIT_NORMAL,
    POSTED,
    create_account,
    create_ledger,
    create_transaction,
    entry,
    get_account,
    refused,
    transfer,
)
from .test_balances_as_of import at, triple

INVALID = grpc.StatusCode.INVALID_ARGUMENT


async def statement(client: LedgerdClient, account_id: str, lower: Timestamp, upper: Timestamp) -> Any:
    request = ledger_pb2.GetLedgerAccountStatementRequest(
        ledger_account_id=account_id, effective_at_lower_bound=lower, effective_at_upper_bound=upper
    )
    return (await client.ledgers.GetLedgerAccountStatement(request)).ledger_account_statement


async def test_a_statement_has_its_starting_and_ending_balances_and_the_entries_between(
    client: LedgerdClient,
) -> None:
    ledger = await create_ledger(client)
    cash = (await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    await create_transaction(client, transfer(cash, wallet, 1000, status=POSTED, effective_at=at(2)))
    # In the period [10th, 20th), written out of order: a back-dated one comes last.
    third = await create_transaction(client, transfer(wallet, cash, 30, status=POSTED, effective_at=at(19)))
    pending = await create_transaction(client, transfer(wallet, cash, 200, effective_at=at(15)))
    await create_transaction(client, transfer(wallet, cash, 5, status=ARCHIVED, effective_at=at(12)))
    first = await create_transaction(client, transfer(cash, wallet, 70, status=POSTED, effective_at=at(10)))
    # On the upper bound exactly: the next period's.
    await create_transaction(client, transfer(cash, wallet, 9, status=POSTED, effective_at=at(20)))

    answer = await statement(client, wallet, at(10), at(20))
    assert answer.ledger_account_id == wallet and answer.ledger_id == ledger.id
    assert answer.ledger_account_lock_version == (await get_account(client, wallet)).lock_version
    assert (answer.effective_at_lower_bound, answer.effective_at_upper_bound) == (at(10), at(20))
    assert triple(answer.starting_balance) == (1000, 1000, 1000)
    # Ending: +70 posted, -200 pending (outgoing: gone from available), -30 posted.
    assert triple(answer.ending_balance) == (840, 1040, 840)
    assert [(e.ledger_transaction_id, e.direction, e.amount) for e in answer.ledger_entries] == [
        (first.id, CREDIT, 70),
        (pending.id, DEBIT, 200),
        (third.id, DEBIT, 30),
    ]
    assert answer.ending_balance.pending_balance.currency == "USD"
    # Consecutive periods chain, and the lower bound is inclusive.
    before = await statement(client, wallet, at(1), at(10))
    after = await statement(client, wallet, at(20), at(30))
    assert before.ending_balance == answer.starting_balance and answer.ending_balance == after.starting_balance
    assert [e.amount for e in after.ledger_entries] == [9]
    # Posting the pending one changes the statement: statuses are the current ones.
    await client.transactions.UpdateLedgerTransaction(
        transaction_pb2.UpdateLedgerTransactionRequest(id=pending.id, status=POSTED)
    )
    assert triple((await statement(client, wallet, at(10), at(20))).ending_balance) == (840, 840, 840)


async def test_an_empty_period_has_equal_ends(client: LedgerdClient) -> None:
    ledger = await create_ledger(client)
    cash = (await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    await create_transaction(client, transfer(cash, wallet, 12, status=POSTED, effective_at=at(2)))
    answer = await statement(client, cash, at(3), at(4))
    assert not answer.ledger_entries and answer.starting_balance == answer.ending_balance
    assert triple(answer.ending_balance) == (12, 12, 12)
    assert answer.ledger_account_normal_balance == DEBIT_NORMAL


async def test_bad_statement_requests_are_refused_and_write_nothing(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    ledger = await create_ledger(client)
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    request = ledger_pb2.GetLedgerAccountStatementRequest
    cases: list[tuple[Any, set[str]]] = [
        (request(), {"ledger_account_id", "effective_at_lower_bound", "effective_at_upper_bound"}),
        (
            request(ledger_account_id="x", effective_at_lower_bound=at(2), effective_at_upper_bound=at(2)),
            {
                "ledger_account_id",
                "effective_at_upper_bound",
            },
        ),
        (
            request(
                ledger_account_id=wallet,
                effective_at_lower_bound=Timestamp(seconds=-62_135_596_801),
                effective_at_upper_bound=at(1),
            ),
            {"effective_at_lower_bound"},
        ),
    ]
    async with nothing_written(pool):
        for bad, fields in cases:
            details = await refused(client.ledgers.GetLedgerAccountStatement(bad), INVALID, "INVALID_ARGUMENT")
            assert {field for field, _ in details.field_violations} == fields
        await refused(
            statement(client, "0190c6a0-0000-7000-8000-000000000000", at(1), at(2)),
            grpc.StatusCode.NOT_FOUND,
            "LEDGER_ACCOUNT_NOT_FOUND",
        )


async def test_a_period_with_more_entries_than_the_limit_is_refused(client: LedgerdClient) -> None:
    ledger = await create_ledger(client)
    cash = (await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    per_transaction = limits.entries_per_transaction_max - 1
    written = 0
    while written <= limits.statement_entries_max:
        entries = [entry(wallet, CREDIT, 1) for _ in range(per_transaction)]
        await create_transaction(
            client,
            transaction_pb2.CreateLedgerTransactionRequest(
                ledger_entries=[entry(cash, DEBIT, per_transaction), *entries], status=POSTED, effective_at=at(5)
            ),
        )
        written += per_transaction
    await refused(statement(client, wallet, at(1), at(10)), grpc.StatusCode.FAILED_PRECONDITION, "STATEMENT_TOO_LARGE")
    # The cash side has one entry per transaction: its statement answers.
    answer = await statement(client, cash, at(1), at(10))
    assert triple(answer.ending_balance)[1] == written
