"""A smoke run of ledgerd-bench per scenario and mode, and of each option (batch mode, an open-loop
rate, a preload by COPY): it proves the harness, its servers, its baselines and its JSON work. It
asserts no speed."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

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
    "batch_size",
    "offered_rate_per_second",
    "dropped",
    "cpu_seconds",
    "cpu_us_per_op",
    "cpu_us_per_hold",
    "postgres_cpu_us_per_tpcb",
    "echo_rps",
    "echo_server_cpu_us_per_call",
    "preloaded_entries",
    "preload_seconds",
}
CPU_GROUPS = {"server", "postgres", "client"}
SMALL_RUN = ["--duration", "2", "--wallets", "20", "--no-progress"]


async def bench(tmp_path: Path, database_url: str, *arguments: str) -> dict[str, Any]:
    """Runs ledgerd-bench on the session's own database (never the one DATABASE_URL names, which
    belongs to the machine); its result.json, after checking what every run must have."""
    process = await asyncio.create_subprocess_exec(
        BENCH,
        *arguments,
        "--output",
        str(tmp_path),
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    result: dict[str, Any] = json.loads((tmp_path / "result.json").read_text())
    assert set(result) >= RESULT_FIELDS
    assert result["verify_ok"] is True and result["errors"] == 0
    assert result["operations"] > 0 and set(result["latency_ms"]) == {"p50", "p95", "p99", "p999"}
    # The harness started the server and PostgreSQL runs on this machine: every side is measured.
    for per in ("cpu_seconds", "cpu_us_per_op"):
        assert set(result[per]) == CPU_GROUPS and all(value > 0 for value in result[per].values()), result[per]
    assert (tmp_path / "report.png").read_bytes().startswith(b"\x89PNG")
    return result


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
        *SMALL_RUN,
        "--clients",
        "8",
        "--server-processes",
        "2" if scenario in ("transfers", "events") else "1",
        "--client-processes",
        "2" if scenario == "hot" else "1",
        "--mix",
        {"transfers": "transfer=1", "events": "event=1"}.get(
            scenario, "place=60,capture=20,release=5,balances=5,increase=10"
        ),
    ]
    if not baselines:
        arguments.append("--skip-baselines")
    result = await bench(tmp_path, database_url, *arguments)

    assert (result["scenario"], result["mode"], result["batch_size"], result["dropped"]) == (scenario, mode, None, 0)
    assert result["client_processes"] == (2 if scenario == "hot" else 1)
    if scenario in ("transfers", "events"):
        kind = {"transfers": "transfer", "events": "event"}[scenario]
        assert result["operations_by_kind"] == {kind: result["operations"]}
    else:
        assert result["holds_per_second"] > 0
    if baselines:
        assert result["baseline_tpcb_tps"] > 0 and result["baseline_sql_per_second"] > 0
        assert result["ratio_to_tpcb"] > 0 and result["ratio_to_sql"] > 0
        assert result["postgres_cpu_us_per_tpcb"] > 0
        assert result["echo_rps"] > 0 and result["echo_server_cpu_us_per_call"] > 0
    else:
        assert (result["baseline_tpcb_tps"], result["echo_rps"], result["postgres_cpu_us_per_tpcb"]) == (None,) * 3


async def test_batch_mode_places_holds_by_placeholdbatch(tmp_path: Path, database_url: str) -> None:
    result = await bench(
        tmp_path, database_url, "--scenario", "uniform", "--mode", "batch", "--batch-size", "50", "--skip-baselines",
        *SMALL_RUN,
    )  # fmt: skip
    assert (result["mode"], result["batch_size"], result["clients"]) == ("batch", 50, 8)
    assert result["operations_by_kind"] == {"place_batch": result["operations"]}
    # Every hold of every call is counted (no declines: the wallets are funded for any run).
    holds = result["holds_per_second"] * result["duration_s"]
    assert round(holds) == 50 * result["operations"] and result["declined"] == 0
    assert set(result["cpu_us_per_hold"]) == CPU_GROUPS and all(v > 0 for v in result["cpu_us_per_hold"].values())


@pytest.mark.parametrize("mode", ["unary", "stream"])
async def test_an_open_loop_rate_offers_the_load_and_counts_what_it_could_not_send(
    mode: str, tmp_path: Path, database_url: str
) -> None:
    result = await bench(
        tmp_path, database_url, "--scenario", "uniform", "--mode", mode, "--rate", "40", "--clients", "4",
        "--client-processes", "2", "--skip-baselines", *SMALL_RUN,
    )  # fmt: skip
    assert result["offered_rate_per_second"] == 40
    # Every request due in the 2 s was either answered or dropped (2 processes at 20/s each).
    assert result["operations"] + result["dropped"] == 80


async def test_a_preload_copies_consistent_history_that_verify_accepts(tmp_path: Path, database_url: str) -> None:
    result = await bench(
        tmp_path, database_url, "--scenario", "uniform", "--preload-entries", "2001", "--skip-baselines", *SMALL_RUN,
        "--clients", "4",
    )  # fmt: skip
    assert result["preloaded_entries"] == 2000 and result["preload_seconds"] > 0
