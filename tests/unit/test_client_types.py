"""Code written against the bundled client is type-checked: `mypy --strict` passes on the README's
walkthroughs, as a user's code, and fails on a call with the wrong request or a misspelt field.
The walkthroughs' ledgerd modules are checked as an installed package's would be (followed,
their own errors silent), through the typed stubs protos/generate.py makes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MYPY = Path(sys.executable).parent / "mypy"
WALKTHROUGH = re.compile(r"<!-- ([\w-]*walkthrough):start -->\s*```python\n(.*?)```\s*<!-- \1:end -->", re.DOTALL)
# What mypy does with an installed package: it follows its imports, and reports none of its errors.
CONFIG = """[mypy]
strict = True
mypy_path = {clients}

[mypy-ledgerd.*]
follow_imports = silent
follow_imports_for_stubs = True
"""


def walkthroughs() -> dict[str, str]:
    """The README's walkthroughs written against the bundled client (others use MT's SDK)."""
    found = WALKTHROUGH.findall((ROOT / "README.md").read_text())
    return {name: code for name, code in found if "from ledgerd.client import" in code}


def mypy_strict(folder: Path, sources: dict[str, str]) -> subprocess.CompletedProcess[str]:
    (folder / "mypy.ini").write_text(CONFIG.format(clients=ROOT / "clients"))
    for name, code in sources.items():
        (folder / f"{name.replace('-', '_')}.py").write_text(code)
    return subprocess.run(
        [str(MYPY), "--config-file", "mypy.ini", "--no-incremental", *(f"{n.replace('-', '_')}.py" for n in sources)],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_the_readme_has_the_client_walkthroughs() -> None:
    assert {"events-walkthrough", "walkthrough"} <= set(walkthroughs())


def test_the_readme_walkthroughs_pass_mypy_strict(tmp_path: Path) -> None:
    result = mypy_strict(tmp_path, walkthroughs())
    assert result.returncode == 0, result.stdout + result.stderr


WRONG = """import asyncio

from ledgerd.client import LedgerdClient
from ledgerd.v1 import ledger_pb2


async def main() -> None:
    async with LedgerdClient("127.0.0.1:50051", "ldg_key") as client:
        created = await client.ledgers.CreateLedger(ledger_pb2.GetLedgerRequest(id="not a create request"))
        print(created.ledger.nmae)
        holds = await client.holds.ListHolds(ledger_pb2.ListLedgersRequest())
        print(holds.holds[0].amount + "cents")


asyncio.run(main())
"""


@pytest.fixture(scope="module")
def wrong_checked(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    return mypy_strict(tmp_path_factory.mktemp("wrong"), {"wrong": WRONG})


@pytest.mark.parametrize(
    ("line", "code"),
    [(9, "arg-type"), (10, "attr-defined"), (11, "arg-type"), (12, "operator")],
    ids=["wrong request", "misspelt field", "another service's request", "amount is an int"],
)
def test_mypy_strict_catches_a_wrong_call_to_the_client(
    wrong_checked: subprocess.CompletedProcess[str], line: int, code: str
) -> None:
    result = wrong_checked
    assert result.returncode == 1 and "Found 4 errors in 1 file" in result.stdout, result.stdout + result.stderr
    assert re.search(rf"^wrong\.py:{line}: error: .*\[{code}\]$", result.stdout, re.MULTILINE), result.stdout
