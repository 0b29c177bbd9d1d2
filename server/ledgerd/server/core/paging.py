"""Pages of a keyset list: ask for one row more than the page to know whether another follows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from ledgerd.server.domain.pagination import encode_page_token


class HasId(Protocol):
    @property
    def id(self) -> uuid.UUID: ...


T = TypeVar("T", bound=HasId)


@dataclass(frozen=True)
class PageRequest:
    after: uuid.UUID | None
    size: int


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_page_token: str

    @staticmethod
    def of(rows: Sequence[T], size: int) -> Page[T]:
        if len(rows) > size:
            return Page(rows[:size], encode_page_token(rows[size - 1].id))
        return Page(rows, "")
