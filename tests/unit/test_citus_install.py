"""ledgerd.bench.citus's install logic without building anything: the vendored archive's SHA-256
check, telling an installed Citus from a missing one by pg_config's folders, and the file lock under
which concurrent callers (pytest-xdist workers) build once."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import pytest

from ledgerd.bench import citus


def fake_pg_config(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A pg_config answering --sharedir and --pkglibdir with empty folders of the test's own."""
    share, lib = tmp_path / "share", tmp_path / "lib"
    (share / "extension").mkdir(parents=True)
    lib.mkdir()
    script = tmp_path / "pg_config"
    script.write_text(f'#!/bin/sh\ncase "$1" in --sharedir) echo {share};; --pkglibdir) echo {lib};; esac\n')
    script.chmod(0o755)
    return script, share / "extension" / "citus.control", lib / "citus.so"


def install(control: Path, library: Path) -> None:
    control.write_text("default_version = '13.0-1'\n")
    library.write_bytes(b"")


def test_the_vendored_archive_matches_its_sha256() -> None:
    citus.verify_sha256(citus.TARBALL)


def test_an_archive_that_differs_from_its_sha256_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "citus.tar.gz"
    archive.write_bytes(b"not the vendored archive")
    (tmp_path / "citus.tar.gz.sha256").write_text(f"{hashlib.sha256(b'the vendored archive').hexdigest()}  x\n")
    with pytest.raises(citus.CitusInstallError, match="has SHA-256"):
        citus.verify_sha256(archive)


def test_an_archive_without_a_sha256_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "citus.tar.gz"
    archive.write_bytes(b"")
    with pytest.raises(citus.CitusInstallError, match="cannot read"):
        citus.verify_sha256(archive)
    (tmp_path / "citus.tar.gz.sha256").write_text("\n")
    with pytest.raises(citus.CitusInstallError, match="no SHA-256"):
        citus.verify_sha256(archive)


def test_installed_needs_both_the_control_file_and_the_library(tmp_path: Path) -> None:
    pg_config, control, library = fake_pg_config(tmp_path)
    assert citus.install_paths(pg_config) == (control, library)
    assert not citus.is_installed(pg_config)
    control.write_text("")
    assert not citus.is_installed(pg_config)
    library.write_bytes(b"")
    assert citus.is_installed(pg_config)


def test_a_missing_pg_config_says_so(tmp_path: Path) -> None:
    with pytest.raises(citus.CitusInstallError, match="is postgresql-15 installed"):
        citus.is_installed(tmp_path / "pg_config")


def test_concurrent_callers_build_once_and_an_installed_citus_is_not_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg_config, control, library = fake_pg_config(tmp_path)
    builds: list[Path] = []

    def build(tarball: Path, used_pg_config: Path) -> None:
        assert used_pg_config == pg_config
        builds.append(tarball)
        time.sleep(0.2)  # Long enough for the other callers to be waiting on the lock.
        install(control, library)

    monkeypatch.setattr(citus, "build", build)
    monkeypatch.setattr(citus.os, "geteuid", lambda: 0)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            citus.ensure_installed(citus.TARBALL, pg_config, tmp_path / "lock")
        except BaseException as error:
            errors.append(error)

    callers = [threading.Thread(target=call) for _ in range(4)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert errors == []
    assert builds == [citus.TARBALL]
    citus.ensure_installed(citus.TARBALL, pg_config, tmp_path / "lock")
    assert len(builds) == 1


def test_a_build_that_installs_nothing_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pg_config, _, _ = fake_pg_config(tmp_path)
    monkeypatch.setattr(citus, "build", lambda tarball, pg_config: None)
    monkeypatch.setattr(citus.os, "geteuid", lambda: 0)
    with pytest.raises(citus.CitusInstallError, match="still missing"):
        citus.ensure_installed(citus.TARBALL, pg_config, tmp_path / "lock")


def test_without_root_it_says_how_to_install_instead_of_building(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg_config, _, _ = fake_pg_config(tmp_path)
    monkeypatch.setattr(citus.os, "geteuid", lambda: 1000)
    with pytest.raises(citus.CitusInstallError, match="needs root"):
        citus.ensure_installed(citus.TARBALL, pg_config, tmp_path / "lock")


def test_a_failed_build_step_names_the_command_and_shows_the_log_tail(tmp_path: Path) -> None:
    log = tmp_path / "build.log"
    with pytest.raises(citus.CitusInstallError) as raised:
        citus._step(log, ["sh", "-c", "echo configure: error: no pg_config; exit 3"], tmp_path, {})
    assert "`sh -c" in str(raised.value) and "exited with 3" in str(raised.value)
    assert "configure: error: no pg_config" in str(raised.value)
