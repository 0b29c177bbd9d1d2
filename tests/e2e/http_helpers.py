"""Modern Treasury's own SDK (PyPI `modern-treasury`, the version pinned in pyproject) pointed at the
session server's HTTP API: only the base URL differs from calling MT."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
from modern_treasury import AsyncModernTreasury

from ledgerd.server.core.api_keys import create_api_key


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    api_key: str


async def new_organization(pool: asyncpg.Pool) -> Organization:
    name = f"http-{uuid.uuid4()}"
    organization_id, key = await create_api_key(pool, name)
    return Organization(str(organization_id), name, key)


@asynccontextmanager
async def mt_client(http_base: str, organization: Organization) -> AsyncIterator[AsyncModernTreasury]:
    # max_retries=0: a refusal must come back as it was answered, not after the SDK's retries.
    async with AsyncModernTreasury(
        organization_id=organization.id, api_key=organization.api_key, base_url=http_base, max_retries=0
    ) as client:
        yield client
