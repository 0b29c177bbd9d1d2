"""Citus (distributed PostgreSQL, issue 17): the extension built from the vendored source when the
machine's PostgreSQL 15 lacks it, and a coordinator with its workers, each a `Cluster` of its own,
for the tests (tests/citus) and for `ledgerd-bench` against a coordinator.

No package registry reachable here serves Citus, so vendor/citus-<VERSION>.tar.gz is built with
PostgreSQL's headers from Debian, once per machine (vendor/README.md)."""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg

from ledgerd.bench import cluster
from ledgerd.bench.cluster import Cluster

VERSION = "13.0.5"
# benchmarks/ledgerd/bench/citus.py -> the repository's root: the archive is part of the clone (an
# editable install keeps __file__ in it), not of the installed package.
VENDOR = Path(__file__).resolve().parents[3] / "vendor"
TARBALL = VENDOR / f"citus-{VERSION}.tar.gz"
# PostgreSQL 15's own pg_config, not /usr/bin/pg_config (postgresql-common's, which answers for the
# newest server-dev package installed, whichever major that is).
DEFAULT_PG_CONFIG = Path("/usr/lib/postgresql/15/bin/pg_config")
# What Citus's configure and make need on Debian 12 (its README's list, less nothing): the server's
# headers and PGXS, and the libraries Citus links (lz4/zstd for columnar, libcurl only for
# statistics collection, which --without-libcurl leaves out).
BUILD_PACKAGES = (
    "postgresql-server-dev-15",
    "libcurl4-openssl-dev",
    "liblz4-dev",
    "libzstd-dev",
    "libkrb5-dev",
    "libssl-dev",
    "libselinux1-dev",
    "libxslt1-dev",
    "libpam0g-dev",
    "libreadline-dev",
    "flex",
    "bison",
)
# One machine-wide lock: parallel pytest-xdist workers, or two engineers' sessions, build once.
LOCK = Path(tempfile.gettempdir()) / "ledgerd-citus-install.lock"
# apt-get waits this long for another apt-get's dpkg lock instead of failing at once.
APT_LOCK_TIMEOUT_SECONDS = 600
LOG_TAIL_LINES = 40

# Each node: Citus loaded at start, and room for the connections Citus opens between nodes (an
# adaptive executor opens several per worker per distributed query) on top of the clients'.
NODE_SETTINGS = {
    "shared_preload_libraries": "'citus'",
    "max_connections": "200",
}


class CitusInstallError(RuntimeError):
    """Citus is missing and could not be built: the message says which step failed and how."""


def pg_config_path() -> Path:
    """The pg_config of the PostgreSQL whose binaries the clusters run (cluster.BIN), else 15's."""
    candidate = cluster.BIN / "pg_config"
    return candidate if candidate.exists() else DEFAULT_PG_CONFIG


