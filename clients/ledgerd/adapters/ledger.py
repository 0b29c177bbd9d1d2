"""The ledger side shared by every processor: find a card's wallet, decide an authorization (a hold)
inside a budget, and apply lifecycle events (increase, capture, release, force post, refund) exactly
once. Only gRPC calls through LedgerdClient; the adapters never see the database.

Exactly once: the hold of an authorization carries the processor's authorization token as its
external_id (a repeat of the same request is a replay), and every lifecycle write carries the
processor's event token as its idempotency key (a redelivery replays the first answer; a key used
before with another body means the event was applied already)."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import grpc

from ledgerd.adapters import limits
from ledgerd.client import LedgerdClient, error_details
from ledgerd.v1 import common_pb2, hold_pb2, ledger_pb2, transaction_pb2

log = logging.getLogger("ledgerd.adapters")

# The floor under holds and posts the network approved without us (stand-in, force post, a capture
# that came first): recorded even when they take the wallet below zero, never refused.
OVERDRAFT_FLOOR = -(2**63 - 1)

APPROVED = hold_pb2.HOLD_DECISION_APPROVED
PENDING = hold_pb2.HOLD_STATUS_PENDING
CAPTURED = hold_pb2.HOLD_STATUS_CAPTURED


class Outcome(enum.Enum):
    """What the ledger says to an authorization; each processor words it its own way."""

    APPROVED = "approved"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    UNKNOWN_CARD = "unknown_card"
    INVALID_AMOUNT = "invalid_amount"
    # No pending hold to add to (an incremental authorization whose first one was declined).
    NO_PENDING_HOLD = "no_pending_hold"
    # The same authorization's hold was released since (e.g. after a late answer was declined).
    HOLD_RELEASED = "hold_released"
    # The ledger did not answer inside the budget.
    TIMED_OUT = "timed_out"
    # The ledger refused the request (another currency, an unknown settlement account, ...).
    REFUSED = "refused"


@dataclass(frozen=True)
class Authorization:
    outcome: Outcome
    # Approved amount in minor units (less than asked on a partial approval); 0 on a decline.
    amount: int = 0
    # The wallet's available balance after the decision, when the ledger told.
    available: common_pb2.LedgerBalance | None = None
    # Undoes an approved change when the answer went out as a decline (the ledger was late).
    undo: Callable[[], Awaitable[Any]] | None = None

    @property
    def approved(self) -> bool:
        return self.outcome is Outcome.APPROVED


def _reason(error: grpc.aio.AioRpcError) -> str:
    return error_details(error).reason.removeprefix("ERROR_REASON_")


def already_applied(error: grpc.aio.AioRpcError) -> bool:
    """The event's idempotency key was used before with another body: the event was applied."""
    return error.code() is grpc.StatusCode.ALREADY_EXISTS and _reason(error) == "IDEMPOTENCY_KEY_REUSED"


def _hold_ended(error: grpc.aio.AioRpcError) -> bool:
    return error.code() is grpc.StatusCode.FAILED_PRECONDITION and _reason(error) == "HOLD_NOT_PENDING"


def outgoing(account: ledger_pb2.LedgerAccount) -> common_pb2.Direction:
    """The direction that lowers the account's balance."""
    if account.normal_balance == common_pb2.NORMAL_BALANCE_CREDIT:
        return common_pb2.DIRECTION_DEBIT
    return common_pb2.DIRECTION_CREDIT


def _opposite(direction: common_pb2.Direction) -> common_pb2.Direction:
    return common_pb2.DIRECTION_CREDIT if direction == common_pb2.DIRECTION_DEBIT else common_pb2.DIRECTION_DEBIT


WalletLookup = Callable[[], Awaitable[ledger_pb2.LedgerAccount | None]]


