"""What a run leaves behind: DIR/result.json, DIR/report.png and a table on the terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledgerd.bench.load import Recorder

PERCENTILES = {"p50": 50.0, "p95": 95.0, "p99": 99.0, "p999": 99.9}


def latency_ms(recorder: Recorder) -> dict[str, float]:
    return {name: recorder.latency.get_value_at_percentile(p) / 1000 for name, p in PERCENTILES.items()}


def write_json(directory: Path, result: dict[str, Any]) -> Path:
    path = directory / "result.json"
    path.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return path


def write_png(directory: Path, recorder: Recorder, result: dict[str, Any], title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # no screen
    import matplotlib.pyplot as plt

    seconds = recorder.seconds
    figure, (throughput, tail, spread, cost) = plt.subplots(4, 1, figsize=(9, 13), constrained_layout=True)
    figure.suptitle(title)
    xs = list(range(len(seconds)))
    throughput.plot(xs, [s.operations for s in seconds], label="operations/s")
    throughput.plot(xs, [s.holds for s in seconds], label="holds/s")
    throughput.set_xlabel("second")
    throughput.set_ylabel("per second")
    throughput.legend()
    throughput.set_title("Throughput over time")
    tail.plot(xs, [s.latency.get_value_at_percentile(99) / 1000 if s.operations else 0 for s in seconds], color="C3")
    tail.set_xlabel("second")
    tail.set_ylabel("p99 latency (ms)")
    tail.set_title("p99 latency over time")
    bins = [
        (item.value_iterated_to / 1000, item.count_added_in_this_iter_step)
        for item in recorder.latency.get_linear_iterator(max(1, recorder.latency.get_max_value() // 60))
    ]
    spread.bar([b[0] for b in bins], [b[1] for b in bins], width=(bins[1][0] - bins[0][0]) if len(bins) > 1 else 1)
    spread.set_xlabel("latency (ms)")
    spread.set_ylabel("operations")
    spread.set_title("Latency histogram")
    _cpu_bars(cost, result)
    path = directory / "report.png"
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path


def _cpu_bars(axes: Any, result: dict[str, Any]) -> None:
    """Where the CPU went: per hold (per operation when there are none) for each side, beside the
    bare echo server's CPU per call."""
    unit = "hold" if result["holds_per_second"] else "op"
    per_unit = result[f"cpu_us_per_{unit}"]
    bars = {f"{group}\nper {unit}": value for group, value in per_unit.items() if value is not None}
    if result["echo_server_cpu_us_per_call"] is not None:
        bars["echo server\nper call"] = result["echo_server_cpu_us_per_call"]
    shown = axes.bar(list(bars), list(bars.values()), color=["C0", "C1", "C2", "C7"][: len(bars)])
    axes.bar_label(shown, fmt="%.0f")
    axes.set_ylabel("CPU µs")
    axes.set_title("CPU per unit of work over the load window")


def _per(values: dict[str, float | None], unit: str) -> str:
    shown = [f"{group} {value:.0f}" for group, value in values.items() if value is not None]
    return f"{' / '.join(shown)} µs per {unit}" if shown else "not measured"


def _optional(value: float | None, text: str, missing: str = "not measured") -> str:
    return text.format(value) if value is not None else missing


def table(result: dict[str, Any]) -> str:
    latency = result["latency_ms"]
    rows = [
        ("scenario / mode", f"{result['scenario']} / {result['mode']}"),
        ("batch size", str(result["batch_size"] or "—")),
        ("offered rate", _optional(result["offered_rate_per_second"], "{:.0f}/s (open loop)", "closed loop")),
        ("duration", f"{result['duration_s']:.1f} s"),
        ("operations", f"{result['operations']} ({result['operations_per_second']:.0f}/s)"),
        ("holds", f"{result['holds_per_second']:.0f}/s"),
        (
            "latency p50/p95/p99/p99.9",
            f"{latency['p50']:.2f} / {latency['p95']:.2f} / {latency['p99']:.2f} / {latency['p999']:.2f} ms",
        ),
        ("declined / errors", f"{result['declined']} / {result['errors']}"),
        ("dropped (open loop)", str(result["dropped"])),
        ("CPU per operation", _per(result["cpu_us_per_op"], "op")),
        ("CPU per hold", _per(result["cpu_us_per_hold"], "hold")),
        ("gRPC echo", _optional(result["echo_rps"], "{:.0f} calls/s")),
        ("echo server CPU", _optional(result["echo_server_cpu_us_per_call"], "{:.0f} µs per call")),
        ("PostgreSQL per TPC-B", _optional(result["postgres_cpu_us_per_tpcb"], "{:.0f} µs")),
        ("preloaded", f"{result['preloaded_entries']} entries in {result['preload_seconds']:.1f} s"),
        ("pgbench TPC-B", _ratio(result["baseline_tpcb_tps"], result["ratio_to_tpcb"], "tps")),
        ("SQL floor (no gRPC)", _ratio(result["baseline_sql_per_second"], result["ratio_to_sql"], "/s")),
        ("verify", "ok" if result["verify_ok"] else "FAILED" if result["verify_ok"] is False else "not run"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def _ratio(baseline: float | None, ratio: float | None, unit: str) -> str:
    if baseline is None or ratio is None:
        return "not measured"
    return f"{baseline:.0f} {unit}, ratio {ratio:.2f}"