def _pg_config(pg_config: Path, option: str) -> Path:
    try:
        output = subprocess.run([str(pg_config), option], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise CitusInstallError(f"{pg_config} {option} failed ({error}): is postgresql-15 installed?") from error
    return Path(output.strip())


def install_paths(pg_config: Path) -> tuple[Path, Path]:
    """Where an installed Citus has its control file and its shared library."""
    return _pg_config(pg_config, "--sharedir") / "extension" / "citus.control", _pg_config(
        pg_config, "--pkglibdir"
    ) / "citus.so"


def is_installed(pg_config: Path | None = None) -> bool:
    """Whether CREATE EXTENSION citus (and shared_preload_libraries = 'citus') would find it."""
    return all(path.exists() for path in install_paths(pg_config or pg_config_path()))


def expected_sha256(tarball: Path) -> str:
    """The digest in `<tarball>.sha256` (sha256sum's format: the digest, then the file's name)."""
    checksum_file = tarball.with_name(tarball.name + ".sha256")
    try:
        fields = checksum_file.read_text().split()
    except OSError as error:
        raise CitusInstallError(f"cannot read {checksum_file}: {error}") from error
    if not fields or len(fields[0]) != 64:
        raise CitusInstallError(f"{checksum_file} holds no SHA-256 digest")
    return fields[0].lower()


def verify_sha256(tarball: Path) -> None:
    """Refuses an archive that is not the one vendored (a truncated copy, a Git LFS pointer, an
    edit): building and installing it as root would run whatever it holds."""
    expected = expected_sha256(tarball)
    digest = hashlib.sha256()
    try:
        with tarball.open("rb") as archive:
            for block in iter(lambda: archive.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise CitusInstallError(f"cannot read {tarball}: {error}") from error
    if digest.hexdigest() != expected:
        raise CitusInstallError(f"{tarball} has SHA-256 {digest.hexdigest()}, not {expected} as its .sha256 says")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_installed(tarball: Path = TARBALL, pg_config: Path | None = None, lock: Path = LOCK) -> None:
    """Builds and installs Citus from `tarball` unless PostgreSQL already has it. Under `lock`,
    checked again once held: whoever waited finds it built by the one that held it."""
    pg_config = pg_config or pg_config_path()
    if is_installed(pg_config):
        return
    with _locked(lock):
        if is_installed(pg_config):
            return
        if os.geteuid() != 0:
            raise CitusInstallError(
                f"Citus is not installed for {pg_config} and building it needs root (apt-get, make install): "
                "run as root, or install it by hand as vendor/README.md says"
            )
        verify_sha256(tarball)
        build(tarball, pg_config)
        if not is_installed(pg_config):
            control, library = install_paths(pg_config)
            raise CitusInstallError(f"Citus built and installed, yet {control} or {library} is still missing")


def build(tarball: Path, pg_config: Path, destdir: Path | None = None) -> None:
    """apt-get the build dependencies, unpack, configure, make, make install (into `destdir` when
    given, a scratch root for trying the build without touching the machine's PostgreSQL). The
    build folder is removed when it succeeds and kept, with its log, when it fails."""
    root = Path(tempfile.mkdtemp(prefix=f"ledgerd-citus-{VERSION}-build-"))
    log = root / "build.log"
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "PG_CONFIG": str(pg_config)}
    apt = ["apt-get", "-o", f"DPkg::Lock::Timeout={APT_LOCK_TIMEOUT_SECONDS}"]
    # A fresh machine's package lists may be empty or old: install finds nothing without update.
    _step(log, [*apt, "update"], root, environment)
    _step(log, [*apt, "install", "-y", "--no-install-recommends", *BUILD_PACKAGES], root, environment)
    try:
        with tarfile.open(tarball) as archive:
            archive.extractall(root, filter="data")
    except (OSError, tarfile.TarError) as error:
        raise CitusInstallError(f"unpacking {tarball} into {root} failed: {error}") from error
    source = root / f"citus-{VERSION}"
    _step(log, ["./configure", "--without-libcurl", f"PG_CONFIG={pg_config}"], source, environment)
    _step(log, ["make", f"-j{min(os.cpu_count() or 1, 2)}"], source, environment)
    _step(log, ["make", "install", *([f"DESTDIR={destdir}"] if destdir else [])], source, environment)
    shutil.rmtree(root, ignore_errors=True)


def _step(log: Path, command: Sequence[str], cwd: Path, environment: Mapping[str, str]) -> None:
    with log.open("a") as output:
        output.write(f"\n$ {' '.join(command)}  (in {cwd})\n")
        output.flush()
        try:
            returncode = subprocess.run(
                command, cwd=cwd, env=environment, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            ).returncode
        except OSError as error:
            raise CitusInstallError(f"building Citus: {command[0]} could not run ({error}); log: {log}") from error
    if returncode != 0:
        tail = "".join(log.read_text(errors="replace").splitlines(keepends=True)[-LOG_TAIL_LINES:])
        raise CitusInstallError(
            f"building Citus {VERSION}: `{' '.join(command)}` exited with {returncode}; "
            f"the last {LOG_TAIL_LINES} lines of {log}:\n{tail}"
        )


async def is_citus(connection: Any) -> bool:
    """Whether `connection`'s database is a Citus coordinator with at least one active worker: the
    extension is there, this node is the coordinator (a worker, whose metadata Citus syncs, lists
    the workers too), and citus_get_active_worker_nodes() has rows."""
    if not await connection.fetchval("SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')"):
        return False
    return bool(
        await connection.fetchval(
            "SELECT citus_is_coordinator() AND EXISTS (SELECT FROM citus_get_active_worker_nodes())"
        )
    )


class CitusCluster:
    """A coordinator and its workers on 127.0.0.1, each a Cluster (its own folder and port) with
    Citus loaded and created in database postgres, the workers added to the coordinator."""

    def __init__(self, coordinator: Cluster, workers: Sequence[Cluster]) -> None:
        self.coordinator = coordinator
        self.workers = list(workers)

    @property
    def nodes(self) -> list[Cluster]:
        return [self.coordinator, *self.workers]

    @property
    def url(self) -> str:
        """The coordinator's: where clients (ledgerd, psql) connect."""
        return self.coordinator.url

    @property
    def worker_urls(self) -> list[str]:
        return [worker.url for worker in self.workers]

    @classmethod
    async def create(
        cls, workers: int = 2, settings: Mapping[str, str] = {}, node: type[Cluster] = Cluster
    ) -> CitusCluster:
        """Started and registered: `settings` go to every node's postgresql.conf after Citus's;
        `node` is the Cluster class each node is made with (the tests' fails without binaries)."""
        await asyncio.to_thread(ensure_installed)
        started = await asyncio.gather(
            *(node.create({**NODE_SETTINGS, **settings}) for _ in range(workers + 1)), return_exceptions=True
        )
        nodes = [result for result in started if isinstance(result, Cluster)]
        citus = cls(nodes[0], nodes[1:]) if nodes else None
        try:
            for result in started:
                if isinstance(result, BaseException):
                    raise result
            assert citus is not None
            await citus._register()
        except BaseException:
            if citus is not None:
                await citus.destroy()
            raise
        return citus

    async def _register(self) -> None:
        for node in self.nodes:
            await _execute(node.url, "CREATE EXTENSION IF NOT EXISTS citus")
        connection = await asyncpg.connect(self.url)
        try:
            await connection.execute("SELECT citus_set_coordinator_host('127.0.0.1', $1)", self.coordinator.port)
            for worker in self.workers:
                await connection.execute("SELECT citus_add_node('127.0.0.1', $1)", worker.port)
        finally:
            await connection.close()

    async def stop(self) -> None:
        """Stops every node (fast: sessions ended, clean shutdown), keeping their folders."""
        await asyncio.gather(*(node.stop() for node in self.nodes))

    async def destroy(self) -> None:
        """Stops every node still running and removes every node's folder."""
        await asyncio.gather(*(node.destroy() for node in self.nodes))


async def _execute(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
