"""Positions in the change feed of ledger transactions (docs/change-feed.md) and the opaque
cursors that carry them.

A position is the key the feed is ordered by: the id of the database transaction that wrote a
transaction version (xid8, which never wraps), then the ledger transaction's id, then the version
number. Every version has one, no two versions share one, and it never changes.
"""

from __future__ import annotations

import base64
import binascii
import struct
import uuid
from dataclasses import dataclass

_PREFIX = b"f1:"
_LAYOUT = struct.Struct(">Q16sq")


@dataclass(frozen=True, order=True)
class FeedPosition:
    xact_id: int
    ledger_transaction_id: uuid.UUID
    version: int

    @classmethod
    def before_xact(cls, xact_id: int) -> FeedPosition:
        """Just before every version written by `xact_id` (and after every earlier one)."""
        return cls(xact_id, uuid.UUID(int=0), -1)


START = FeedPosition.before_xact(0)


def encode_cursor(position: FeedPosition) -> str:
    packed = _LAYOUT.pack(position.xact_id, position.ledger_transaction_id.bytes, position.version)
    return base64.urlsafe_b64encode(_PREFIX + packed).decode().rstrip("=")


def decode_cursor(cursor: str) -> FeedPosition | None:
    """The position a cursor names; None when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != len(_PREFIX) + _LAYOUT.size or not raw.startswith(_PREFIX):
        return None
    xact_id, transaction_id, version = _LAYOUT.unpack(raw[len(_PREFIX) :])
    if version < 0:
        return None
    return FeedPosition(xact_id, uuid.UUID(bytes=transaction_id), version)
