"""Hypothesis drives random sequences of creates, posts, archives and reversals through the real
server; after each sequence every account must match a model kept here, entry by entry, and
`verify` must find nothing.

Hypothesis runs synchronous tests, so the property runs in a worker thread with a blocking gRPC
channel while the session's event loop keeps serving."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import asyncpg
import grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerd.server.core.verify import verify
from ledgerd.v1 import ledger_pb2, ledger_pb2_grpc, transaction_pb2, transaction_pb2_grpc

from .ledger_helpers import ARCHIVED, CREDIT, CREDIT_NORMAL, DEBIT, DEBIT_NORMAL, PENDING, POSTED, entry

ACCOUNTS = 4

create = st.tuples(
    st.just("create"),
    st.integers(0, ACCOUNTS - 1),
    st.integers(1, ACCOUNTS - 1),
    st.integers(1, 10**12),
    st.sampled_from([PENDING, POSTED, ARCHIVED]),
)
change = st.tuples(st.sampled_from(["post", "archive", "reverse"]), st.integers(0, 50))
operations = st.lists(st.one_of(create, create, change), min_size=1, max_size=25)


@dataclass
class ModelAccount:
    normal_balance: int
    posted_credits: int = 0
    posted_debits: int = 0
    pending_credits: int = 0
    pending_debits: int = 0
    lock_version: int = 0

    def move(self, direction: int, amount: int, sign: int, status: int) -> None:
        name = ("posted_" if status == POSTED else "pending_") + ("credits" if direction == CREDIT else "debits")
        setattr(self, name, getattr(self, name) + sign * amount)


@dataclass
class Model:
    accounts: dict[str, ModelAccount]
    # id -> (status, [(account id, direction, amount)])
    transactions: list[tuple[str, int, list[tuple[str, int, int]]]] = field(default_factory=list)
    reversed: set[str] = field(default_factory=set)

    def apply(self, entries: list[tuple[str, int, int]], source: int | None, target: int | None) -> None:
        touched = {account for account, _, _ in entries}
        for account, direction, amount in entries:
            if source in (PENDING, POSTED):
                self.accounts[account].move(direction, amount, -1, source)
            if target in (PENDING, POSTED):
                self.accounts[account].move(direction, amount, +1, target)
        if source != target and (source in (PENDING, POSTED) or target in (PENDING, POSTED)):
            for account in touched:
                self.accounts[account].lock_version += 1


def run_sequence(target: str, api_key: str, steps: list[tuple[object, ...]]) -> None:
    metadata = (("authorization", f"Bearer {api_key}"),)
    with grpc.insecure_channel(target) as channel:
        ledgers = ledger_pb2_grpc.LedgerServiceStub(channel)
        transactions = transaction_pb2_grpc.TransactionServiceStub(channel)
        ledger = ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="property"), metadata=metadata).ledger
        model = Model({})
        for n in range(ACCOUNTS):
            normal_balance = CREDIT_NORMAL if n % 2 else DEBIT_NORMAL
            request = ledger_pb2.CreateLedgerAccountRequest(
                ledger_id=ledger.id, name=f"a{n}", normal_balance=normal_balance, currency="USD"
            )
            account = ledgers.CreateLedgerAccount(request, metadata=metadata).ledger_account
            model.accounts[account.id] = ModelAccount(normal_balance)
        ids = list(model.accounts)

        for step in steps:
            if step[0] == "create":
                _, source, offset, amount, status = step
                debit, credit = ids[source], ids[(source + offset) % ACCOUNTS]
                entries = [(debit, DEBIT, amount), (credit, CREDIT, amount)]
                created = transactions.CreateLedgerTransaction(
                    transaction_pb2.CreateLedgerTransactionRequest(
                        status=status, ledger_entries=[entry(a, d, x) for a, d, x in entries]
                    ),
                    metadata=metadata,
                ).ledger_transaction
                model.transactions.append((created.id, status, entries))
                model.apply(entries, None, status)
                continue
            kind, index = step
            if not model.transactions:
                continue
            position = index % len(model.transactions)
            transaction_id, status, entries = model.transactions[position]
            allowed = (
                (status == PENDING)
                if kind != "reverse"
                else (status == POSTED and transaction_id not in model.reversed)
            )
            try:
                if kind == "reverse":
                    reversal = transactions.ReverseLedgerTransaction(
                        transaction_pb2.ReverseLedgerTransactionRequest(id=transaction_id), metadata=metadata
                    ).ledger_transaction
                    swapped = [(a, CREDIT if d == DEBIT else DEBIT, x) for a, d, x in entries]
                    model.transactions.append((reversal.id, POSTED, swapped))
                    model.reversed.add(transaction_id)
                    model.apply(swapped, None, POSTED)
                else:
                    new_status = POSTED if kind == "post" else ARCHIVED
                    transactions.UpdateLedgerTransaction(
                        transaction_pb2.UpdateLedgerTransactionRequest(id=transaction_id, status=new_status),
                        metadata=metadata,
                    )
                    model.transactions[position] = (transaction_id, new_status, entries)
                    model.apply(entries, status, new_status)
                assert allowed, f"{kind} of a {status} transaction was accepted"
            except grpc.RpcError as error:
                assert not allowed, error
                assert error.code() == grpc.StatusCode.FAILED_PRECONDITION, error

        for account_id, expected in model.accounts.items():
            account = ledgers.GetLedgerAccount(
                ledger_pb2.GetLedgerAccountRequest(id=account_id), metadata=metadata
            ).ledger_account
            posted, pending = account.balances.posted_balance, account.balances.pending_balance
            assert (posted.credits, posted.debits) == (expected.posted_credits, expected.posted_debits)
            assert (pending.credits, pending.debits) == (
                expected.posted_credits + expected.pending_credits,
                expected.posted_debits + expected.pending_debits,
            )
            assert account.lock_version == expected.lock_version
        for transaction_id, _, _ in model.transactions:
            got = transactions.GetLedgerTransaction(
                transaction_pb2.GetLedgerTransactionRequest(id=transaction_id), metadata=metadata
            ).ledger_transaction
            debits = sum(e.amount for e in got.ledger_entries if e.direction == DEBIT)
            assert debits == sum(e.amount for e in got.ledger_entries if e.direction == CREDIT) > 0


async def test_random_sequences_of_writes_keep_every_invariant(target: str, api_key: str, pool: asyncpg.Pool) -> None:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps=operations)
    def property_holds(steps: list[tuple[object, ...]]) -> None:
        run_sequence(target, api_key, steps)

    await asyncio.to_thread(property_holds)
    offenders = {check: rows for check, rows in (await verify(pool)).items() if rows}
    assert offenders == {}
