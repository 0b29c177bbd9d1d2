"""Currencies: ISO 4217 codes carry their default exponent; custom ones (points, crypto) must
name theirs."""

from __future__ import annotations

from iso4217 import Currency

from ledgerd.server.domain import limits
from ledgerd.server.domain.validation import Violations


def resolve_exponent(currency: str, exponent: int | None, violations: Violations) -> int:
    """The currency's exponent: the one given (0 ..= currency_exponent_max), else ISO 4217's."""
    if exponent is not None:
        if not 0 <= exponent <= limits.currency_exponent_max:
            violations.add("currency_exponent", f"must be 0 to {limits.currency_exponent_max}")
        return exponent
    try:
        iso_exponent = Currency(currency).exponent
    except ValueError:
        iso_exponent = None
    if iso_exponent is None:
        violations.add("currency_exponent", f"is required: {currency!r} has no ISO 4217 exponent")
        return 0
    return int(iso_exponent)
