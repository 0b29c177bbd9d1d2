"""The server's error reasons equal the proto's, and the one error map
(ledgerd.server.interceptors.errors) turns domain errors into the gRPC codes of docs/api.md ("Errors") with a
google.rpc.Status carrying ErrorInfo and, for bad requests, BadRequest."""

from __future__ import annotations

import asyncpg
import grpc
import pytest
from google.rpc import code_pb2, error_details_pb2

from ledgerd.server.domain import limits
from ledgerd.server.domain.errors import (
    Aborted,
    AlreadyExists,
    ErrorReason,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    InvariantViolation,
    LedgerError,
    NotFound,
    OutOfRange,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
)
from ledgerd.server.interceptors.errors import ERROR_DOMAIN, code_of, item_error, status_details, translate
from ledgerd.v1 import errors_pb2

PROTO_NAMES = set(errors_pb2.ErrorReason.keys())


# --- reasons -------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", list(ErrorReason), ids=lambda reason: reason.name)
def test_every_server_error_reason_is_named_in_the_proto_enum(reason: ErrorReason) -> None:
    assert reason.value in PROTO_NAMES
    assert errors_pb2.ErrorReason.Value(reason.value) != 0


def test_every_proto_error_reason_but_unspecified_is_known_to_the_server() -> None:
    assert PROTO_NAMES - {reason.value for reason in ErrorReason} == {"ERROR_REASON_UNSPECIFIED"}


def test_every_server_error_reason_value_is_its_name_with_the_proto_prefix() -> None:
    assert [reason.value for reason in ErrorReason] == [f"ERROR_REASON_{reason.name}" for reason in ErrorReason]


def test_the_server_error_reasons_have_distinct_values() -> None:
    assert len({reason.value for reason in ErrorReason}) == len(ErrorReason)


# --- codes ---------------------------------------------------------------------------------------

ERRORS_AND_CODES: list[tuple[LedgerError, grpc.StatusCode]] = [
    (InvalidArgument([FieldViolation("name", "is required")]), grpc.StatusCode.INVALID_ARGUMENT),
    (NotFound(ErrorReason.LEDGER_NOT_FOUND, "ledger x not found"), grpc.StatusCode.NOT_FOUND),
    (FailedPrecondition(ErrorReason.LEDGER_MISMATCH, "two ledgers"), grpc.StatusCode.FAILED_PRECONDITION),
    (Aborted(ErrorReason.LOCK_VERSION_MISMATCH, "moved"), grpc.StatusCode.ABORTED),
    (OutOfRange(ErrorReason.LOCK_VERSION_OUT_OF_RANGE, "not yet"), grpc.StatusCode.OUT_OF_RANGE),
    (AlreadyExists(ErrorReason.EXTERNAL_ID_ALREADY_EXISTS, "taken"), grpc.StatusCode.ALREADY_EXISTS),
    (Unauthenticated("no key"), grpc.StatusCode.UNAUTHENTICATED),
    (Unavailable(ErrorReason.DATABASE_UNAVAILABLE, "down"), grpc.StatusCode.UNAVAILABLE),
    (ResourceExhausted(ErrorReason.OVERLOADED, "busy"), grpc.StatusCode.RESOURCE_EXHAUSTED),
    (InvariantViolation("broken"), grpc.StatusCode.INTERNAL),
]


@pytest.mark.parametrize(("error", "code"), ERRORS_AND_CODES, ids=lambda value: type(value).__name__)
def test_each_kind_of_ledger_error_maps_to_its_documented_code(error: LedgerError, code: grpc.StatusCode) -> None:
    assert code_of(error) is code


def test_a_bare_ledger_error_maps_to_internal() -> None:
    assert code_of(LedgerError(ErrorReason.INTERNAL, "?")) is grpc.StatusCode.INTERNAL


def test_the_errors_without_a_reason_argument_carry_their_fixed_reason() -> None:
    assert Unauthenticated("no key").reason is ErrorReason.UNAUTHENTICATED
    assert InvariantViolation("broken").reason is ErrorReason.INTERNAL
    assert InvalidArgument([]).reason is ErrorReason.INVALID_ARGUMENT


@pytest.mark.parametrize(("error", "code"), ERRORS_AND_CODES, ids=lambda value: type(value).__name__)
def test_status_details_carry_the_google_rpc_code_of_the_grpc_code_and_the_message(
    error: LedgerError, code: grpc.StatusCode
) -> None:
    status = status_details(error)
    assert status.code == code.value[0]
    assert status.code == getattr(code_pb2, code.name)
    assert status.message == error.message


# --- google.rpc.Status ---------------------------------------------------------------------------


def test_status_details_of_an_invalid_argument_carry_error_info_and_a_bad_request_listing_the_violations() -> None:
    error = InvalidArgument(
        [
            FieldViolation("ledger_entries", "debits and credits in USD differ by 1"),
            FieldViolation("ledger_entries[0].amount", "must be greater than 0"),
        ],
        reason=ErrorReason.UNBALANCED_ENTRIES,
        message="the credit entries must sum to the debit entries (USD)",
    )
    status = status_details(error)
    assert status.code == code_pb2.INVALID_ARGUMENT
    assert status.message == "the credit entries must sum to the debit entries (USD)"
    assert len(status.details) == 2
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(info)
    assert info.reason == "ERROR_REASON_UNBALANCED_ENTRIES"
    assert info.domain == ERROR_DOMAIN == "ledgerd.v1"
    bad_request = error_details_pb2.BadRequest()
    assert status.details[1].Unpack(bad_request)
    assert [(v.field, v.description) for v in bad_request.field_violations] == [
        ("ledger_entries", "debits and credits in USD differ by 1"),
        ("ledger_entries[0].amount", "must be greater than 0"),
    ]


