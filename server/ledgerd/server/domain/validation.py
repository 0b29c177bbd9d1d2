"""Field checks that collect every violation of a request before refusing it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from ledgerd.server.domain import limits
from ledgerd.server.domain.errors import FieldViolation, InvalidArgument

CURRENCY_PATTERN = re.compile(rf"^[A-Z0-9_]{{1,{limits.currency_length_max}}}$")

# The times a request may name, both ends excluded: the database driver writes datetime.min and
# datetime.max as -infinity and infinity (and reads those back as naive datetimes), and cannot read
# a time outside them at all.
TIME_MIN = datetime.min.replace(tzinfo=UTC)
TIME_MAX = datetime.max.replace(tzinfo=UTC)
TIME_RANGE = "a time after 0001-01-01T00:00:00Z and before 9999-12-31T23:59:59.999999Z"


def time_in_range(value: datetime) -> bool:
    """True for an aware time strictly between TIME_MIN and TIME_MAX."""
    if value.tzinfo is None:
        return False
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is in year 0 in UTC
        return False
    return TIME_MIN < utc < TIME_MAX


class Violations:
    """Collects field violations; `raise_if_any` refuses the request with all of them at once."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def add(self, field: str, description: str) -> None:
        self.items.append(FieldViolation(field, description))

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidArgument(self.items)

    def uuid(self, field: str, value: str, *, required: bool = True) -> uuid.UUID | None:
        if not value:
            if required:
                self.add(field, "is required")
            return None
        try:
            return uuid.UUID(value)
        except ValueError:
            self.add(field, "is not a UUID")
            return None

    def text(self, field: str, value: str, length_max: int, *, required: bool = False) -> None:
        if required and not value.strip():
            self.add(field, "is required")
        if len(value) > length_max:
            self.add(field, f"is longer than {length_max} characters")
        if "\x00" in value:
            self.add(field, "contains a NUL character")

    def metadata(self, field: str, metadata: Mapping[str, str]) -> None:
        if len(metadata) > limits.metadata_keys_max:
            self.add(field, f"has more than {limits.metadata_keys_max} keys (metadata_keys_max)")
        for key, value in metadata.items():
            if not key or len(key) > limits.metadata_key_length_max:
                self.add(f"{field}[{key[:40]}]", f"key must be 1 to {limits.metadata_key_length_max} characters")
            if len(value) > limits.metadata_value_length_max:
                self.add(f"{field}[{key[:40]}]", f"value is longer than {limits.metadata_value_length_max} characters")
            if "\x00" in key or "\x00" in value:
                self.add(f"{field}[{key[:40]}]", "contains a NUL character")

    def amount(self, field: str, value: int) -> None:
        if value <= 0:
            self.add(field, "must be greater than 0")
        elif value > limits.amount_max:
            self.add(field, "must be at most 2^63-1")

    def currency(self, field: str, value: str) -> bool:
        """True when the code is well formed."""
        if not CURRENCY_PATTERN.fullmatch(value):  # fullmatch: "$" would accept a trailing newline
            self.add(field, f"must be 1 to {limits.currency_length_max} characters A-Z, 0-9 or _")
            return False
        return True

    def page_size(self, field: str, value: int) -> int:
        if value < 0 or value > limits.page_size_max:
            self.add(field, f"must be 0 to {limits.page_size_max} (page_size_max)")
        return value or limits.page_size_default


def merge_metadata(current: Mapping[str, str], change: Mapping[str, str]) -> dict[str, str]:
    """Metadata updates merge; a key given with an empty value is removed (as in Modern Treasury's API).
    INVALID_ARGUMENT when the result would have more than metadata_keys_max keys."""
    merged = dict(current)
    for key, value in change.items():
        if value:
            merged[key] = value
        else:
            merged.pop(key, None)
    if len(merged) > limits.metadata_keys_max:
        violations = Violations()
        violations.add("metadata", f"would have more than {limits.metadata_keys_max} keys (metadata_keys_max)")
        violations.raise_if_any()
    return merged
