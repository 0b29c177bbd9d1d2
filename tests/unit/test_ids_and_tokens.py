"""Time-ordered ids (ledgerd.server.domain.ids) and opaque page tokens (ledgerd.server.domain.pagination)."""

from __future__ import annotations

import base64
import uuid
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerd.server.domain import ids
from ledgerd.server.domain.ids import new_id
from ledgerd.server.domain.pagination import decode_page_token, encode_page_token, page_scope

# --- ids -----------------------------------------------------------------------------------------


def test_new_id_gives_a_version_7_rfc_9562_uuid() -> None:
    value = new_id()
    assert isinstance(value, uuid.UUID)
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_new_id_is_strictly_increasing_over_10000_calls_and_every_id_is_version_7() -> None:
    values = [new_id() for _ in range(10000)]
    assert all(a < b for a, b in pairwise(values))
    assert all(a.bytes < b.bytes for a, b in pairwise(values))  # byte order too (the database's)
    assert {v.version for v in values} == {7}
    assert {v.variant for v in values} == {uuid.RFC_4122}
    assert len(set(values)) == 10000


def test_new_id_sorts_as_text_in_creation_order() -> None:
    values = [new_id() for _ in range(1000)]
    assert sorted(str(v) for v in values) == [str(v) for v in values]


def set_last(monkeypatch: pytest.MonkeyPatch, ms: int, random_bits: int) -> None:
    monkeypatch.setattr(ids, "_last_ms", ms)
    monkeypatch.setattr(ids, "_last_random", random_bits)


def test_new_id_after_an_id_at_the_end_of_its_low_random_bits_carries_past_the_variant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The clock has not reached the last id (a minute ahead): the next id counts up from it. With
    # the low 62 random bits all ones, the carry goes into the 12 random bits above the variant.
    future_ms = (new_id().int >> 80) + 60_000
    set_last(monkeypatch, future_ms, 0x123 << 62 | ((1 << 62) - 1))
    following = new_id()
    assert (following.version, following.variant) == (7, uuid.RFC_4122)
    assert following.int >> 80 == future_ms
    assert (following.int >> 64) & 0xFFF == 0x124
    assert following.int & ((1 << 62) - 1) == 0


def test_new_id_after_an_id_with_every_random_bit_set_moves_the_timestamp_on(monkeypatch: pytest.MonkeyPatch) -> None:
    future_ms = (new_id().int >> 80) + 60_000
    set_last(monkeypatch, future_ms, (1 << 74) - 1)
    before = ids._assemble(future_ms, (1 << 74) - 1)
    following = new_id()
    assert (following.version, following.variant) == (7, uuid.RFC_4122)
    assert following.int >> 80 == future_ms + 1
    assert following > before


def test_new_id_after_a_later_id_is_still_greater(monkeypatch: pytest.MonkeyPatch) -> None:
    # As when the clock steps back: the id is the last one plus one.
    last_ms = (new_id().int >> 80) + 5_000
    set_last(monkeypatch, last_ms, 41)
    following = new_id()
    assert following == ids._assemble(last_ms, 42)
    assert following.version == 7


# --- page tokens ---------------------------------------------------------------------------------

ORGANIZATION = uuid.UUID("0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b")
SCOPE = page_scope("ledgerd.v1.ListLedgerTransactionsRequest", ORGANIZATION, b"")


def test_a_page_token_decodes_to_the_id_it_was_made_from() -> None:
    last_id = new_id()
    token = encode_page_token(last_id, SCOPE)
    assert decode_page_token(token, SCOPE) == last_id


@given(st.uuids())
def test_every_uuid_round_trips_through_a_page_token(last_id: uuid.UUID) -> None:
    assert decode_page_token(encode_page_token(last_id, SCOPE), SCOPE) == last_id


@given(st.uuids())
def test_a_page_token_is_url_safe_text_without_padding(last_id: uuid.UUID) -> None:
    token = encode_page_token(last_id, SCOPE)
    assert token.isascii()
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert "=" not in token


def test_a_page_token_does_not_show_the_id_in_clear() -> None:
    last_id = new_id()
    token = encode_page_token(last_id, SCOPE)
    assert str(last_id) not in token and last_id.hex not in token


@pytest.mark.parametrize(
    "other_scope",
    [
        page_scope("ledgerd.v1.ListLedgerTransactionVersionsRequest", ORGANIZATION, b""),
        page_scope("ledgerd.v1.ListLedgerTransactionsRequest", uuid.uuid4(), b""),
        page_scope("ledgerd.v1.ListLedgerTransactionsRequest", ORGANIZATION, b"\x0a\x01x"),
    ],
    ids=["another list", "another organization", "other filters"],
)
def test_a_page_token_is_refused_by_another_list_organization_or_filters(other_scope: bytes) -> None:
    token = encode_page_token(new_id(), SCOPE)
    assert decode_page_token(token, other_scope) is None


def test_a_page_token_with_its_position_changed_is_refused() -> None:
    raw = bytearray(base64.urlsafe_b64decode(encode_page_token(new_id(), SCOPE) + "=="))
    raw[5] ^= 1
    assert decode_page_token(base64.urlsafe_b64encode(bytes(raw)).decode(), SCOPE) is None


def token_of(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "!!!!",
        "not a token",
        "a",
        "=",
        "é",
        "\x00",
        "djE6",  # "v1:" and nothing after
        token_of(b"v1:" + bytes(16)),  # the unbound tokens of before
        token_of(b"\x02" + bytes(27)),  # one byte short
        token_of(b"\x02" + bytes(29)),  # one byte too many
        token_of(b"\x03" + bytes(28)),  # another version
        token_of(b"\x02" + bytes(28)),  # the right length, no digest
        token_of(uuid.UUID("0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b").bytes),  # a bare id, not a token
        str(uuid.UUID("0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b")),
    ],
)
def test_a_token_not_made_by_encode_page_token_decodes_to_none(token: str) -> None:
    assert decode_page_token(token, SCOPE) is None


@given(st.text(max_size=60))
def test_decoding_any_text_never_raises_and_gives_none_or_a_uuid(token: str) -> None:
    decoded = decode_page_token(token, SCOPE)
    assert decoded is None or isinstance(decoded, uuid.UUID)
