"""Field checks (ledgerd.server.domain.validation) and the parsing of entry requests and request
fingerprints (ledgerd.server.api.convert)."""

from __future__ import annotations

import uuid

import pytest

from ledgerd.server.api import convert
from ledgerd.server.domain import limits
from ledgerd.server.domain.balances import BalanceCondition, BalanceView, Direction
from ledgerd.server.domain.errors import ErrorReason, FieldViolation, InvalidArgument
from ledgerd.server.domain.limits import INT64_MAX
from ledgerd.server.domain.transactions import EntryRequest
from ledgerd.server.domain.validation import Violations, merge_metadata
from ledgerd.v1 import common_pb2, transaction_pb2

ID = "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b"
OTHER_ID = "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2c"


def descriptions(violations: Violations) -> list[tuple[str, str]]:
    return [(v.field, v.description) for v in violations.items]


# --- Violations ----------------------------------------------------------------------------------


def test_violations_without_items_do_not_raise() -> None:
    Violations().raise_if_any()  # does not raise


def test_violations_raise_invalid_argument_listing_every_violation_in_order() -> None:
    violations = Violations()
    violations.add("name", "is required")
    violations.add("amount", "must be greater than 0")
    with pytest.raises(InvalidArgument) as refused:
        violations.raise_if_any()
    assert refused.value.reason is ErrorReason.INVALID_ARGUMENT
    assert refused.value.violations == (
        FieldViolation("name", "is required"),
        FieldViolation("amount", "must be greater than 0"),
    )
    assert refused.value.message == "name: is required; amount: must be greater than 0"


# --- uuid ----------------------------------------------------------------------------------------


def test_a_well_formed_uuid_parses_without_a_violation() -> None:
    violations = Violations()
    assert violations.uuid("id", ID) == uuid.UUID(ID)
    assert violations.items == []


def test_a_missing_required_uuid_is_required() -> None:
    violations = Violations()
    assert violations.uuid("ledger_id", "") is None
    assert descriptions(violations) == [("ledger_id", "is required")]


def test_a_missing_optional_uuid_is_none_without_a_violation() -> None:
    violations = Violations()
    assert violations.uuid("ledger_account_id", "", required=False) is None
    assert violations.items == []


@pytest.mark.parametrize("value", ["not-a-uuid", "1234", ID[:-1], ID + "0", "g" * 32])
def test_a_malformed_uuid_is_not_a_uuid(value: str) -> None:
    violations = Violations()
    assert violations.uuid("id", value) is None
    assert descriptions(violations) == [("id", "is not a UUID")]


# --- text ----------------------------------------------------------------------------------------


def test_text_at_its_length_limit_is_fine_and_one_character_more_is_too_long() -> None:
    violations = Violations()
    violations.text("name", "n" * limits.name_length_max, limits.name_length_max)
    assert violations.items == []
    violations.text("name", "n" * (limits.name_length_max + 1), limits.name_length_max)
    assert descriptions(violations) == [("name", "is longer than 255 characters")]


def test_text_length_counts_characters_not_bytes() -> None:
    violations = Violations()
    violations.text("description", "€" * 10, 10)
    assert violations.items == []


def test_text_with_a_nul_character_is_refused() -> None:
    violations = Violations()
    violations.text("description", "a\x00b", limits.description_length_max)
    assert descriptions(violations) == [("description", "contains a NUL character")]


@pytest.mark.parametrize("value", ["", " ", "\t\n"])
def test_required_text_that_is_empty_or_blank_is_required(value: str) -> None:
    violations = Violations()
    violations.text("name", value, limits.name_length_max, required=True)
    assert descriptions(violations) == [("name", "is required")]


def test_optional_text_may_be_empty() -> None:
    violations = Violations()
    violations.text("description", "", limits.description_length_max)
    assert violations.items == []


def test_text_too_long_and_with_nul_gets_both_violations() -> None:
    violations = Violations()
    violations.text("external_id", "\x00" * 181, limits.external_id_length_max)
    assert descriptions(violations) == [
        ("external_id", "is longer than 180 characters"),
        ("external_id", "contains a NUL character"),
    ]


# --- metadata ------------------------------------------------------------------------------------


def test_metadata_at_every_limit_is_fine() -> None:
    violations = Violations()
    metadata = {f"k{i}": "v" for i in range(limits.metadata_keys_max - 1)}
    metadata["k" * limits.metadata_key_length_max] = "v" * limits.metadata_value_length_max
    assert len(metadata) == limits.metadata_keys_max == 50
    violations.metadata("metadata", metadata)
    assert violations.items == []


