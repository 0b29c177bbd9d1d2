"""Soak with chaos: a mixed card-program load on `ledgerd serve` while faults are injected at random
(the server killed with SIGKILL or stopped with SIGTERM and started again, PostgreSQL crashed or
restarted), then `ledgerd verify` and the check that nothing acknowledged was lost. Not run in CI:

    .venv/bin/python benchmarks/chaos_soak.py --duration 600

It starts its own PostgreSQL cluster (the machine's PostgreSQL binaries, ledgerd.bench.cluster) and
its own server. Every write carries an idempotency key and is retried with it until answered, as a
client must when an answer is lost. At the end it prints the operations by kind, the faults
injected, every answer by code (and reason), and the writes lost: acknowledged holds missing or
in another state than their last acknowledged operation left them, acknowledged transactions
missing, holds that should not exist. Exit status 0 when nothing was lost and verify passed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import grpc

from ledgerd.bench.cluster import Cluster
from ledgerd.client import LedgerdClient, error_details
from ledgerd.v1 import common_pb2, hold_pb2, ledger_pb2, transaction_pb2

LEDGERD = os.path.join(os.path.dirname(sys.executable), "ledgerd")
CREDIT, DEBIT = common_pb2.DIRECTION_CREDIT, common_pb2.DIRECTION_DEBIT
APPROVED = hold_pb2.HOLD_DECISION_APPROVED
# Per attempt; a call that hangs (its server killed) is given up and retried with its key.
ATTEMPT_TIMEOUT_SECONDS = 10.0
RETRY_PAUSE_SECONDS = 0.1
# What a client retries with the same key: the server or its database unreachable, or overloaded.
RETRIED = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.RESOURCE_EXHAUSTED}
FAST_RECONNECT = [("grpc.initial_reconnect_backoff_ms", 100), ("grpc.max_reconnect_backoff_ms", 500)]
SERVING = "ledgerd serving on "
FAULTS = ("kill -9 server", "SIGTERM server", "crash PostgreSQL", "restart PostgreSQL")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answer_name(error: grpc.aio.AioRpcError) -> str:
    details = error_details(error)
    return error.code().name + (f"/{details.reason.removeprefix('ERROR_REASON_')}" if details.reason else "")


@dataclass
class Book:
    """What the clients were told: the state each hold was left in by its last acknowledged
    operation, the transactions acknowledged, and every answer."""

    holds: dict[str, str] = field(default_factory=dict)  # hold id -> "pending" | "captured" | "released"
    hold_wallets: dict[str, str] = field(default_factory=dict)
    transactions: set[str] = field(default_factory=set)
    operations: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)


class Server:
    """`ledgerd serve` on a fixed address, restarted at will."""

    def __init__(self, address: str, database_url: str, log_path: str) -> None:
        self.address = address
        self.env = {**os.environ, "DATABASE_URL": database_url}
        self.log = open(log_path, "ab")  # noqa: SIM115 (kept open for every restart)
        self.process: asyncio.subprocess.Process | None = None
        self._draining: asyncio.Future[None] | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            LEDGERD, "serve", "--address", self.address, env=self.env, stdout=asyncio.subprocess.PIPE, stderr=self.log
        )
        assert self.process.stdout is not None
        while line := await asyncio.wait_for(self.process.stdout.readline(), 120):
            if line.decode().startswith(SERVING):
                self._draining = asyncio.ensure_future(self._drain(self.process.stdout))
                return
        raise RuntimeError(f"ledgerd serve exited with {await self.process.wait()}")

    async def _drain(self, stream: asyncio.StreamReader) -> None:
        while data := await stream.read(65536):
            self.log.write(data)

    async def stop(self, how: signal.Signals) -> int:
        assert self.process is not None
        self.process.send_signal(how)
        return await asyncio.wait_for(self.process.wait(), 60)


async def ledgerd(*arguments: str, database_url: str) -> str:
    process = await asyncio.create_subprocess_exec(
        LEDGERD,
        *arguments,
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    if process.returncode:
        raise RuntimeError(f"ledgerd {' '.join(arguments)} exited with {process.returncode}:\n{output.decode()}")
    return output.decode()


class Clients:
    def __init__(self, client: LedgerdClient, book: Book, program: dict[str, Any], seed: int) -> None:
        self.client = client
        self.book = book
        self.program = program
        self.stop = asyncio.Event()
        self.seed = seed

    async def until_answered(self, kind: str, call: Any, request: Any) -> Any:
        """The call retried with the same request (and so the same idempotency key) until answered."""
        while True:
            try:
                response = await call(request, timeout=ATTEMPT_TIMEOUT_SECONDS)
            except grpc.aio.AioRpcError as error:
                self.book.answers[answer_name(error)] += 1
                if error.code() not in RETRIED:
                    return None  # a refusal is an answer: nothing was written
                delay = error_details(error).retry_delay_seconds
                await asyncio.sleep(min(delay, 1.0) if delay is not None else RETRY_PAUSE_SECONDS)
                continue
            self.book.answers["OK"] += 1
            self.book.operations[kind] += 1
            return response

    async def run(self, index: int) -> None:
        chance = random.Random(self.seed * 1000 + index)
        mine: list[str] = []  # this client's pending holds
        wallets, settlement, cash = self.program["wallets"], self.program["settlement"], self.program["cash"]
        holds = self.client.holds
        while not self.stop.is_set():
            roll = chance.random()
            key = str(uuid.uuid4())
            if roll < 0.45 or not mine:
                wallet = chance.choice(wallets)
                request = hold_pb2.PlaceHoldRequest(
                    ledger_account_id=wallet,
                    counter_ledger_account_id=settlement,
                    amount=chance.randint(1, 500),
                    idempotency_key=key,
                )
                placed = await self.until_answered("place hold", holds.PlaceHold, request)
                if placed is not None and placed.decision == APPROVED:
                    self.book.holds[placed.hold.id] = "pending"
                    self.book.hold_wallets[placed.hold.id] = wallet
                    mine.append(placed.hold.id)
            elif roll < 0.6:
                hold_id = mine.pop(chance.randrange(len(mine)))
                request = hold_pb2.CaptureHoldRequest(hold_id=hold_id, amount=1, idempotency_key=key)
                if await self.until_answered("capture hold", holds.CaptureHold, request) is not None:
                    self.book.holds[hold_id] = "captured"
            elif roll < 0.75:
                hold_id = mine.pop(chance.randrange(len(mine)))
                request = hold_pb2.ReleaseHoldRequest(hold_id=hold_id, idempotency_key=key)
                if await self.until_answered("release hold", holds.ReleaseHold, request) is not None:
                    self.book.holds[hold_id] = "released"
            elif roll < 0.85:
                wallet = chance.choice(wallets)
                request = transaction_pb2.CreateLedgerTransactionRequest(
                    status=common_pb2.LEDGER_TRANSACTION_STATUS_POSTED,
                    idempotency_key=key,
                    ledger_entries=[
                        transaction_pb2.LedgerEntryRequest(ledger_account_id=cash, direction=DEBIT, amount=100),
                        transaction_pb2.LedgerEntryRequest(ledger_account_id=wallet, direction=CREDIT, amount=100),
                    ],
                )
                made = await self.until_answered("top up", self.client.transactions.CreateLedgerTransaction, request)
                if made is not None:
                    self.book.transactions.add(made.ledger_transaction.id)
            else:
                request = ledger_pb2.GetLedgerAccountRequest(id=chance.choice(wallets))
                await self.until_answered("read balance", self.client.ledgers.GetLedgerAccount, request)


async def card_program(client: LedgerdClient, wallets: int, funds: int) -> dict[str, Any]:
    ledger = (await client.ledgers.CreateLedger(ledger_pb2.CreateLedgerRequest(name="Soak"))).ledger

    async def account(name: str, normal_balance: int) -> str:
        request = ledger_pb2.CreateLedgerAccountRequest(
            ledger_id=ledger.id, name=name, normal_balance=normal_balance, currency="USD"
        )
        return str((await client.ledgers.CreateLedgerAccount(request)).ledger_account.id)

    cash = await account("Cash", common_pb2.NORMAL_BALANCE_DEBIT)
    settlement = await account("Settlement", common_pb2.NORMAL_BALANCE_DEBIT)
    ids = []
    for index in range(wallets):
        wallet = await account(f"Wallet {index}", common_pb2.NORMAL_BALANCE_CREDIT)
        await client.transactions.CreateLedgerTransaction(
            transaction_pb2.CreateLedgerTransactionRequest(
                status=common_pb2.LEDGER_TRANSACTION_STATUS_POSTED,
                ledger_entries=[
                    transaction_pb2.LedgerEntryRequest(ledger_account_id=cash, direction=DEBIT, amount=funds),
                    transaction_pb2.LedgerEntryRequest(ledger_account_id=wallet, direction=CREDIT, amount=funds),
                ],
            )
        )
        ids.append(wallet)
    return {"ledger": ledger.id, "cash": cash, "settlement": settlement, "wallets": ids}


async def inject_faults(
    stop: asyncio.Event, server: Server, cluster: Cluster, book: Book, chance: random.Random, gap: tuple[float, float]
) -> None:
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), chance.uniform(*gap))
            return
        except TimeoutError:
            pass
        fault = chance.choice(FAULTS)
        book.faults[fault] += 1
        print(f"{time.strftime('%H:%M:%S')} fault: {fault}", flush=True)
        if fault == "kill -9 server":
            await server.stop(signal.SIGKILL)
            await server.start()
        elif fault == "SIGTERM server":
            code = await server.stop(signal.SIGTERM)
            if code != 0:
                book.faults["SIGTERM exit status not 0"] += 1
            await server.start()
        else:
            await cluster.stop("immediate" if fault == "crash PostgreSQL" else "fast")
            await asyncio.sleep(chance.uniform(0.5, 3.0))
            await cluster.start()


async def lost_writes(database_url: str, book: Book, ledger_id: str) -> dict[str, int]:
    connection = await asyncpg.connect(database_url)
    try:
        holds = {
            str(row["id"]): row["status"]
            for row in await connection.fetch("SELECT id, status FROM holds WHERE ledger_id = $1", uuid.UUID(ledger_id))
        }
        transactions = {
            str(row["id"])
            for row in await connection.fetch(
                "SELECT id FROM ledger_transactions WHERE id = ANY($1::uuid[])", list(book.transactions)
            )
        }
    finally:
        await connection.close()
    return {
        "holds missing": sum(1 for hold_id in book.holds if hold_id not in holds),
        "holds in another state": sum(
            1 for hold_id, state in book.holds.items() if hold_id in holds and holds[hold_id] != state
        ),
        "holds never acknowledged": sum(1 for hold_id in holds if hold_id not in book.holds),
        "transactions missing": len(book.transactions - transactions),
    }


async def main(arguments: argparse.Namespace) -> int:
    chance = random.Random(arguments.seed)
    cluster = await Cluster.create()
    book = Book()
    server = Server(f"127.0.0.1:{free_port()}", cluster.url, arguments.server_log)
    try:
        await ledgerd("migrate", database_url=cluster.url)
        key = (await ledgerd("keys", "create", "--organization", "soak", database_url=cluster.url)).split()[-1]
        await server.start()
        async with LedgerdClient(server.address, key, options=FAST_RECONNECT) as client:
            program = await card_program(client, arguments.wallets, arguments.funds)
            clients = Clients(client, book, program, arguments.seed)
            load = asyncio.gather(*(clients.run(index) for index in range(arguments.concurrency)))
            stop_faults = asyncio.Event()
            faults = asyncio.create_task(
                inject_faults(stop_faults, server, cluster, book, chance, (arguments.gap_min, arguments.gap_max))
            )
            started = time.monotonic()
            await asyncio.sleep(arguments.duration)
            stop_faults.set()
            await faults
            clients.stop.set()
            await asyncio.wait_for(load, 300)  # every request in flight retried until answered
            elapsed = time.monotonic() - started
            lost = await lost_writes(cluster.url, book, program["ledger"])
        verify = await asyncio.create_subprocess_exec(
            LEDGERD, "verify", env={**os.environ, "DATABASE_URL": cluster.url}, stdout=asyncio.subprocess.PIPE
        )
        verify_output, _ = await verify.communicate()
        report = {
            "seconds": round(elapsed),
            "concurrency": arguments.concurrency,
            "operations": dict(book.operations),
            "operations_total": sum(book.operations.values()),
            "faults": dict(book.faults),
            "answers_by_code": dict(book.answers),
            "writes_lost": lost,
            "verify": "passed" if verify.returncode == 0 else verify_output.decode(),
        }
        print(json.dumps(report, indent=2))
        return 0 if verify.returncode == 0 and not any(lost.values()) else 1
    finally:
        if server.process is not None and server.process.returncode is None:
            await server.stop(signal.SIGTERM)
        await cluster.destroy()


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--duration", type=float, default=600.0, help="seconds of load and faults (default 600)")
    top.add_argument("--concurrency", type=int, default=32, help="concurrent clients (default 32)")
    top.add_argument("--wallets", type=int, default=200)
    top.add_argument("--funds", type=int, default=1_000_000, help="minor units posted to each wallet first")
    top.add_argument("--gap-min", type=float, default=5.0, help="seconds between faults, at least")
    top.add_argument("--gap-max", type=float, default=15.0, help="seconds between faults, at most")
    top.add_argument("--seed", type=int, default=1)
    top.add_argument(
        "--server-log",
        default=os.path.join(tempfile.gettempdir(), "ledgerd-chaos-soak-server.log"),
        help="the servers' output, appended (default in the temporary folder)",
    )
    return top


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parser().parse_args())))
