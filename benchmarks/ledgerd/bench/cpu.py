"""CPU time of processes over a window, read from /proc/PID/stat (Linux): where a run's time goes.

A group is a set of root processes, each counted alone or with its descendants. A tree's total is
the sum, over the root and its live descendants, of utime + stime + cutime + cstime: a process
that exits during the window moves its time into its parent's cutime/cstime once reaped (the
postmaster reaps its backends), so the difference of two totals is the CPU spent in between, by
the processes that lived through it, by those born in it and by those that died in it."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from ledgerd.server.store import distribution

PROC = Path("/proc")
CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
# Fields of /proc/PID/stat (proc(5)), numbered from 1: ppid, then utime, stime, cutime, cstime.
_PPID, _UTIME = 4, 14
_FIRST = 3  # _fields() starts at the state, field 3


def _fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat from field 3 on (the command name may contain spaces and
    parentheses, so the split starts after its last ')'); None once the process is gone."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def _ticks(fields: list[str], *, with_reaped_children: bool) -> int:
    """utime + stime, and cutime + cstime (the children it waited for) when asked."""
    first = _UTIME - _FIRST
    return sum(int(value) for value in fields[first : first + (4 if with_reaped_children else 2)])


def _children() -> dict[int, list[int]]:
    """ppid -> pids, for every process visible now."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (fields := _fields(int(entry.name))) is not None:
            children[int(fields[_PPID - _FIRST])].append(int(entry.name))
    return children


def parent_of(pid: int) -> int | None:
    fields = _fields(pid)
    return int(fields[_PPID - _FIRST]) if fields is not None else None


@dataclass(frozen=True)
class Root:
    pid: int
    with_descendants: bool = True


def cpu_seconds(roots: Iterable[Root]) -> float:
    """The CPU seconds consumed so far by `roots` (each a process, or a process tree)."""
    children: dict[int, list[int]] | None = None
    seen: set[int] = set()
    ticks = 0
    for root in roots:
        pending = [root.pid]
        while pending:
            pid = pending.pop()
            if pid in seen or (fields := _fields(pid)) is None:
                continue
            seen.add(pid)
            ticks += _ticks(fields, with_reaped_children=root.with_descendants)
            if root.with_descendants:
                children = children if children is not None else _children()
                pending.extend(children.get(pid, ()))
    return ticks / CLOCK_TICKS_PER_SECOND


@dataclass
class Meter:
    """CPU seconds per named group between start() and stop()."""

    groups: dict[str, list[Root]]
    started_at: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A group with no process seen here (a --target server, a PostgreSQL on another machine)
        # is not measured at all rather than measured as zero.
        self.groups = {name: roots for name, roots in self.groups.items() if roots}

    def start(self) -> None:
        self.started_at = {name: cpu_seconds(roots) for name, roots in self.groups.items()}

    def stop(self) -> dict[str, float]:
        return {name: cpu_seconds(roots) - self.started_at[name] for name, roots in self.groups.items()}


def this_process() -> list[Root]:
    """This process alone: the harness's own children are the servers it started, counted apart."""
    return [Root(os.getpid(), with_descendants=False)]


async def postmaster(connection: asyncpg.Connection) -> list[Root]:
    """The PostgreSQL server of `connection` as a process tree: the parent of its backend (every
    backend, background worker and autovacuum process is a child of the postmaster). Empty when
    the server is not on this machine (its backend is not visible here)."""
    backend = await connection.fetchval("SELECT pg_backend_pid()")
    try:
        here = (PROC / str(backend) / "comm").read_text().strip() == "postgres"
    except OSError:
        here = False
    parent = parent_of(backend) if here else None
    return [Root(parent)] if parent is not None else []


def per_unit_us(spent: dict[str, float], units: int) -> dict[str, float | None]:
    """Microseconds of CPU per unit of work (an operation, a hold, a call), per group."""
    return {name: (seconds * 1e6 / units if units else None) for name, seconds in spent.items()}


async def citus_workers(connection: asyncpg.Connection) -> dict[str, list[Root]]:
    """On a Citus coordinator, each worker's postmaster on this machine, as group `postgres_worker_N`
    (`postgres` is then the coordinator alone): where a routed write's time goes. None elsewhere."""
    groups = {}
    for number, (host, port) in enumerate(await distribution.listen_nodes(connection), 1):
        node = await distribution.connect_to_node(connection, host, port)
        try:
            groups[f"postgres_worker_{number}"] = await postmaster(node)
        finally:
            await node.close()
    return groups
