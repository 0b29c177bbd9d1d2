"""The embedded default (no DATABASE_URL) as users meet it: several processes starting their
embedded PostgreSQL at once all start, and a data folder left by a killed server (PostgreSQL and
ledgerd both killed with SIGKILL) starts again, with its data, and is stopped again by the last
process using it."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from ledgerd.client import LedgerdClient
from ledgerd.v1 import ledger_pb2

from .ledger_helpers import LEDGERD, create_ledger
from .serving_helpers import LINE_WAIT_SECONDS, Served

# Test runs (or first starts of ledgerd) starting their own embedded server at the same moment.
CONCURRENT_STARTS = 3


def embedded_env(data_dir: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    env["LEDGERD_DATA_DIR"] = str(data_dir)
    return env


async def test_several_processes_starting_an_embedded_server_at_once_all_start(tmp_path: Path) -> None:
    async def migrate(index: int) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            LEDGERD,
            "migrate",
            env=embedded_env(tmp_path / f"pgdata-{index}"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), LINE_WAIT_SECONDS)
        return process.returncode or 0, output.decode()

    results = await asyncio.gather(*(migrate(index) for index in range(CONCURRENT_STARTS)))
    for code, output in results:
        assert code == 0 and "migrations applied" in output, output


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])


async def test_a_data_folder_left_by_a_killed_server_starts_again_with_its_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "pgdata"
    served = await Served.start("--address", "127.0.0.1:0", env=embedded_env(data_dir), cwd=tmp_path)
    try:
        key = await served.line("ldg_")
        async with LedgerdClient(served.address, key) as client:
            ledger = await create_ledger(client, "Before the crash")
        # Both killed, as by the OOM killer or a power cut of the container: nobody stops anything.
        os.kill(postmaster_pid(data_dir), signal.SIGKILL)
        served.process.kill()
        await served.process.wait()
    finally:
        await served.stop()
    # At once: the dying server may still hold its pid.
    served = await Served.start("--address", "127.0.0.1:0", env=embedded_env(data_dir), cwd=tmp_path)
    try:
        async with LedgerdClient(served.address, key) as client:
            found = await client.ledgers.GetLedger(ledger_pb2.GetLedgerRequest(id=ledger.id))
            assert found.ledger.name == "Before the crash"
    finally:
        assert await served.stop() == 0, served.output()
    # The last process using it stopped it, though the killed one never said it had gone.
    assert not (data_dir / "postmaster.pid").exists()
