"""Opaque page tokens for keyset pagination over time-ordered ids (AIP-158), bound to the list that
issued them.

A token carries the keyset position (the last id of its page) and a digest of the list's scope: the
RPC, the organization and every field of the request but `page_size` and `page_token`. A token is
accepted only by a request of the same scope, so that another list's token (whose position may mean
nothing there: a transaction id given to a list ordered by version numbers overflows int64),
another organization's, or one sent with other filters is refused instead of starting a page
somewhere arbitrary. A digest rather than a keyed MAC: secrecy protects nothing here (every page is
read within the caller's own organization, and a forged position only starts the caller's own list
elsewhere), while a key would have to be shared by every server process of the database."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid

# The token layout's version: v1 tokens (b"v1:" + id, bound to nothing) are no longer accepted.
TOKEN_VERSION = b"\x02"
# Bytes of the scope digest a token carries: enough that a token of another scope is never taken.
SCOPE_DIGEST_BYTES = 12
_POSITION_BYTES = 16
_TOKEN_BYTES = len(TOKEN_VERSION) + _POSITION_BYTES + SCOPE_DIGEST_BYTES


def page_scope(list_name: str, organization_id: uuid.UUID, filters: bytes) -> bytes:
    """What a token is bound to: the list (its request type's name), the organization and the
    request's filters (its other fields, serialized deterministically)."""
    return hashlib.sha256(list_name.encode() + b"\0" + organization_id.bytes + b"\0" + filters).digest()


def _digest(scope: bytes, position: bytes) -> bytes:
    return hashlib.sha256(b"ledgerd page token\0" + scope + position).digest()[:SCOPE_DIGEST_BYTES]


def encode_page_token(last_id: uuid.UUID, scope: bytes) -> str:
    position = TOKEN_VERSION + last_id.bytes
    return base64.urlsafe_b64encode(position + _digest(scope, position)).decode().rstrip("=")


def decode_page_token(token: str, scope: bytes) -> uuid.UUID | None:
    """The id after which the page starts; None when the token was not issued for this scope."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != _TOKEN_BYTES or not raw.startswith(TOKEN_VERSION):
        return None
    position, digest = raw[:-SCOPE_DIGEST_BYTES], raw[-SCOPE_DIGEST_BYTES:]
    if not hmac.compare_digest(digest, _digest(scope, position)):
        return None
    return uuid.UUID(bytes=position[len(TOKEN_VERSION) :])
