"""One Citus cluster (a coordinator and two workers, ledgerd.bench.citus) for the whole session,
Citus built from vendor/ first when the machine's PostgreSQL 15 lacks it. A machine that cannot
build it (no root, no apt-get, no PostgreSQL 15) fails these tests with the reason, never skips."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from ledgerd.bench.citus import CitusCluster, CitusInstallError, ensure_installed

from ..e2e.cluster_helpers import Cluster


@pytest.fixture(scope="session")
async def citus_cluster() -> AsyncIterator[CitusCluster]:
    try:
        await asyncio.to_thread(ensure_installed)
    except CitusInstallError as error:
        pytest.fail(f"Citus is not installed and could not be built: {error}", pytrace=False)
    citus = await CitusCluster.create(workers=2, node=Cluster)
    yield citus
    await citus.destroy()


@pytest.fixture(scope="session")
def citus_url(citus_cluster: CitusCluster) -> str:
    """The coordinator's URL (database postgres, Citus created in it)."""
    return citus_cluster.url
