"""A PostgreSQL cluster of a test's own (ledgerd.bench.cluster), which the test may stop, crash,
restart or promote. It needs PostgreSQL 15's binaries (ledgerd.bench.cluster.BIN): without them
the test fails, never skips."""

from __future__ import annotations

from collections.abc import Mapping

from ledgerd.bench import cluster
from ledgerd.bench.cluster import free_port

__all__ = ["Cluster", "free_port"]


class Cluster(cluster.Cluster):
    @classmethod
    async def create(cls, settings: Mapping[str, str] = {}) -> Cluster:
        # The fault tests are part of the suite, not optional: a machine without the binaries
        # fails them instead of passing by skipping.
        assert cluster.available(), f"no PostgreSQL binaries in {cluster.BIN}: install postgresql-15"
        return await super().create(settings)  # type: ignore[return-value]
