"""Opaque page tokens for keyset pagination over time-ordered ids (AIP-158)."""

from __future__ import annotations

import base64
import binascii
import uuid


def encode_page_token(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(b"v1:" + last_id.bytes).decode().rstrip("=")


def decode_page_token(token: str) -> uuid.UUID | None:
    """The id after which the page starts; None when the token is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 19 or not raw.startswith(b"v1:"):
        return None
    return uuid.UUID(bytes=raw[3:])
