"""A PostgreSQL cluster of a test's own (ledgerd.bench.cluster), which the test may stop, crash,
restart or promote; the test is skipped on a machine without PostgreSQL's binaries."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from ledgerd.bench import cluster
from ledgerd.bench.cluster import free_port

__all__ = ["Cluster", "free_port"]


class Cluster(cluster.Cluster):
    @classmethod
    async def create(cls, settings: Mapping[str, str] = {}) -> Cluster:
        if not cluster.available():
            pytest.skip(f"no PostgreSQL binaries in {cluster.BIN}")
        return await super().create(settings)  # type: ignore[return-value]
