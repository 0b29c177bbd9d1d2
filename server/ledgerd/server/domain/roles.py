"""The roles an API key can have (docs/security.md, "Roles"). Each role may do everything the one
before it may, and more, so a method needs only the least role that may call it."""

from __future__ import annotations

import enum


class Role(enum.Enum):
    # The values are what the database and the command line spell.
    READER = "reader"  # Get, List, Watch and GetBalances
    AUTHORIZER = "authorizer"  # a reader that also places, increases, captures and releases holds
    WRITER = "writer"  # every read and every write
    ADMIN = "admin"  # everything, the audit trail too

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def may(self, least: Role) -> bool:
        """Whether this role may call a method that needs at least `least`."""
        return _RANKS[self] >= _RANKS[least]


_RANKS = {role: rank for rank, role in enumerate(Role)}
