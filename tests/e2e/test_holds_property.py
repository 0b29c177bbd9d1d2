"""Hypothesis drives random place / increase / capture / release / expire sequences through the
real server against a model of the wallet; every hold and balance must match the model, nothing is
captured twice, and `verify` finds nothing. (Runs in a worker thread with a blocking channel, as
in test_invariants_property, so the session's event loop keeps serving.)"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg
import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerd.server.app import RunningServer
from ledgerd.server.core.expirer import expire_due_holds
from ledgerd.server.core.verify import verify
from ledgerd.v1 import hold_pb2, hold_pb2_grpc, ledger_pb2, ledger_pb2_grpc, transaction_pb2, transaction_pb2_grpc

from .ledger_helpers import CREDIT_NORMAL, DEBIT_NORMAL, POSTED, entry

FUNDS = 1_000
PENDING, CAPTURED, RELEASED, EXPIRED = (
    hold_pb2.HOLD_STATUS_PENDING,
    hold_pb2.HOLD_STATUS_CAPTURED,
    hold_pb2.HOLD_STATUS_RELEASED,
    hold_pb2.HOLD_STATUS_EXPIRED,
)

amounts = st.integers(1, 600)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("place"), amounts, st.booleans(), st.booleans()),
        st.tuples(st.just("increase"), st.integers(0, 20), amounts),
        st.tuples(st.just("capture"), st.integers(0, 20), amounts, st.booleans()),
        st.tuples(st.just("release"), st.integers(0, 20), st.one_of(st.none(), amounts)),
        st.tuples(st.just("expire")),
    ),
    min_size=1,
    max_size=20,
)


@dataclass
class ModelHold:
    id: str
    amount: int
    expiring: bool  # placed with a short expiry: only the expirer touches it
    status: int = PENDING
    captured: int = 0
    captures: int = 0


@dataclass
class Model:
    holds: list[ModelHold] = field(default_factory=list)

    @property
    def available(self) -> int:
        return FUNDS - self.captured - sum(h.amount for h in self.holds if h.status == PENDING)

    @property
    def captured(self) -> int:
        return sum(h.captured for h in self.holds)


def run_sequence(target: str, api_key: str, steps: list[tuple[object, ...]], expire: object) -> None:
    metadata = (("authorization", f"Bearer {api_key}"),)
    with grpc.insecure_channel(target) as channel:
        ledgers = ledger_pb2_grpc.LedgerServiceStub(channel)
        transactions = transaction_pb2_grpc.TransactionServiceStub(channel)
        holds = hold_pb2_grpc.HoldServiceStub(channel)
        ledger = ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="holds"), metadata=metadata).ledger

        def account(name: str, normal_balance: int) -> str:
            request = ledger_pb2.CreateLedgerAccountRequest(
                ledger_id=ledger.id, name=name, normal_balance=normal_balance, currency="USD"
            )
            return ledgers.CreateLedgerAccount(request, metadata=metadata).ledger_account.id

        cash, wallet, settlement = (
            account("cash", DEBIT_NORMAL),
            account("w", CREDIT_NORMAL),
            account("s", DEBIT_NORMAL),
        )
        transactions.CreateLedgerTransaction(
            transaction_pb2.CreateLedgerTransactionRequest(
                status=POSTED, ledger_entries=[entry(cash, 2, FUNDS), entry(wallet, 1, FUNDS)]
            ),
            metadata=metadata,
        )
        model = Model()

        def pick(index: int) -> ModelHold | None:
            usable = [h for h in model.holds if not h.expiring]
            return usable[index % len(usable)] if usable else None

        for step in steps:
            kind = step[0]
            if kind == "place":
                _, amount, allow_partial, expiring = step
                request = hold_pb2.PlaceHoldRequest(
                    ledger_account_id=wallet,
                    counter_ledger_account_id=settlement,
                    amount=amount,
                    allow_partial=allow_partial,
                )
                if expiring:
                    soon = Timestamp()
                    soon.FromDatetime(datetime.now(UTC) + timedelta(milliseconds=300))
                    request.expires_at.CopyFrom(soon)
                answer = holds.PlaceHold(request, metadata=metadata)
                headroom = model.available
                expected = amount if amount <= headroom else (headroom if allow_partial and headroom > 0 else 0)
                if expected:
                    assert answer.decision == hold_pb2.HOLD_DECISION_APPROVED and answer.hold.amount == expected
                    model.holds.append(ModelHold(answer.hold.id, expected, bool(expiring)))
                else:
                    assert answer.decision == hold_pb2.HOLD_DECISION_DECLINED
                assert answer.available_balance.amount == model.available
                continue
            if kind == "expire":
                due = [h for h in model.holds if h.expiring and h.status == PENDING]
                time.sleep(0.35 if due else 0)
                expire()  # type: ignore[operator]
                for hold in due:
                    hold.status, hold.amount = EXPIRED, 0
                continue
            hold = pick(step[1])  # type: ignore[arg-type]
            if hold is None:
                continue
            try:
                if kind == "increase":
                    answer = holds.IncreaseHold(
                        hold_pb2.IncreaseHoldRequest(hold_id=hold.id, amount=step[2]), metadata=metadata
                    )
                    approved = hold.status == PENDING and step[2] <= model.available  # type: ignore[operator]
                    assert (answer.decision == hold_pb2.HOLD_DECISION_APPROVED) == approved
                    if approved:
                        hold.amount += step[2]  # type: ignore[operator]
                elif kind == "capture":
                    _, _, amount, final = step
                    holds.CaptureHold(
                        hold_pb2.CaptureHoldRequest(hold_id=hold.id, amount=amount, final=final), metadata=metadata
                    )
                    assert hold.status == PENDING
                    hold.captured += amount  # type: ignore[operator]
                    hold.captures += 1
                    if final or amount >= hold.amount:  # type: ignore[operator]
                        hold.status, hold.amount = CAPTURED, 0
                    else:
                        hold.amount -= amount  # type: ignore[operator]
                else:
                    amount = step[2]
                    request = hold_pb2.ReleaseHoldRequest(hold_id=hold.id)
                    if amount is not None:
                        request.amount = amount  # type: ignore[assignment]
                    holds.ReleaseHold(request, metadata=metadata)
                    assert hold.status == PENDING and (amount is None or amount <= hold.amount)  # type: ignore[operator]
                    if amount is None or amount == hold.amount:
                        hold.status, hold.amount = RELEASED, 0
                    else:
                        hold.amount -= amount  # type: ignore[operator]
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.FAILED_PRECONDITION, error  # type: ignore[attr-defined]
                # Refused only when the hold is final, or a partial release asks for more than it holds.
                assert hold.status != PENDING or (kind == "release" and step[2] > hold.amount), error  # type: ignore[operator]

        for expected in model.holds:
            got = holds.GetHold(hold_pb2.GetHoldRequest(id=expected.id), metadata=metadata).hold
            if expected.expiring and expected.status == PENDING:
                continue  # may or may not have expired by now
            assert (got.status, got.amount, got.captured_amount) == (
                expected.status,
                expected.amount,
                expected.captured,
            )
            # Each accepted capture posted exactly one transaction; none was posted twice.
            assert len(set(got.capture_ledger_transaction_ids)) == len(got.capture_ledger_transaction_ids)
            assert len(got.capture_ledger_transaction_ids) == expected.captures
        balances = ledgers.GetLedgerAccount(ledger_pb2.GetLedgerAccountRequest(id=wallet), metadata=metadata)
        posted = balances.ledger_account.balances.posted_balance
        assert (posted.credits, posted.debits) == (FUNDS, model.captured)
        if not any(h.expiring and h.status == PENDING for h in model.holds):
            assert balances.ledger_account.balances.available_balance.amount == model.available


async def test_random_hold_lifecycles_match_the_model(
    target: str, api_key: str, pool: asyncpg.Pool, server: RunningServer
) -> None:
    loop = asyncio.get_running_loop()

    def expire() -> None:
        asyncio.run_coroutine_threadsafe(expire_due_holds(server.holds), loop).result()

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps=operations)
    def property_holds(steps: list[tuple[object, ...]]) -> None:
        run_sequence(target, api_key, steps, expire)

    await asyncio.to_thread(property_holds)
    assert {check: rows for check, rows in (await verify(pool)).items() if rows} == {}
