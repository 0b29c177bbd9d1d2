"""A smoke run of ledgerd-bench per scenario and mode: it proves the harness, its servers, its
baselines and its JSON work. It asserts no speed."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from ledgerd.bench.load import MIXES

BENCH = str(Path(sys.executable).parent / "ledgerd-bench")
RESULT_FIELDS = {
    "scenario",
    "mode",
    "duration_s",
    "operations",
    "holds_per_second",
    "operations_per_second",
    "latency_ms",
    "declined",
    "errors",
    "baseline_tpcb_tps",
    "ratio_to_tpcb",
    "baseline_sql_per_second",
    "ratio_to_sql",
    "verify_ok",
    "git_commit",
}


@pytest.mark.parametrize("mode", ["unary", "stream"])
@pytest.mark.parametrize("scenario", sorted(MIXES))
async def test_a_short_run_writes_a_complete_result_and_verifies(
    scenario: str, mode: str, tmp_path: Path, database_url: str
) -> None:
    # Baselines once (they cost pgbench's set-up), the rest without.
    baselines = scenario == "uniform" and mode == "unary"
    arguments = [
        "--scenario",
        scenario,
        "--mode",
        mode,
        "--duration",
        "2",
        "--clients",
        "8",
        "--wallets",
        "20",
        "--server-processes",
        "2" if scenario in ("transfers", "events") else "1",
        "--client-processes",
        "2" if scenario == "hot" else "1",
        "--no-progress",
        "--output",
        str(tmp_path),
        "--mix",
        {"transfers": "transfer=1", "events": "event=1"}.get(
            scenario, "place=60,capture=20,release=5,balances=5,increase=10"
        ),
    ]
    if not baselines:
        arguments.append("--skip-baselines")
    # The session's own database: never the one DATABASE_URL names, which belongs to the machine.
    process = await asyncio.create_subprocess_exec(
        BENCH,
        *arguments,
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()

    result = json.loads((tmp_path / "result.json").read_text())
    assert set(result) >= RESULT_FIELDS
    assert (result["scenario"], result["mode"], result["verify_ok"], result["errors"]) == (scenario, mode, True, 0)
    assert result["operations"] > 0 and set(result["latency_ms"]) == {"p50", "p95", "p99", "p999"}
    assert result["client_processes"] == (2 if scenario == "hot" else 1)
    if scenario in ("transfers", "events"):
        kind = {"transfers": "transfer", "events": "event"}[scenario]
        assert result["operations_by_kind"] == {kind: result["operations"]}
    else:
        assert result["holds_per_second"] > 0
    if baselines:
        assert result["baseline_tpcb_tps"] > 0 and result["baseline_sql_per_second"] > 0
        assert result["ratio_to_tpcb"] > 0 and result["ratio_to_sql"] > 0
    assert (tmp_path / "report.png").read_bytes().startswith(b"\x89PNG")
