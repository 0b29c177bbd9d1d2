"""The one clock of the server: UTC, microsecond precision (what PostgreSQL stores)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
