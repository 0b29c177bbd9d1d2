"""The write path's throughput with and without group commit, measured in one run.

Runs PlaceHold writes straight against the use cases (no gRPC) from many concurrent callers for a
fixed time, in three shapes: uniform wallets each with its own counter account, one hot wallet,
and many wallets through one shared settlement account. Each shape runs twice: coalesced (the
server's setting) and one write per database transaction (the baseline). Prints holds/s and the
ratio; the machine is shared and noisy, so only the ratio within one run means much.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python benchmarks/write_path.py
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from typing import Any

import uvloop

from ledgerd.server.core.api_keys import create_api_key
from ledgerd.server.core.coalescer import Coalescer
from ledgerd.server.core.holds import HoldsUseCases, PlaceHold
from ledgerd.server.core.ledgers import LedgersUseCases
from ledgerd.server.domain.balances import NormalBalance
from ledgerd.server.store.embedded import database_url
from ledgerd.server.store.migrate import apply_migrations
from ledgerd.server.store.pool import create_pool

SHAPES = ("uniform", "hot", "shared_settlement")


async def accounts(
    ledgers: LedgersUseCases, organization: uuid.UUID, shape: str, callers: int
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    ledger = await ledgers.create_ledger(organization, f"bench {shape}", "", {}, None)
    assert not isinstance(ledger, bytes)

    async def account(name: str, normal: NormalBalance) -> uuid.UUID:
        created = await ledgers.create_ledger_account(organization, ledger.id, name, "", normal, "USD", 2, {}, None)
        return created.id  # type: ignore[union-attr]

    if shape == "hot":
        wallet, settlement = await account("hot wallet", NormalBalance.CREDIT), await account("s", NormalBalance.DEBIT)
        return [(wallet, settlement)] * callers
    if shape == "shared_settlement":
        settlement = await account("settlement", NormalBalance.DEBIT)
        return [(await account(f"w{n}", NormalBalance.CREDIT), settlement) for n in range(callers)]
    return [
        (await account(f"w{n}", NormalBalance.CREDIT), await account(f"s{n}", NormalBalance.DEBIT))
        for n in range(callers)
    ]


async def run_shape(
    pool: Any, organization: uuid.UUID, shape: str, callers: int, seconds: float, coalescer: Coalescer
) -> float:
    ledgers = LedgersUseCases(pool)
    pairs = await accounts(ledgers, organization, shape, callers)
    holds = HoldsUseCases(pool, coalescer)
    done = 0
    deadline = time.perf_counter() + seconds

    async def caller(wallet: uuid.UUID, counter: uuid.UUID) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await holds.write(
                organization,
                PlaceHold(
                    wallet,
                    counter,
                    1,
                    None,
                    None,
                    None,
                    None,
                    False,
                    # A credit line: every hold is approved, so each one writes.
                    -(10**15),
                    {},
                    b"bench",
                ),
            )
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(caller(w, c) for w, c in pairs))
    return done / (time.perf_counter() - started)


async def main(arguments: argparse.Namespace) -> None:
    pool = await create_pool(database_url(), min_size=10, max_size=arguments.pool_size)
    async with pool.acquire() as connection:
        await apply_migrations(connection)
    organization, _ = await create_api_key(pool, f"bench-{uuid.uuid4()}")
    print(f"{'shape':<20}{'per request/s':>15}{'coalesced/s':>15}{'ratio':>8}")
    for shape in arguments.shapes:
        # The baseline: one write per database transaction, as many at once as the pool allows.
        naive = Coalescer(pool, writes_per_batch_max=1, batches_in_flight_max=arguments.pool_size, in_order=False)
        baseline = await run_shape(pool, organization, shape, arguments.callers, arguments.seconds, naive)
        coalesced = await run_shape(pool, organization, shape, arguments.callers, arguments.seconds, Coalescer(pool))
        print(f"{shape:<20}{baseline:>15.0f}{coalesced:>15.0f}{coalesced / baseline:>8.2f}", flush=True)
    await pool.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--callers", type=int, default=64)
    parser.add_argument("--pool-size", type=int, default=20)
    parser.add_argument("--shapes", nargs="+", choices=SHAPES, default=list(SHAPES))
    uvloop.run(main(parser.parse_args()))