class CardLedger:
    """One card program: its settlement account (the other side of every hold and post) and the
    wallets of its ledger, found by card metadata."""

    def __init__(self, client: LedgerdClient, settlement: ledger_pb2.LedgerAccount) -> None:
        self.client = client
        self.settlement = settlement
        self._late: set[asyncio.Task[None]] = set()

    @classmethod
    async def open(cls, client: LedgerdClient, settlement_account_id: str) -> CardLedger:
        request = ledger_pb2.GetLedgerAccountRequest(id=settlement_account_id)
        return cls(client, (await client.ledgers.GetLedgerAccount(request)).ledger_account)

    async def wallet(self, metadata_key: str, value: str) -> ledger_pb2.LedgerAccount | None:
        """The one account of the program's ledger whose metadata maps `metadata_key` to `value`."""
        if not value:
            return None
        request = ledger_pb2.ListLedgerAccountsRequest(
            ledger_id=self.settlement.ledger_id, metadata={metadata_key: value}, page_size=2
        )
        accounts = (await self.client.ledgers.ListLedgerAccounts(request)).ledger_accounts
        if len(accounts) > 1:
            log.warning("%s=%s names more than one account: declined", metadata_key, value)
        return accounts[0] if len(accounts) == 1 and accounts[0].id != self.settlement.id else None

    # The real-time decision.

    async def decide(self, budget_seconds: float, decision: Awaitable[Authorization]) -> Authorization:
        """The decision if the ledger makes it inside the budget; otherwise a decline, and a hold that
        lands after it is undone (the ledger call goes on: cancelling it would not tell whether the
        server wrote)."""
        task = asyncio.ensure_future(self._refusal_declines(decision))
        try:
            return await asyncio.wait_for(asyncio.shield(task), budget_seconds)
        except TimeoutError:
            task.add_done_callback(self._undo_late)
            return Authorization(Outcome.TIMED_OUT)

    @staticmethod
    async def _refusal_declines(decision: Awaitable[Authorization]) -> Authorization:
        try:
            return await decision
        except grpc.aio.AioRpcError as error:
            log.warning("the ledger refused an authorization (%s): declined", error_details(error))
            return Authorization(Outcome.REFUSED)

    def _undo_late(self, task: asyncio.Future[Authorization]) -> None:
        if task.cancelled() or task.exception() is not None:
            return
        authorization = task.result()
        if authorization.approved and authorization.undo is not None:
            late = asyncio.create_task(self._run_undo(authorization.undo))
            self._late.add(late)
            late.add_done_callback(self._late.discard)

    @staticmethod
    async def _run_undo(undo: Callable[[], Awaitable[Any]]) -> None:
        try:
            await undo()
            log.info("a hold that landed after its decline was answered is undone")
        except grpc.aio.AioRpcError as error:
            log.error("could not undo a late hold: %s", error_details(error))

    async def drain(self) -> None:
        """Waits for the undoing of late holds (at shutdown)."""
        while self._late:
            await asyncio.gather(*list(self._late), return_exceptions=True)

    async def place_hold(
        self,
        wallet: ledger_pb2.LedgerAccount,
        amount: int,
        currency: str,
        external_id: str,
        *,
        allow_partial: bool = False,
        metadata: Mapping[str, str] | None = None,
    ) -> Authorization:
        """Holds `amount` on the wallet if available; a repeat of the same authorization (same
        external_id and body) answers as the first did."""
        if amount <= 0:
            return Authorization(Outcome.INVALID_AMOUNT)
        request = hold_pb2.PlaceHoldRequest(
            ledger_account_id=wallet.id,
            counter_ledger_account_id=self.settlement.id,
            amount=amount,
            currency=currency.upper(),
            external_id=external_id,
            timeout_seconds=limits.hold_timeout_seconds,
            allow_partial=allow_partial,
            metadata=metadata or {},
        )
        try:
            response = await self.client.holds.PlaceHold(request)
        except grpc.aio.AioRpcError as error:
            if _reason(error) != "HOLD_EXTERNAL_ID_ALREADY_EXISTS":
                raise
            # The same authorization with another amount (or a hold placed from a notification):
            # hold the difference on the hold there is.
            return await self._reconcile(external_id, amount)
        if response.decision != APPROVED:
            return Authorization(Outcome.INSUFFICIENT_FUNDS, available=response.available_balance)
        hold = response.hold
        if hold.status not in (PENDING, CAPTURED):
            return Authorization(Outcome.HOLD_RELEASED, available=response.available_balance)

        async def release() -> None:
            await self._release_request(hold_pb2.ReleaseHoldRequest(hold_id=hold.id))

        return Authorization(Outcome.APPROVED, hold.amount + hold.captured_amount, response.available_balance, release)

    async def _reconcile(self, external_id: str, amount: int) -> Authorization:
        hold = await self.find_hold(external_id)
        if hold is None or hold.status != PENDING:
            return Authorization(Outcome.HOLD_RELEASED)
        if amount <= hold.amount:
            return Authorization(Outcome.APPROVED, amount)
        return await self._increase(hold, amount - hold.amount, f"{external_id}:to:{amount}")

    async def increase_hold(self, external_id: str, amount: int, key: str) -> Authorization:
        """An incremental authorization: `amount` more on the authorization's pending hold."""
        if amount <= 0:
            return Authorization(Outcome.INVALID_AMOUNT)
        hold = await self.find_hold(external_id)
        if hold is None or hold.status != PENDING:
            return Authorization(Outcome.NO_PENDING_HOLD)
        return await self._increase(hold, amount, key)

    async def _increase(self, hold: hold_pb2.Hold, amount: int, key: str) -> Authorization:
        request = hold_pb2.IncreaseHoldRequest(hold_id=hold.id, amount=amount, idempotency_key=key)
        response = await self.client.holds.IncreaseHold(request)
        if response.decision != APPROVED:
            return Authorization(Outcome.INSUFFICIENT_FUNDS, available=response.available_balance)

        async def release_increment() -> None:
            await self._release_request(hold_pb2.ReleaseHoldRequest(hold_id=hold.id, amount=amount))

        return Authorization(Outcome.APPROVED, amount, response.available_balance, release_increment)

    # Lifecycle events.

    async def find_hold(self, external_id: str) -> hold_pb2.Hold | None:
        """The hold of the program's ledger placed for the authorization `external_id`."""
        response = await self.client.holds.ListHolds(hold_pb2.ListHoldsRequest(external_id=external_id))
        holds: list[hold_pb2.Hold] = [hold for hold in response.holds if hold.ledger_id == self.settlement.ledger_id]
        return holds[0] if holds else None

    async def hold_for(self, external_id: str, amount: int, wallet: WalletLookup) -> hold_pb2.Hold | None:
        """The authorization's hold; placed now, without a balance check, when the processor approved
        it without us (stand-in, or its capture arrived before anything else). None: unknown card."""
        hold = await self.find_hold(external_id)
        if hold is not None or amount <= 0:
            return hold
        account = await wallet()
        if account is None:
            return None
        request = hold_pb2.PlaceHoldRequest(
            ledger_account_id=account.id,
            counter_ledger_account_id=self.settlement.id,
            amount=amount,
            external_id=external_id,
            timeout_seconds=limits.hold_timeout_seconds,
            available_balance_amount=common_pb2.BalanceCondition(gte=OVERDRAFT_FLOOR),
            metadata={"approved_by": "processor"},
        )
        try:
            placed: hold_pb2.Hold = (await self.client.holds.PlaceHold(request)).hold
            return placed
        except grpc.aio.AioRpcError as error:
            if _reason(error) != "HOLD_EXTERNAL_ID_ALREADY_EXISTS":
                raise
            return await self.find_hold(external_id)

    async def capture(self, external_id: str, amount: int, *, final: bool, key: str, wallet: WalletLookup) -> bool:
        """Posts `amount` of the authorization (less than, equal to or more than held; `final` releases
        the rest). A capture after the hold ended (released, expired) is a force post. False: unknown
        card, nothing written."""
        if amount <= 0:
            return True
        hold = await self.hold_for(external_id, amount, wallet)
        if hold is None:
            return False
        request = hold_pb2.CaptureHoldRequest(hold_id=hold.id, amount=amount, final=final, idempotency_key=key)
        try:
            await self.client.holds.CaptureHold(request)
            return True
        except grpc.aio.AioRpcError as error:
            if already_applied(error):
                return True
            if not _hold_ended(error):
                raise
        account = await self._account(hold.ledger_account_id)
        await self.post(account, amount, to_settlement=True, key=key, description=f"Late capture of {external_id}")
        return True

    async def release(self, external_id: str, amount: int | None, key: str) -> None:
        """Releases `amount` of the authorization's hold (None or at least what is held: all of it)."""
        hold = await self.find_hold(external_id)
        if hold is None or hold.status != PENDING:
            return
        request = hold_pb2.ReleaseHoldRequest(hold_id=hold.id, idempotency_key=key)
        if amount is not None and 0 < amount < hold.amount:
            request.amount = amount
        await self._release_request(request)

    async def adjust(self, external_id: str, amount: int, key: str, *, increase: bool = True) -> None:
        """Brings the authorization's pending hold to `amount` (an advice or partial reversal); only
        down when `increase` is false."""
        hold = await self.find_hold(external_id)
        if hold is None or hold.status != PENDING or amount == hold.amount or (amount > hold.amount and not increase):
            return
        if amount < hold.amount:
            await self.release(external_id, hold.amount - amount, key)
            return
        try:
            increased = await self._increase(hold, amount - hold.amount, key)
        except grpc.aio.AioRpcError as error:
            if not (already_applied(error) or _hold_ended(error)):
                raise
            return
        if not increased.approved:
            log.warning("advice raising hold %s to %d is above the available balance: left as held", hold.id, amount)

    async def _release_request(self, request: hold_pb2.ReleaseHoldRequest) -> None:
        try:
            await self.client.holds.ReleaseHold(request)
        except grpc.aio.AioRpcError as error:
            if not (already_applied(error) or _hold_ended(error)):
                raise

    async def _account(self, account_id: str) -> ledger_pb2.LedgerAccount:
        request = ledger_pb2.GetLedgerAccountRequest(id=account_id)
        account: ledger_pb2.LedgerAccount = (await self.client.ledgers.GetLedgerAccount(request)).ledger_account
        return account

    async def post(
        self,
        wallet: ledger_pb2.LedgerAccount,
        amount: int,
        *,
        to_settlement: bool,
        key: str,
        description: str,
    ) -> None:
        """A posted transaction between the wallet and the settlement account, with no balance guard:
        to the settlement account a force post (may overdraw), from it a refund."""
        direction = outgoing(wallet) if to_settlement else _opposite(outgoing(wallet))
        request = transaction_pb2.CreateLedgerTransactionRequest(
            ledger_entries=[
                transaction_pb2.LedgerEntryRequest(ledger_account_id=wallet.id, direction=direction, amount=amount),
                transaction_pb2.LedgerEntryRequest(
                    ledger_account_id=self.settlement.id, direction=_opposite(direction), amount=amount
                ),
            ],
            status=common_pb2.LEDGER_TRANSACTION_STATUS_POSTED,
            description=description,
            idempotency_key=key,
        )
        try:
            await self.client.transactions.CreateLedgerTransaction(request)
        except grpc.aio.AioRpcError as error:
            if not already_applied(error):
                raise

    async def post_for_card(
        self, wallet: WalletLookup, amount: int, *, to_settlement: bool, key: str, description: str
    ) -> bool:
        """`post` on the card's wallet; False (nothing written) for an unknown card."""
        if amount <= 0:
            return True
        account = await wallet()
        if account is None:
            return False
        await self.post(account, amount, to_settlement=to_settlement, key=key, description=description)
        return True
