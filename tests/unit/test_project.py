"""The project checks itself: lint (ruff, mypy, buf), generated code up to date, the error reasons
of the server equal to the proto's."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from ledgerd.server.domain.errors import ErrorReason
from ledgerd.v1 import errors_pb2

ROOT = Path(__file__).resolve().parents[2]
TOOLS = Path(sys.executable).parent


def run(*command: str) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_nothing() -> None:
    run(str(TOOLS / "ruff"), "check", ".")


def test_mypy_strict_passes_on_server_and_client() -> None:
    run(str(TOOLS / "mypy"), "server", "clients/ledgerd/client")


def test_buf_lint_standard_passes() -> None:
    run(str(TOOLS / "buf"), "lint", "protos")


def test_the_committed_generated_code_is_what_the_protos_generate(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "protos" / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    fresh = {path.name: path.read_bytes() for path in generate.generate(tmp_path)}
    committed = {path.name: path.read_bytes() for path in (ROOT / "clients" / "ledgerd" / "v1").glob("*_pb2*.py*")}
    assert sorted(fresh) == sorted(committed)
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert stale == [], "regenerate with: python protos/generate.py"


@pytest.mark.parametrize("reason", list(ErrorReason))
def test_every_server_error_reason_is_in_the_proto_enum(reason: ErrorReason) -> None:
    assert errors_pb2.ErrorReason.Value(reason.value) > 0  # raises ValueError when missing


def test_every_proto_error_reason_is_known_to_the_server() -> None:
    assert set(errors_pb2.ErrorReason.keys()) - {r.value for r in ErrorReason} == {"ERROR_REASON_UNSPECIFIED"}