def test_metadata_with_one_key_too_many_is_refused() -> None:
    violations = Violations()
    violations.metadata("metadata", {f"k{i}": "v" for i in range(limits.metadata_keys_max + 1)})
    assert descriptions(violations) == [("metadata", "has more than 50 keys (metadata_keys_max)")]


def test_metadata_key_longer_than_100_characters_is_refused_naming_the_key_shortened() -> None:
    violations = Violations()
    key = "k" * (limits.metadata_key_length_max + 1)
    violations.metadata("metadata", {key: "v"})
    assert descriptions(violations) == [(f"metadata[{'k' * 40}]", "key must be 1 to 100 characters")]


def test_an_empty_metadata_key_is_refused() -> None:
    violations = Violations()
    violations.metadata("metadata", {"": "v"})
    assert descriptions(violations) == [("metadata[]", "key must be 1 to 100 characters")]


def test_a_metadata_value_longer_than_500_characters_is_refused() -> None:
    violations = Violations()
    violations.metadata("metadata", {"note": "v" * (limits.metadata_value_length_max + 1)})
    assert descriptions(violations) == [("metadata[note]", "value is longer than 500 characters")]


@pytest.mark.parametrize(("key", "value"), [("a\x00", "v"), ("a", "v\x00")])
def test_metadata_with_a_nul_in_a_key_or_value_is_refused(key: str, value: str) -> None:
    violations = Violations()
    violations.metadata("metadata", {key: value})
    assert descriptions(violations) == [(f"metadata[{key}]", "contains a NUL character")]


# --- amount --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 100, 10**12, INT64_MAX])
def test_amounts_from_1_to_2_pow_63_minus_1_are_fine(value: int) -> None:
    violations = Violations()
    violations.amount("amount", value)
    assert violations.items == []


@pytest.mark.parametrize("value", [0, -1, -(2**63)])
def test_a_zero_or_negative_amount_must_be_greater_than_0(value: int) -> None:
    violations = Violations()
    violations.amount("amount", value)
    assert descriptions(violations) == [("amount", "must be greater than 0")]


def test_an_amount_beyond_int64_is_refused() -> None:
    violations = Violations()
    violations.amount("amount", INT64_MAX + 1)
    assert descriptions(violations) == [("amount", "must be at most 2^63-1")]


# --- currency ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["USD", "JPY", "USDC", "X", "POINTS_1", "A" * 16, "0", "_"])
def test_currency_codes_of_1_to_16_upper_case_letters_digits_or_underscores_are_well_formed(value: str) -> None:
    violations = Violations()
    assert violations.currency("currency", value) is True
    assert violations.items == []


@pytest.mark.parametrize(
    "value",
    ["", "usd", "Usd", "US D", "US-D", "A" * 17, "ÜSD", "USD ", " USD", "USD\n", "USD\r\n", "\nUSD", "USD\x00"],
)
def test_malformed_currency_codes_are_refused(value: str) -> None:
    violations = Violations()
    assert violations.currency("currency", value) is False
    assert descriptions(violations) == [("currency", "must be 1 to 16 characters A-Z, 0-9 or _")]


# --- page_size -----------------------------------------------------------------------------------


def test_a_page_size_of_0_means_the_default_of_25() -> None:
    violations = Violations()
    assert violations.page_size("page_size", 0) == limits.page_size_default == 25
    assert violations.items == []


@pytest.mark.parametrize("value", [1, 25, 1000])
def test_a_page_size_of_1_to_1000_is_taken_as_given(value: int) -> None:
    violations = Violations()
    assert violations.page_size("page_size", value) == value
    assert violations.items == []


@pytest.mark.parametrize("value", [-1, 1001])
def test_a_page_size_below_0_or_above_1000_is_refused(value: int) -> None:
    violations = Violations()
    violations.page_size("page_size", value)
    assert descriptions(violations) == [("page_size", "must be 0 to 1000 (page_size_max)")]


# --- merge_metadata ------------------------------------------------------------------------------


def test_merge_metadata_adds_and_overwrites_keys() -> None:
    assert merge_metadata({"a": "1", "b": "2"}, {"b": "3", "c": "4"}) == {"a": "1", "b": "3", "c": "4"}


def test_merge_metadata_removes_keys_given_empty_values() -> None:
    assert merge_metadata({"a": "1", "b": "2"}, {"b": "", "c": "3"}) == {"a": "1", "c": "3"}