def test_status_details_of_a_refusal_that_is_not_a_bad_request_carry_only_error_info_with_its_metadata() -> None:
    error = FailedPrecondition(
        ErrorReason.BALANCE_CONDITION_FAILED,
        "would be -1",
        {"ledger_account_id": "abc", "balance": "available_balance", "amount": "-1"},
    )
    status = status_details(error)
    assert status.code == code_pb2.FAILED_PRECONDITION
    assert len(status.details) == 1
    assert not status.details[0].Is(error_details_pb2.BadRequest.DESCRIPTOR)
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(info)
    assert info.reason == "ERROR_REASON_BALANCE_CONDITION_FAILED"
    assert info.domain == "ledgerd.v1"
    assert dict(info.metadata) == {"ledger_account_id": "abc", "balance": "available_balance", "amount": "-1"}


def test_status_details_survive_serialization() -> None:
    status = status_details(NotFound(ErrorReason.HOLD_NOT_FOUND, "hold h not found", {"hold_id": "h"}))
    parsed = type(status).FromString(status.SerializeToString())
    info = error_details_pb2.ErrorInfo()
    assert parsed.details[0].Unpack(info)
    assert (parsed.code, info.reason, dict(info.metadata)) == (
        code_pb2.NOT_FOUND,
        "ERROR_REASON_HOLD_NOT_FOUND",
        {"hold_id": "h"},
    )


def test_a_batch_item_error_carries_the_code_reason_message_and_violations_of_the_single_call() -> None:
    error = InvalidArgument([FieldViolation("amount", "must be greater than 0")])
    item = item_error(error)
    assert item.code == code_pb2.INVALID_ARGUMENT
    assert item.reason == errors_pb2.ERROR_REASON_INVALID_ARGUMENT
    assert item.message == "amount: must be greater than 0"
    assert [(v.field, v.description) for v in item.field_violations] == [("amount", "must be greater than 0")]
    aborted = item_error(Aborted(ErrorReason.LOCK_VERSION_MISMATCH, "moved"))
    assert (aborted.code, aborted.reason, list(aborted.field_violations)) == (
        code_pb2.ABORTED,
        errors_pb2.ERROR_REASON_LOCK_VERSION_MISMATCH,
        [],
    )


# --- the database going away --------------------------------------------------------------------

CONNECTION_ERRORS = [
    # What asyncpg raises on a connection the server has just dropped (seen during a restart).
    asyncpg.exceptions.InternalClientError("cannot switch to state 12; another operation is in progress"),
    asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.exceptions.ConnectionFailureError("connection failure"),
    asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
    ConnectionResetError(104, "Connection reset by peer"),
]


@pytest.mark.parametrize("error", CONNECTION_ERRORS, ids=lambda error: type(error).__name__)
def test_a_lost_database_connection_is_unavailable_with_error_info_and_retry_info(error: Exception) -> None:
    translated = translate(error)
    assert code_of(translated) is grpc.StatusCode.UNAVAILABLE
    status = status_details(translated)
    info, retry = error_details_pb2.ErrorInfo(), error_details_pb2.RetryInfo()
    assert status.details[0].Unpack(info) and info.reason == "ERROR_REASON_DATABASE_UNAVAILABLE"
    assert status.details[1].Unpack(retry)
    assert retry.retry_delay.ToNanoseconds() == int(limits.retry_delay_seconds * 1e9) > 0


def test_overload_carries_retry_info_too() -> None:
    status = status_details(ResourceExhausted(ErrorReason.OVERLOADED, "busy"))
    assert status.details[1].Is(error_details_pb2.RetryInfo.DESCRIPTOR)


# --- errors that fit in the trailers ---------------------------------------------------------------


def test_an_invalid_argument_lists_field_violations_max_violations_and_counts_the_rest() -> None:
    error = InvalidArgument([FieldViolation(f"ids[{n}]", "is not a UUID") for n in range(500)])
    assert [v.field for v in error.violations] == [f"ids[{n}]" for n in range(limits.field_violations_max)]
    assert error.metadata == {"field_violations_left_out": str(500 - limits.field_violations_max)}
    assert error.message.endswith(
        f"and {500 - limits.field_violations_max} more field violations (field_violations_max)"
    )


def test_status_details_of_long_violations_stay_within_error_details_bytes_max() -> None:
    error = InvalidArgument([FieldViolation("é" * 100 + str(n), "x" * 2000) for n in range(100)])
    status = status_details(error)
    assert status.ByteSize() <= limits.error_details_bytes_max
    assert len(status.message.encode()) <= limits.error_message_bytes_max
    bad_request = error_details_pb2.BadRequest()
    assert status.details[1].Unpack(bad_request) and bad_request.field_violations


def test_status_details_of_a_short_error_are_whole() -> None:
    error = InvalidArgument([FieldViolation("name", "is required")])
    assert status_details(error).message == "name: is required"
