"""Reading the processors' JSON: a missing or mistyped field is a `Malformed` (400), never a crash."""

from __future__ import annotations

from typing import Any


class Malformed(ValueError):
    """The body is not shaped as the processor documents it."""


def at(value: Any, *path: str) -> Any:
    """The value at `path` inside nested objects, or None when any step is missing."""
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def mapping(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(f"{name} must be an object")
    return value


def text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise Malformed(f"{name} must be a non-empty string")
    return value


def optional_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def identifier(value: Any, name: str) -> str:
    """An id given as a string or as an expanded object with an `id`."""
    return text(value.get("id") if isinstance(value, dict) else value, name)
