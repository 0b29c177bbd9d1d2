"""google.protobuf.Struct and Value (an event's custom_data, a variable's query value) as plain JSON
data, refused at validation when PostgreSQL's jsonb could not hold them or the server should not:
a Value with no kind set, a number that is NaN or infinite (JSON has neither), a NUL character
(jsonb refuses \\u0000), or nesting deeper than json_depth_max. Each is a field violation naming
the path, so a bad value never reaches the database (where it would fail the batch it is in)."""

from __future__ import annotations

import math
from typing import Any

from google.protobuf import struct_pb2

from ledgerd.server.domain import limits
from ledgerd.server.domain.validation import Violations


def plain_struct(violations: Violations, field: str, message: struct_pb2.Struct, depth: int = 1) -> dict[str, Any]:
    """The object as a dict; what is wrong with it added to `violations`."""
    if depth > limits.json_depth_max:
        violations.add(field, f"is nested deeper than {limits.json_depth_max} levels (json_depth_max)")
        return {}
    data = {}
    for key, value in message.fields.items():
        if "\x00" in key:
            violations.add(field, "has a key with a NUL character")
            continue
        data[key] = plain_value(violations, f"{field}.{key}", value, depth)
    return data


def plain_value(violations: Violations, field: str, message: struct_pb2.Value, depth: int = 1) -> Any:
    kind = message.WhichOneof("kind")
    if kind == "string_value":
        if "\x00" in message.string_value:
            violations.add(field, "contains a NUL character")
        return message.string_value
    if kind == "number_value":
        if not math.isfinite(message.number_value):
            violations.add(field, "must be a finite number (JSON has no NaN nor Infinity)")
        return message.number_value
    if kind == "bool_value":
        return message.bool_value
    if kind == "null_value":
        return None
    if kind == "struct_value":
        return plain_struct(violations, field, message.struct_value, depth + 1)
    if kind == "list_value":
        if depth + 1 > limits.json_depth_max:
            violations.add(field, f"is nested deeper than {limits.json_depth_max} levels (json_depth_max)")
            return []
        return [plain_value(violations, f"{field}[{i}]", v, depth + 1) for i, v in enumerate(message.list_value.values)]
    violations.add(field, "is a google.protobuf.Value with no kind set")
    return None
