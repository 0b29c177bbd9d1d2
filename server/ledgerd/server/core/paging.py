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
    # What the next page's token is bound to (domain/pagination.py page_scope).
    scope: bytes


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_page_token: str

    @staticmethod
    def of(rows: Sequence[T], page: PageRequest) -> Page[T]:
        """`rows` read with a limit of one more than the page's size."""
        if len(rows) > page.size:
            return Page(rows[: page.size], encode_page_token(rows[page.size - 1].id, page.scope))
        return Page(rows, "")
