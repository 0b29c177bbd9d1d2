"""`ledgerd serve` as a test runs it: a real process, its output read as it comes (so that it never
blocks on a full pipe) and waited on line by line."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Mapping
from pathlib import Path

from .ledger_helpers import LEDGERD

SERVING = "ledgerd serving on "
# A safety net against a hung process, not a measurement: nothing asserts how long anything took.
LINE_WAIT_SECONDS = 120.0


class Served:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._arrived = asyncio.Condition()
        self._ended = False
        self._reading = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, *arguments: str, env: Mapping[str, str], cwd: Path | None = None) -> Served:
        """Starts `ledgerd serve ARGUMENTS` and returns once it serves (or fails: it exited)."""
        process = await asyncio.create_subprocess_exec(
            LEDGERD,
            "serve",
            *arguments,
            env=dict(env),
            cwd=cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        served = cls(process)
        await served.line(SERVING)
        return served

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            async with self._arrived:
                self.lines.append(line.decode().rstrip("\n"))
                self._arrived.notify_all()
        async with self._arrived:
            self._ended = True
            self._arrived.notify_all()

    async def line(self, prefix: str, *, after: int = 0) -> str:
        """The first line from index `after` on that starts with `prefix`, waiting for it."""

        def found() -> str | None:
            return next((line for line in self.lines[after:] if line.startswith(prefix)), None)

        async def arrived() -> str:
            async with self._arrived:
                await self._arrived.wait_for(lambda: found() is not None or self._ended)
            line = found()
            assert line is not None, f"ledgerd serve ended without printing {prefix!r}:\n" + "\n".join(self.lines)
            return line

        return await asyncio.wait_for(arrived(), LINE_WAIT_SECONDS)

    @property
    def address(self) -> str:
        return next(line for line in self.lines if line.startswith(SERVING)).removeprefix(SERVING)

    def output(self) -> str:
        return "\n".join(self.lines)

    async def stop(self) -> int:
        """SIGTERM, then its exit status once it and everything writing to its output ended."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), LINE_WAIT_SECONDS)
        await asyncio.wait_for(self._reading, LINE_WAIT_SECONDS)
        return code
