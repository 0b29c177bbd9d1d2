"""Plain SQL migrations, numbered and forward-only, applied under an advisory lock. Each applied
migration's checksum is recorded; an applied migration that changed on disk stops the runner."""

from __future__ import annotations

import hashlib
import importlib.resources
from dataclasses import dataclass

import asyncpg

# Any fixed key: serialises concurrent runners (several `ledgerd serve` starting at once).
MIGRATION_LOCK_KEY = 0x6C6564676572_64


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationChecksumMismatch(RuntimeError):
    pass


def available_migrations() -> list[Migration]:
    folder = importlib.resources.files("ledgerd.server.store") / "migrations"
    migrations = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            migrations.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text()))
    return sorted(migrations, key=lambda m: m.version)


async def apply_migrations(connection: asyncpg.Connection, *, until: int | None = None) -> list[Migration]:
    """Applies what is missing (up to version `until`, when given: a database as an older release
    left it, for the tests of a migration), each in its own transaction; returns what it applied."""
    await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        await connection.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        applied = {r["version"]: r["checksum"] for r in await connection.fetch("SELECT * FROM schema_migrations")}
        done = []
        for migration in available_migrations():
            if until is not None and migration.version > until:
                break
            if migration.version in applied:
                if applied[migration.version] != migration.checksum:
                    raise MigrationChecksumMismatch(
                        f"migration {migration.version}_{migration.name} changed after it was applied"
                    )
                continue
            async with connection.transaction():
                await connection.execute(migration.sql)
                await connection.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            done.append(migration)
        return done
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
