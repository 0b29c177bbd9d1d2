"""The figures of result.json made from a run's recording and its baselines: rates, latency,
the ratios to the baselines, and the CPU each side spent per operation and per hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledgerd.bench import cpu, report
from ledgerd.bench.baselines import Tpcb
from ledgerd.bench.echo import EchoResult
from ledgerd.bench.load import Recorder

# The operation counted as the scenario's main write (holds for the card scenarios).
MAIN_WRITES = {"transfers": "transfer", "events": "event"}
# The process groups whose CPU is measured over the load window (cpu.Meter); a group not seen
# from this machine is reported as null.
CPU_GROUPS = ("server", "postgres", "client")


@dataclass(frozen=True)
class Baselines:
    tpcb: Tpcb | None
    sql_per_second: float | None
    echo: EchoResult | None


def _ratio(rate: float, baseline: float | None) -> float | None:
    return rate / baseline if baseline else None


def cpu_us_per(recorder: Recorder, units: int) -> dict[str, float | None]:
    per_unit = cpu.per_unit_us(dict(recorder.cpu_seconds), units)
    return {group: per_unit.get(group) for group in (*CPU_GROUPS, *_workers(recorder))}


def _workers(recorder: Recorder) -> list[str]:
    """The Citus workers' groups measured (cpu.citus_workers), after the fixed ones."""
    return sorted(group for group in recorder.cpu_seconds if group not in CPU_GROUPS)


def figures(scenario: str, recorder: Recorder, elapsed: float, baselines: Baselines) -> dict[str, Any]:
    operations = recorder.latency.get_total_count()
    main_kind = MAIN_WRITES.get(scenario)
    main_rate = (recorder.operations[main_kind] if main_kind else recorder.holds) / elapsed
    tpcb_tps = baselines.tpcb.tps if baselines.tpcb else None
    return {
        "operations": operations,
        "operations_by_kind": dict(recorder.operations),
        "operations_per_second": operations / elapsed,
        "holds_per_second": recorder.holds / elapsed,
        "latency_ms": report.latency_ms(recorder),
        "declined": recorder.declined,
        "dropped": recorder.dropped,
        "errors": sum(recorder.errors.values()),
        "errors_by_code": dict(recorder.errors),
        "baseline_tpcb_tps": tpcb_tps,
        "ratio_to_tpcb": _ratio(main_rate, tpcb_tps),
        "postgres_cpu_us_per_tpcb": baselines.tpcb.postgres_cpu_us_per_tpcb if baselines.tpcb else None,
        "baseline_sql_per_second": baselines.sql_per_second,
        "ratio_to_sql": _ratio(main_rate, baselines.sql_per_second),
        "echo_rps": baselines.echo.calls_per_second if baselines.echo else None,
        "echo_server_cpu_us_per_call": baselines.echo.server_cpu_us_per_call if baselines.echo else None,
        "cpu_seconds": {group: recorder.cpu_seconds.get(group) for group in (*CPU_GROUPS, *_workers(recorder))},
        "cpu_us_per_op": cpu_us_per(recorder, operations),
        "cpu_us_per_hold": cpu_us_per(recorder, recorder.holds),
    }
