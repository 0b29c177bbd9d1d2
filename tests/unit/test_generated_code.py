"""The committed generated code (clients/ledgerd/v1) is exactly what protos/generate.py makes of
the protos today: regenerate with `python protos/generate.py` after changing a .proto file."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "clients" / "ledgerd" / "v1"


def load_generate() -> Callable[[Path], list[Path]]:
    spec = importlib.util.spec_from_file_location("ledgerd_protos_generate", ROOT / "protos" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    generate: Callable[[Path], list[Path]] = module.generate
    return generate


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("generated")
    load_generate()(output)
    return output / "ledgerd" / "v1"


def test_generation_writes_code_for_every_proto(regenerated: Path) -> None:
    protos = sorted(path.stem for path in (ROOT / "protos" / "ledgerd" / "v1").glob("*.proto"))
    assert protos, "no .proto files found"
    for stem in protos:
        for suffix in ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py", "_pb2_grpc.pyi"):
            assert (regenerated / f"{stem}{suffix}").is_file(), f"{stem}{suffix} was not generated"


def test_every_regenerated_file_is_byte_identical_to_the_committed_one(regenerated: Path) -> None:
    fresh = sorted(path for path in regenerated.rglob("*") if path.is_file())
    assert fresh, "the generator wrote nothing"
    relative = [path.relative_to(regenerated) for path in fresh]
    missing = [name for name in relative if not (COMMITTED / name).is_file()]
    stale = [
        name
        for name in relative
        if (COMMITTED / name).is_file() and (COMMITTED / name).read_bytes() != (regenerated / name).read_bytes()
    ]
    assert missing == [], f"generated but not committed: {missing}; regenerate with: python protos/generate.py"
    assert stale == [], f"committed but out of date: {stale}; regenerate with: python protos/generate.py"


def test_no_committed_generated_file_is_missing_from_the_regeneration(regenerated: Path) -> None:
    committed = sorted(path.name for path in COMMITTED.glob("*_pb2*"))
    assert committed, "no committed generated code found"
    orphans = [name for name in committed if not (regenerated / name).is_file()]
    assert orphans == [], f"committed but no longer generated (from a deleted .proto?): {orphans}"
