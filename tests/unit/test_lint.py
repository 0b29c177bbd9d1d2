"""Lint as tests: ruff, mypy (strict) and buf lint each run from the repository root with the
virtualenv's own tools, and must find nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = Path(sys.executable).parent


def run(tool: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    executable = TOOLS / tool
    assert executable.exists(), f"{executable} is missing: install the test extra (pip install -e '.[test]')"
    return subprocess.run(
        [str(executable), *arguments], cwd=ROOT, capture_output=True, text=True, check=False, timeout=600
    )


def shown(result: subprocess.CompletedProcess[str]) -> str:
    return f"{' '.join(result.args)} exited {result.returncode}\n{result.stdout}{result.stderr}"


def test_ruff_check_of_the_repository_finds_nothing() -> None:
    result = run("ruff", "check", ".")
    assert result.returncode == 0, shown(result)


def test_mypy_strict_of_the_server_the_client_and_the_adapters_finds_nothing() -> None:
    result = run("mypy", "server", "clients/ledgerd/client", "clients/ledgerd/adapters")
    assert result.returncode == 0, shown(result)


def test_buf_lint_of_the_protos_finds_nothing() -> None:
    result = run("buf", "lint", "protos")
    assert result.returncode == 0, shown(result)
