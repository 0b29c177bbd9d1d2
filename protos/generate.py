"""Regenerates the Python code of protos/ledgerd/v1 into clients/ (import path `ledgerd.v1`):
messages (`_pb2.py`, typed by grpcio-tools' `_pb2.pyi`), services (`_pb2_grpc.py`) and their
types (`_pb2_grpc.pyi`, by mypy-protobuf's protoc-gen-mypy_grpc: a typed stub for a sync and for
an asyncio channel, and the servicer's typed methods).

Run: python protos/generate.py [OUTPUT_DIR]. The generated files are committed; a test
regenerates them into a temporary folder and fails on any difference.
"""

import pathlib
import shutil
import sys

from grpc_tools import protoc  # type: ignore[import-untyped]

PROTOS = pathlib.Path(__file__).resolve().parent
DEFAULT_OUTPUT = PROTOS.parent / "clients"
GRPC_STUBS_PLUGIN = "protoc-gen-mypy_grpc"


def grpc_stubs_plugin() -> str:
    """mypy-protobuf's plugin, installed beside this Python (the `test` extra) or on PATH."""
    found = shutil.which(GRPC_STUBS_PLUGIN, path=str(pathlib.Path(sys.executable).parent)) or shutil.which(
        GRPC_STUBS_PLUGIN
    )
    if found is None:
        raise RuntimeError(f"{GRPC_STUBS_PLUGIN} not found: pip install -e '.[test]' (mypy-protobuf)")
    return found


def generate(output: pathlib.Path = DEFAULT_OUTPUT) -> list[pathlib.Path]:
    sources = sorted(str(path.relative_to(PROTOS)) for path in (PROTOS / "ledgerd" / "v1").glob("*.proto"))
    include = pathlib.Path(protoc.__file__).parent / "_proto"
    status = protoc.main(
        [
            "grpc_tools.protoc",
            f"-I{PROTOS}",
            f"-I{include}",
            f"--python_out={output}",
            f"--pyi_out={output}",
            f"--grpc_python_out={output}",
            f"--plugin={GRPC_STUBS_PLUGIN}={grpc_stubs_plugin()}",
            f"--mypy_grpc_out={output}",
            *sources,
        ]
    )
    if status != 0:
        raise RuntimeError(f"protoc failed with status {status}")
    return sorted((output / "ledgerd" / "v1").glob("*_pb2*.py*"))


if __name__ == "__main__":
    for path in generate(pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT):
        print(path)
