"""Amounts as the processors send them, made exact: JSON numbers are parsed as Decimal (never a
binary float), major units become integer minor units through the currency exponent, and a
decimal is written back exactly as it was received."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

INT64_MAX = 2**63 - 1


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(raw: bytes) -> Any:
    """The body as JSON, with every non-integer number a Decimal; ValueError when it is not JSON."""
    return json.loads(raw, parse_float=Decimal, parse_constant=_refuse_constant)


def minor_units(value: object, exponent: int) -> int | None:
    """`value` in major units (25.99) as minor units of a currency with `exponent` (2599 for 2);
    None when it is not a number, is negative, exceeds int64, or has more decimal places than the
    exponent allows (1.001 USD)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount.adjusted() > 40:
        return None
    with localcontext() as context:
        context.prec = 80
        scaled = amount.scaleb(exponent)
        if scaled != scaled.to_integral_value() or scaled > INT64_MAX:
            return None
        return int(scaled)


def integer_amount(value: object) -> int | None:
    """An integer amount in minor units (Lithic, Stripe), 0 ..= 2^63-1 in magnitude; None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > INT64_MAX:
        return None
    return value


def json_text(value: Any) -> str:
    """JSON of `value` in which a Decimal is written exactly as parsed (25.99 stays 25.99)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(key))}: {json_text(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(json_text(item) for item in value) + "]"
    return json.dumps(value)
