"""Marqeta's decimal major units to exact minor units, and back as sent."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ledgerd.adapters.money import INT64_MAX, json_text, minor_units, parse_json


def test_decimals_become_exact_minor_units_through_the_exponent() -> None:
    assert minor_units(Decimal("25.99"), 2) == 2599
    assert minor_units(Decimal("0.1"), 2) == 10
    assert minor_units(1200, 0) == 1200
    assert minor_units(Decimal("1.234"), 3) == 1234
    assert minor_units(Decimal("1E+2"), 2) == 10_000
    assert minor_units("7.00", 2) == 700


def test_more_decimal_places_than_the_currency_has_are_refused() -> None:
    assert minor_units(Decimal("25.999"), 2) is None
    assert minor_units(Decimal("12.5"), 0) is None
    assert minor_units(Decimal("0.0001"), 3) is None


def test_what_is_not_a_non_negative_int64_amount_is_refused() -> None:
    for value in (True, None, 1.5, "abc", Decimal("-1"), Decimal("NaN"), Decimal("Infinity"), [], Decimal("1E+400")):
        assert minor_units(value, 2) is None, value
    assert minor_units(Decimal(INT64_MAX) / 100, 2) == INT64_MAX
    assert minor_units(Decimal(INT64_MAX + 1) / 100, 2) is None


def test_json_numbers_are_parsed_without_floats_and_written_back_as_sent() -> None:
    body = parse_json(b'{"amount": 25.10, "n": 3, "list": [0.30000000000000004], "s": "x"}')
    assert body["amount"] == Decimal("25.10") and isinstance(body["list"][0], Decimal)
    assert json_text(body) == '{"amount": 25.10, "n": 3, "list": [0.30000000000000004], "s": "x"}'


@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=0, max_value=6))
def test_minor_units_invert_the_major_units_text(amount: int, exponent: int) -> None:
    text = str(Decimal(amount).scaleb(-exponent))
    assert minor_units(parse_json(text.encode()), exponent) == amount
