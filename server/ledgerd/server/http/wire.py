"""JSON values to protobuf request messages and protobuf messages to JSON, mechanically: field names
are the same on both sides (MT's names, docs/modern-treasury.md), enums are MT's lower-case words
(`debit` is DIRECTION_DEBIT), timestamps are ISO 8601 in UTC, int64 stay JSON numbers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import EnumDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from ledgerd.server.domain.errors import FieldViolation, InvalidArgument

TIMESTAMP = Timestamp.DESCRIPTOR.full_name
# A field's descriptor (protobuf's pure-Python or upb class, whichever runs).
Field = Any
# Free-form JSON (an event's custom_data, a variable query's value): protobuf's own JSON mapping.
FREE_FORM = frozenset({"google.protobuf.Struct", "google.protobuf.Value"})


def enum_prefix(enum: EnumDescriptor) -> str:
    """DIRECTION_ of Direction: the name of its UNSPECIFIED value, less UNSPECIFIED."""
    return enum.values[0].name.removesuffix("UNSPECIFIED")


def enum_word(enum: EnumDescriptor, number: int) -> str | None:
    """MT's word for an enum value; None for UNSPECIFIED."""
    if number == 0:
        return None
    return enum.values_by_number[number].name.removeprefix(enum_prefix(enum)).lower()


def enum_number(enum: EnumDescriptor, word: str, field: str) -> int:
    value = enum.values_by_name.get(enum_prefix(enum) + word.upper()) if word.islower() else None
    if value is None or value.number == 0:
        words = ", ".join(w for v in enum.values if (w := enum_word(enum, v.number)))
        raise InvalidArgument([FieldViolation(field, f"must be one of {words}")])
    return value.number


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def fill(message: Message, data: Mapping[str, Any], path: str = "") -> Message:
    """Sets `message`'s fields from `data` (already of the right JSON types: the models checked
    them); None leaves a field unset."""
    for name, value in data.items():
        if value is None:
            continue
        field = message.DESCRIPTOR.fields_by_name[name]
        where = f"{path}{name}"
        target = getattr(message, name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            _fill_map(field, target, value, where)
        elif field.is_repeated:
            for index, item in enumerate(value):
                if field.message_type is not None:
                    fill(target.add(), item, f"{where}[{index}].")
                else:
                    target.append(_scalar(field, item, f"{where}[{index}]"))
        elif field.message_type is not None and field.message_type.full_name == TIMESTAMP:
            target.FromDatetime(as_utc(value))
        elif field.message_type is not None and field.message_type.full_name in FREE_FORM:
            json_format.ParseDict(value, target)
        elif field.message_type is not None:
            fill(target, value, f"{where}.")
        else:
            setattr(message, name, _scalar(field, value, where))
    return message


def _fill_map(field: Field, target: Any, value: Mapping[str, Any], where: str) -> None:
    if field.message_type.fields_by_name["value"].message_type is not None:
        for key, item in value.items():
            fill(target[key], item, f"{where}[{key}].")
    else:
        # MT removes a metadata key sent with null or "": ledgerd's rule for "" (merge_metadata).
        target.update({key: "" if item is None else item for key, item in value.items()})


def _scalar(field: Field, value: Any, where: str) -> Any:
    if field.enum_type is not None:
        return enum_number(field.enum_type, value, where)
    return value


def to_json(message: Message) -> dict[str, Any]:
    """Every field of `message`: unset messages, empty ids and UNSPECIFIED enums as null."""
    out: dict[str, Any] = {}
    for field in message.DESCRIPTOR.fields:
        out[field.name] = _value(message, field)
    return out


def _value(message: Message, field: Field) -> Any:
    value = getattr(message, field.name)
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        if field.message_type.fields_by_name["value"].message_type is not None:
            return {key: to_json(item) for key, item in value.items()}
        return dict(value)
    if field.is_repeated:
        return [_item(field, item) for item in value]
    if field.message_type is not None and not message.HasField(field.name):
        return None
    if field.has_presence and field.message_type is None and not message.HasField(field.name):
        return None
    return _item(field, value)


def _item(field: Field, value: Any) -> Any:
    if field.message_type is not None and field.message_type.full_name == TIMESTAMP:
        return value.ToDatetime(tzinfo=UTC).isoformat().replace("+00:00", "Z")
    if field.message_type is not None and field.message_type.full_name in FREE_FORM:
        return json_format.MessageToDict(value)
    if field.message_type is not None:
        return to_json(value)
    if field.enum_type is not None:
        return enum_word(field.enum_type, value)
    if field.type == field.TYPE_STRING and value == "" and field.name.endswith("_id"):
        return None  # an absent reference: MT sends null
    return value
