"""Change feed cursors: opaque, exact round trips of a position, and nothing else accepted."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from ledgerd.server.domain.pagination import encode_page_token
from ledgerd.server.domain.transaction_feed import START, FeedPosition, decode_cursor, encode_cursor

positions = st.builds(FeedPosition, st.integers(0, 2**64 - 1), st.uuids(), st.integers(0, 2**63 - 1))


@given(positions)
def test_a_cursor_names_exactly_its_position(position: FeedPosition) -> None:
    assert decode_cursor(encode_cursor(position)) == position


@given(positions, positions)
def test_positions_order_as_the_feed_does(first: FeedPosition, second: FeedPosition) -> None:
    as_key = (first.xact_id, first.ledger_transaction_id, first.version)
    assert (first < second) == (as_key < (second.xact_id, second.ledger_transaction_id, second.version))


def test_the_start_and_a_transaction_boundary_come_before_every_version_they_precede() -> None:
    version = FeedPosition(7, uuid.UUID(int=0), 0)
    assert version > START and FeedPosition.before_xact(7) < version < FeedPosition.before_xact(8)


def test_anything_but_a_cursor_of_ours_is_refused() -> None:
    for text in ("", "not-a-cursor", "====", encode_page_token(uuid.uuid4(), b"scope"), encode_cursor(START)):
        assert decode_cursor(text) is None, text  # START's version -1 is internal, never issued
