"""Holds (card authorizations) as plain values and their rules. A hold is a pending ledger
transaction that moves `amount` out of the held account (a debit on a credit-normal account, a
credit on a debit-normal one) to the counter account; these functions decide amounts and states,
the ledger arithmetic stays in domain.transactions."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from ledgerd.server.domain.balances import BalanceView, Direction, NormalBalance
from ledgerd.server.domain.errors import ErrorReason, FailedPrecondition, NotFound
from ledgerd.server.domain.model import LedgerAccount


class HoldStatus(enum.Enum):
    PENDING = "pending"
    CAPTURED = "captured"
    RELEASED = "released"
    EXPIRED = "expired"


class HoldDecision(enum.Enum):
    APPROVED = "approved"
    DECLINED = "declined"


class HoldDeclineReason(enum.Enum):
    INSUFFICIENT_FUNDS = "insufficient_funds"


@dataclass(frozen=True)
class Hold:
    id: uuid.UUID
    ledger_id: uuid.UUID
    ledger_account_id: uuid.UUID
    counter_ledger_account_id: uuid.UUID
    amount: int  # currently held
    captured_amount: int
    currency: str
    status: HoldStatus
    external_id: str | None
    expires_at: datetime | None
    ledger_transaction_id: uuid.UUID
    available_balance_floor: int
    metadata: dict[str, str]
    created_at: datetime
    updated_at: datetime
    # Fingerprint of the placing request: a repeat with the same external_id and body is a replay.
    request_fingerprint: bytes = b""
    capture_ledger_transaction_ids: tuple[uuid.UUID, ...] = field(default=())


def outgoing(account: LedgerAccount) -> Direction:
    """The direction that lowers the account's balance."""
    return Direction.DEBIT if account.normal_balance is NormalBalance.CREDIT else Direction.CREDIT


def available_amount(account: LedgerAccount) -> int:
    return account.totals.view(BalanceView.AVAILABLE, account.normal_balance)[2]


def approved_amount(available: int, requested: int, floor: int, allow_partial: bool) -> int:
    """How much of `requested` can be held with `available` now, keeping it >= `floor`; 0 declines."""
    headroom = available - floor
    if requested <= headroom:
        return requested
    if allow_partial and headroom > 0:
        return headroom
    return 0


def require_pending(hold: Hold, now: datetime) -> None:
    """Only a pending hold changes; one past its expiry counts as expired even before the expirer runs."""
    status = hold.status
    if status is HoldStatus.PENDING and hold.expires_at is not None and hold.expires_at <= now:
        status = HoldStatus.EXPIRED
    if status is not HoldStatus.PENDING:
        raise FailedPrecondition(
            ErrorReason.HOLD_NOT_PENDING,
            f"hold {hold.id} is {status.value}; only pending holds change",
            {"hold_id": str(hold.id), "status": status.value},
        )


def require_releasable(hold: Hold, amount: int) -> None:
    if amount > hold.amount:
        raise FailedPrecondition(
            ErrorReason.RELEASE_EXCEEDS_HOLD,
            f"hold {hold.id} holds {hold.amount}, less than the {amount} asked to release",
            {"hold_id": str(hold.id), "amount": str(hold.amount)},
        )


def hold_not_found(hold_id: uuid.UUID) -> NotFound:
    return NotFound(ErrorReason.HOLD_NOT_FOUND, f"hold {hold_id} not found", {"hold_id": str(hold_id)})
