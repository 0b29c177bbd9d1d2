"""The rules of holds, on plain values: how much is approved, and which holds may change."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ledgerd.server.domain.errors import ErrorReason, FailedPrecondition
from ledgerd.server.domain.holds import Hold, HoldStatus, approved_amount, require_pending, require_releasable

NOW = datetime(2026, 11, 22, tzinfo=UTC)
LEDGER = uuid.uuid4()


@pytest.mark.parametrize(
    ("available", "requested", "floor", "allow_partial", "approved"),
    [
        (100, 100, 0, False, 100),
        (100, 101, 0, False, 0),
        (100, 150, 0, True, 100),
        (0, 1, 0, True, 0),
        (10, 50, -40, False, 50),  # a credit line of 40
        (-5, 1, 0, True, 0),
    ],
)
def test_a_hold_approves_what_keeps_available_at_or_above_the_floor(
    available: int, requested: int, floor: int, allow_partial: bool, approved: int
) -> None:
    assert approved_amount(available, requested, floor, allow_partial) == approved


def hold(**fields: object) -> Hold:
    values: dict[str, object] = dict(
        id=uuid.uuid4(),
        ledger_id=LEDGER,
        ledger_account_id=uuid.uuid4(),
        counter_ledger_account_id=uuid.uuid4(),
        amount=100,
        captured_amount=0,
        currency="USD",
        status=HoldStatus.PENDING,
        external_id=None,
        expires_at=None,
        ledger_transaction_id=uuid.uuid4(),
        available_balance_floor=0,
        metadata={},
        created_at=NOW,
        updated_at=NOW,
    )
    values.update(fields)
    return Hold(**values)  # type: ignore[arg-type]


def test_only_a_pending_hold_not_past_its_expiry_changes() -> None:
    require_pending(hold(), NOW)
    require_pending(hold(expires_at=NOW + timedelta(seconds=1)), NOW)
    for stale, status in ((hold(expires_at=NOW), "expired"), (hold(status=HoldStatus.CAPTURED, amount=0), "captured")):
        with pytest.raises(FailedPrecondition) as refused:
            require_pending(stale, NOW)
        assert (refused.value.reason, refused.value.metadata["status"]) == (ErrorReason.HOLD_NOT_PENDING, status)
    with pytest.raises(FailedPrecondition) as refused:
        require_releasable(hold(amount=10), 11)
    assert refused.value.reason is ErrorReason.RELEASE_EXCEEDS_HOLD
