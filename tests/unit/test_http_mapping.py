"""The HTTP layer's two mechanical maps: domain errors to MT's statuses (every kind has one, and
only an invariant assertion is a 5xx a client could not cause by retrying) and MT's words to the
protos' enums and back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledgerd.server.domain import errors
from ledgerd.server.http.errors import STATUSES, status_of
from ledgerd.server.http.wire import enum_word, fill, to_json
from ledgerd.v1 import common_pb2, transaction_pb2

KINDS = [kind for kind in vars(errors).values() if isinstance(kind, type) and issubclass(kind, errors.LedgerError)]


def test_every_domain_error_kind_has_an_http_status() -> None:
    mapped = {kind for kind, _, _ in STATUSES}
    assert set(KINDS) - {errors.LedgerError} <= mapped


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (errors.FailedPrecondition(errors.ErrorReason.BALANCE_CONDITION_FAILED, "x"), 422, "parameter_invalid"),
        (errors.Aborted(errors.ErrorReason.LOCK_VERSION_MISMATCH, "x"), 422, "parameter_invalid"),
        (errors.AlreadyExists(errors.ErrorReason.EXTERNAL_ID_ALREADY_EXISTS, "x"), 422, "parameter_invalid"),
        (errors.AlreadyExists(errors.ErrorReason.IDEMPOTENCY_KEY_REUSED, "x"), 409, "conflict"),
        (errors.NotFound(errors.ErrorReason.LEDGER_NOT_FOUND, "x"), 404, "resource_not_found"),
        (errors.Unauthenticated("x"), 401, "invalid_key"),
        (errors.InvalidArgument([errors.FieldViolation("name", "is required")]), 422, "parameter_invalid"),
    ],
)
def test_mts_documented_statuses(error: errors.LedgerError, status: int, code: str) -> None:
    assert status_of(error) == (status, code)


def test_only_an_invariant_assertion_is_a_500() -> None:
    assert [kind for kind, status, _ in STATUSES if status == 500] == [errors.InvariantViolation]


def test_mts_words_fill_the_request_and_come_back() -> None:
    request = fill(
        transaction_pb2.CreateLedgerTransactionRequest(),
        {
            "status": "posted",
            "effective_at": datetime(2020, 8, 27, tzinfo=UTC),
            "metadata": {"keep": "yes", "drop": None},
            "ledger_entries": [{"ledger_account_id": "a", "direction": "debit", "amount": 5, "lock_version": 0}],
        },
    )
    assert isinstance(request, transaction_pb2.CreateLedgerTransactionRequest)
    assert request.status == common_pb2.LEDGER_TRANSACTION_STATUS_POSTED
    assert request.ledger_entries[0].direction == common_pb2.DIRECTION_DEBIT
    assert request.ledger_entries[0].HasField("lock_version")
    assert dict(request.metadata) == {"keep": "yes", "drop": ""}  # "" removes the key, as null does in MT
    back = to_json(request)
    assert back["status"] == "posted"
    assert back["effective_at"] == "2020-08-27T00:00:00Z"
    assert back["ledger_entries"][0]["direction"] == "debit"
    assert back["ledger_entries"][0]["available_balance_amount"] is None


def test_an_unknown_word_is_refused_by_field_with_the_words_allowed() -> None:
    with pytest.raises(errors.InvalidArgument) as refused:
        fill(transaction_pb2.LedgerEntryRequest(), {"direction": "DEBIT"})
    assert refused.value.violations[0].field == "direction"
    assert "credit, debit" in refused.value.violations[0].description
    assert enum_word(common_pb2.Direction.DESCRIPTOR, 0) is None