def test_merge_metadata_removing_an_absent_key_is_a_no_op() -> None:
    assert merge_metadata({"a": "1"}, {"z": ""}) == {"a": "1"}


def test_merge_metadata_does_not_change_the_current_metadata() -> None:
    current = {"a": "1"}
    merge_metadata(current, {"a": "", "b": "2"})
    assert current == {"a": "1"}


def test_merge_metadata_counts_keys_after_removals() -> None:
    current = {f"k{i}": "v" for i in range(limits.metadata_keys_max)}
    merged = merge_metadata(current, {"k0": "", "new": "v"})
    assert len(merged) == limits.metadata_keys_max and "new" in merged and "k0" not in merged


def test_merge_metadata_beyond_50_keys_is_refused() -> None:
    current = {f"k{i}": "v" for i in range(limits.metadata_keys_max)}
    with pytest.raises(InvalidArgument) as refused:
        merge_metadata(current, {"one_more": "v"})
    assert refused.value.violations == (FieldViolation("metadata", "would have more than 50 keys (metadata_keys_max)"),)


# --- convert.entry_requests ----------------------------------------------------------------------


def parse(*messages: transaction_pb2.LedgerEntryRequest) -> tuple[tuple[EntryRequest, ...], list[tuple[str, str]]]:
    violations = Violations()
    entries = convert.entry_requests(violations, "ledger_entries", list(messages))
    return entries, descriptions(violations)


def entry(**fields: object) -> transaction_pb2.LedgerEntryRequest:
    values: dict[str, object] = {"ledger_account_id": ID, "direction": common_pb2.DIRECTION_DEBIT, "amount": 100}
    values.update(fields)
    return transaction_pb2.LedgerEntryRequest(**values)  # type: ignore[arg-type]


def test_entry_requests_parse_into_domain_entries() -> None:
    entries, violations = parse(
        entry(metadata={"k": "v"}),
        entry(ledger_account_id=OTHER_ID, direction=common_pb2.DIRECTION_CREDIT, lock_version=3, currency="USD"),
    )
    assert violations == []
    assert entries == (
        EntryRequest(uuid.UUID(ID), Direction.DEBIT, 100, None, (), {"k": "v"}, None),
        EntryRequest(uuid.UUID(OTHER_ID), Direction.CREDIT, 100, 3, (), {}, "USD"),
    )


def test_an_entry_request_with_lock_version_0_expects_0_and_without_one_expects_nothing() -> None:
    entries, _ = parse(entry(lock_version=0), entry(direction=common_pb2.DIRECTION_CREDIT))
    assert [e.lock_version for e in entries] == [0, None]


def test_entry_request_conditions_become_view_conditions_and_empty_ones_are_dropped() -> None:
    entries, violations = parse(
        entry(
            available_balance_amount=common_pb2.BalanceCondition(gte=0),
            posted_balance_amount=common_pb2.BalanceCondition(lt=10, gt=-10),
            pending_balance_amount=common_pb2.BalanceCondition(),
        ),
        entry(direction=common_pb2.DIRECTION_CREDIT),
    )
    assert violations == []
    assert entries[0].conditions == (
        (BalanceView.POSTED, BalanceCondition(gt=-10, lt=10)),
        (BalanceView.AVAILABLE, BalanceCondition(gte=0)),
    )
    assert entries[1].conditions == ()


def test_entry_requests_collect_every_violation_with_its_path() -> None:
    entries, violations = parse(
        entry(
            ledger_account_id="nope",
            direction=common_pb2.DIRECTION_UNSPECIFIED,
            amount=0,
            lock_version=-1,
            currency="usd",
            metadata={"": "v"},
        ),
        entry(ledger_account_id="", direction=common_pb2.DIRECTION_CREDIT, amount=-5),
    )
    assert violations == [
        ("ledger_entries[0].ledger_account_id", "is not a UUID"),
        ("ledger_entries[0].direction", "must be DIRECTION_CREDIT or DIRECTION_DEBIT"),
        ("ledger_entries[0].amount", "must be greater than 0"),
        ("ledger_entries[0].lock_version", "must not be negative"),
        ("ledger_entries[0].currency", "must be 1 to 16 characters A-Z, 0-9 or _"),
        ("ledger_entries[0].metadata[]", "key must be 1 to 100 characters"),
        ("ledger_entries[1].ledger_account_id", "is required"),
        ("ledger_entries[1].amount", "must be greater than 0"),
    ]
    assert entries == ()


def test_entry_requests_of_one_entry_need_two_entries_and_both_directions() -> None:
    _, violations = parse(entry())
    assert violations == [
        ("ledger_entries", "needs at least 2 entries"),
        ("ledger_entries", "needs at least one debit and one credit entry"),
    ]


def test_entry_requests_of_only_debits_need_a_credit() -> None:
    _, violations = parse(entry(), entry(ledger_account_id=OTHER_ID))
    assert violations == [("ledger_entries", "needs at least one debit and one credit entry")]


def test_no_entry_requests_need_two_entries() -> None:
    _, violations = parse()
    assert violations == [("ledger_entries", "needs at least 2 entries")]


def alternating(count: int) -> list[transaction_pb2.LedgerEntryRequest]:
    """`count` valid entries, debits and credits in turn."""
    return [entry(direction=common_pb2.DIRECTION_CREDIT if i % 2 else common_pb2.DIRECTION_DEBIT) for i in range(count)]


def test_1001_entry_requests_are_too_many_and_only_the_first_1001_are_read() -> None:
    messages = alternating(1001)
    messages += [entry(ledger_account_id="bad")] * 5
    entries, violations = parse(*messages)
    assert violations == [("ledger_entries", "has more than 1000 entries (entries_per_transaction_max)")]
    assert len(entries) == 1001


def test_1000_entry_requests_are_fine() -> None:
    messages = alternating(1000)
    entries, violations = parse(*messages)
    assert violations == []
    assert len(entries) == 1000


# --- convert.fingerprint -------------------------------------------------------------------------


CREDIT_OTHER = {"ledger_account_id": OTHER_ID, "direction": common_pb2.DIRECTION_CREDIT}


def create_request(**fields: object) -> transaction_pb2.CreateLedgerTransactionRequest:
    values: dict[str, object] = {
        "ledger_entries": [entry(), entry(**CREDIT_OTHER)],
        "description": "coffee",
        "metadata": {"a": "1", "b": "2"},
        "idempotency_key": "key-1",
    }
    values.update(fields)
    return transaction_pb2.CreateLedgerTransactionRequest(**values)  # type: ignore[arg-type]


def test_the_same_body_with_another_idempotency_key_has_the_same_fingerprint() -> None:
    method = "CreateLedgerTransaction"
    assert convert.fingerprint(method, create_request()) == convert.fingerprint(
        method, create_request(idempotency_key="key-2")
    )
    assert convert.fingerprint(method, create_request()) == convert.fingerprint(
        method, create_request(idempotency_key="")
    )


def test_the_fingerprint_does_not_depend_on_metadata_insertion_order() -> None:
    method = "CreateLedgerTransaction"
    first = create_request(metadata={"a": "1", "b": "2", "c": "3"})
    second = create_request(metadata={"c": "3", "b": "2", "a": "1"})
    assert convert.fingerprint(method, first) == convert.fingerprint(method, second)


@pytest.mark.parametrize(
    "changed",
    [
        {"description": "tea"},
        {"metadata": {"a": "1"}},
        {"metadata": {"a": "1", "b": "3"}},
        {"external_id": "x"},
        {"status": common_pb2.LEDGER_TRANSACTION_STATUS_PENDING},
        {"ledger_entries": [entry(amount=101), entry(**CREDIT_OTHER)]},
        {"ledger_entries": [entry(), entry(**CREDIT_OTHER, lock_version=0)]},
        {"ledger_entries": [entry(**CREDIT_OTHER), entry()]},
    ],
)
def test_a_different_body_has_a_different_fingerprint(changed: dict[str, object]) -> None:
    method = "CreateLedgerTransaction"
    assert convert.fingerprint(method, create_request(**changed)) != convert.fingerprint(method, create_request())


def test_the_same_body_sent_to_another_method_has_a_different_fingerprint() -> None:
    request = create_request()
    assert convert.fingerprint("CreateLedgerTransaction", request) != convert.fingerprint("Other", request)


def test_fingerprint_leaves_the_request_and_its_idempotency_key_untouched() -> None:
    request = create_request()
    convert.fingerprint("CreateLedgerTransaction", request)
    assert request.idempotency_key == "key-1"
    assert request == create_request()


def test_a_fingerprint_is_a_sha256_digest() -> None:
    assert len(convert.fingerprint("CreateLedgerTransaction", create_request())) == 32
