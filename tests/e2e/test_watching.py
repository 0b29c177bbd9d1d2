"""Balance watching and balance monitors against the real server: every committed version of the
watched accounts, in order, without gaps, resumable; monitors alert at each flip, exactly once."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

from ledgerd.client import LedgerdClient
from ledgerd.server.domain import limits
from ledgerd.v1 import balance_pb2, hold_pb2, monitor_pb2

from .ledger_helpers import (
    DEBIT_NORMAL,
    POSTED,
    create_account,
    create_ledger,
    create_transaction,
    get_account,
    refused,
    transfer,
)

# A guard against a hung stream, not a measurement: a change arrives within milliseconds.
STREAM_WAIT_SECONDS = 60
INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND


async def book(client: LedgerdClient) -> tuple[str, str]:
    ledger = await create_ledger(client)
    cash = (await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    return cash, wallet


def watch(client: LedgerdClient, *account_ids: str, after: dict[str, int] | None = None) -> Any:
    return client.balances.WatchBalances(
        balance_pb2.WatchBalancesRequest(ledger_account_ids=account_ids, after_lock_versions=after or {})
    )


async def take(stream: Any, count: int) -> list[balance_pb2.WatchBalancesResponse]:
    """The next `count` answers of a watch stream."""

    async def read() -> list[balance_pb2.WatchBalancesResponse]:
        return [await stream.read() for _ in range(count)]

    return await asyncio.wait_for(read(), STREAM_WAIT_SECONDS)


def seen(answers: list[balance_pb2.WatchBalancesResponse]) -> list[tuple[int, int]]:
    """(lock_version, posted amount) of each answer."""
    return [
        (a.ledger_account_balances.lock_version, a.ledger_account_balances.balances.posted_balance.amount)
        for a in answers
    ]


async def test_a_watcher_gets_the_current_balances_then_every_change_in_order(client: LedgerdClient) -> None:
    cash, wallet = await book(client)
    await create_transaction(client, transfer(cash, wallet, 100, status=POSTED))
    stream = watch(client, wallet)
    (start,) = await take(stream, 1)
    assert seen([start]) == [(1, 100)] and start.ledger_transaction_id == ""

    made = [await create_transaction(client, transfer(cash, wallet, amount, status=POSTED)) for amount in (10, 20, 30)]

    changes = await take(stream, 3)
    assert seen(changes) == [(2, 110), (3, 130), (4, 160)]
    assert [c.ledger_transaction_id for c in changes] == [t.id for t in made]
    stream.cancel()


async def test_a_watcher_that_reconnects_with_its_last_versions_misses_nothing(client: LedgerdClient) -> None:
    cash, wallet = await book(client)
    stream = watch(client, wallet, cash)
    assert len(await take(stream, 2)) == 2  # the starting answers, at version 0
    await create_transaction(client, transfer(cash, wallet, 1, status=POSTED))
    first = await take(stream, 2)
    last = {a.ledger_account_balances.ledger_account_id: a.ledger_account_balances.lock_version for a in first}
    stream.cancel()

    for amount in (2, 3, 4):  # committed while nobody watches
        await create_transaction(client, transfer(cash, wallet, amount, status=POSTED))

    resumed = watch(client, wallet, cash, after=last)
    missed = await take(resumed, 6)
    by_account: dict[str, list[tuple[int, int]]] = {}
    for answer in missed:
        balances = answer.ledger_account_balances
        by_account.setdefault(balances.ledger_account_id, []).append(
            (balances.lock_version, balances.balances.posted_balance.amount)
        )
    assert by_account == {wallet: [(2, 3), (3, 6), (4, 10)], cash: [(2, 3), (3, 6), (4, 10)]}
    await create_transaction(client, transfer(cash, wallet, 5, status=POSTED))
    assert sorted(seen(await take(resumed, 2))) == [(5, 15), (5, 15)]
    resumed.cancel()


async def test_concurrent_writers_show_every_version_exactly_once(client: LedgerdClient) -> None:
    cash, wallet = await book(client)
    stream = watch(client, wallet)
    await take(stream, 1)
    writers = 60
    await asyncio.gather(
        *(create_transaction(client, transfer(cash, wallet, 1 + i, status=POSTED)) for i in range(writers))
    )
    changes = await take(stream, writers)
    assert [version for version, _ in seen(changes)] == list(range(1, writers + 1))
    assert seen(changes)[-1][1] == sum(1 + i for i in range(writers))
    assert (await get_account(client, wallet)).lock_version == writers
    stream.cancel()


async def test_watch_refusals(client: LedgerdClient, target: str, pool: Any) -> None:
    cash, wallet = await book(client)
    unknown = "0190c6a0-0000-7000-8000-000000000000"

    async def first(stream: Any) -> Any:
        return await asyncio.wait_for(stream.read(), STREAM_WAIT_SECONDS)

    await refused(first(watch(client)), INVALID, "INVALID_ARGUMENT")
    await refused(first(watch(client, "not-a-uuid")), INVALID, "INVALID_ARGUMENT")
    await refused(first(watch(client, *[wallet] * (limits.watched_accounts_max + 1))), INVALID, "INVALID_ARGUMENT")
    await refused(first(watch(client, wallet, after={cash: 0})), INVALID, "INVALID_ARGUMENT")
    await refused(first(watch(client, wallet, after={wallet: -1})), INVALID, "INVALID_ARGUMENT")
    await refused(first(watch(client, wallet, after={wallet: 5})), INVALID, "INVALID_ARGUMENT")
    await refused(first(watch(client, wallet, unknown)), NOT_FOUND, "LEDGER_ACCOUNT_NOT_FOUND")

    from ledgerd.server.core.api_keys import create_api_key

    _, key = await create_api_key(pool, "watch-stranger")
    async with LedgerdClient(target, key) as stranger:
        await refused(first(watch(stranger, wallet)), NOT_FOUND, "LEDGER_ACCOUNT_NOT_FOUND")


def below(value: int) -> monitor_pb2.BalanceMonitorCondition:
    return monitor_pb2.BalanceMonitorCondition(
        field=monitor_pb2.BALANCE_MONITOR_FIELD_AVAILABLE_BALANCE_AMOUNT,
        operator=monitor_pb2.BALANCE_MONITOR_OPERATOR_LESS_THAN,
        value=value,
    )


async def create_monitor(client: LedgerdClient, account_id: str, **fields: Any) -> Any:
    request = monitor_pb2.CreateLedgerAccountBalanceMonitorRequest(ledger_account_id=account_id, **fields)
    return (await client.monitors.CreateLedgerAccountBalanceMonitor(request)).ledger_account_balance_monitor


async def alerts_of(client: LedgerdClient, monitor_id: str) -> list[Any]:
    response = await client.monitors.ListLedgerAccountBalanceMonitorAlerts(
        monitor_pb2.ListLedgerAccountBalanceMonitorAlertsRequest(ledger_account_balance_monitor_id=monitor_id)
    )
    return list(response.ledger_account_balance_monitor_alerts)


async def test_a_monitor_alerts_when_its_condition_flips_and_the_watcher_sees_it(client: LedgerdClient) -> None:
    cash, wallet = await book(client)
    await create_transaction(client, transfer(cash, wallet, 1_500, status=POSTED))
    monitor = await create_monitor(client, wallet, alert_condition=below(1_000), description="low", metadata={"k": "v"})
    assert (monitor.triggered, monitor.ledger_account_lock_version) == (False, 1)
    stream = watch(client, wallet)
    await take(stream, 1)

    await create_transaction(client, transfer(wallet, cash, 600, status=POSTED))  # 900: flips to triggered
    await create_transaction(client, transfer(wallet, cash, 100, status=POSTED))  # 800: still triggered
    await create_transaction(client, transfer(cash, wallet, 300, status=POSTED))  # 1100: resolved

    changes = await take(stream, 3)
    flips = [
        [(a.triggered, a.ledger_account_lock_version) for a in c.ledger_account_balance_monitor_alerts] for c in changes
    ]
    assert flips == [[(True, 2)], [], [(False, 4)]]
    alerts = await alerts_of(client, monitor.id)
    assert [(a.triggered, a.ledger_account_lock_version, a.balances.available_balance.amount) for a in alerts] == [
        (True, 2, 900),
        (False, 4, 1_100),
    ]
    current = (
        await client.monitors.GetLedgerAccountBalanceMonitor(
            monitor_pb2.GetLedgerAccountBalanceMonitorRequest(id=monitor.id)
        )
    ).ledger_account_balance_monitor
    assert (current.triggered, current.ledger_account_lock_version) == (False, 4)
    listed = await client.monitors.ListLedgerAccountBalanceMonitors(
        monitor_pb2.ListLedgerAccountBalanceMonitorsRequest(ledger_account_id=wallet, metadata={"k": "v"})
    )
    assert [m.id for m in listed.ledger_account_balance_monitors] == [monitor.id]
    stream.cancel()


async def test_monitors_flip_exactly_once_per_crossing_under_concurrent_holds(client: LedgerdClient) -> None:
    """Holds placed and released at once, coalesced into shared batches: the alerts alternate,
    and each one agrees with the balances at its version."""
    cash, wallet = await book(client)
    await create_transaction(client, transfer(cash, wallet, 1_000, status=POSTED))
    monitor = await create_monitor(client, wallet, alert_condition=below(500))

    async def hold_then_release(amount: int) -> None:
        placed = await client.holds.PlaceHold(
            hold_pb2.PlaceHoldRequest(
                ledger_account_id=wallet, counter_ledger_account_id=cash, amount=amount, currency="USD"
            )
        )
        if placed.decision == hold_pb2.HOLD_DECISION_APPROVED:
            await client.holds.ReleaseHold(hold_pb2.ReleaseHoldRequest(hold_id=placed.hold.id))

    await asyncio.gather(*(hold_then_release(100 + 50 * (i % 7)) for i in range(80)))

    alerts = await alerts_of(client, monitor.id)
    assert alerts  # 80 holds at once on 1000 go below 500 in the same batches
    assert [a.triggered for a in alerts] == [i % 2 == 0 for i in range(len(alerts))]
    for alert in alerts:
        assert (alert.balances.available_balance.amount < 500) is alert.triggered
    assert not alerts or not alerts[-1].triggered  # everything was released: available is 1000 again


async def test_monitor_refusals_and_replays(client: LedgerdClient, target: str, pool: Any) -> None:
    _, wallet = await book(client)
    first = await create_monitor(client, wallet, alert_condition=below(10), idempotency_key="m-1")
    again = await create_monitor(client, wallet, alert_condition=below(10), idempotency_key="m-1")
    assert first == again
    await refused(
        create_monitor(client, wallet, alert_condition=below(11), idempotency_key="m-1"),
        grpc.StatusCode.ALREADY_EXISTS,
        "IDEMPOTENCY_KEY_REUSED",
    )
    await refused(create_monitor(client, wallet), INVALID, "INVALID_ARGUMENT")
    await refused(create_monitor(client, "nope", alert_condition=below(1)), INVALID, "INVALID_ARGUMENT")
    unknown = "0190c6a0-0000-7000-8000-000000000000"
    await refused(create_monitor(client, unknown, alert_condition=below(1)), NOT_FOUND, "LEDGER_ACCOUNT_NOT_FOUND")
    for _ in range(limits.balance_monitors_per_account_max - 1):
        await create_monitor(client, wallet, alert_condition=below(1))
    await refused(
        create_monitor(client, wallet, alert_condition=below(1)),
        grpc.StatusCode.FAILED_PRECONDITION,
        "BALANCE_MONITORS_PER_ACCOUNT_EXCEEDED",
    )
    get = client.monitors.GetLedgerAccountBalanceMonitor
    await refused(
        get(monitor_pb2.GetLedgerAccountBalanceMonitorRequest(id=unknown)), NOT_FOUND, "BALANCE_MONITOR_NOT_FOUND"
    )
    await refused(alerts_of(client, unknown), NOT_FOUND, "BALANCE_MONITOR_NOT_FOUND")

    from ledgerd.server.core.api_keys import create_api_key

    _, key = await create_api_key(pool, "monitor-stranger")
    async with LedgerdClient(target, key) as stranger:
        await refused(
            stranger.monitors.GetLedgerAccountBalanceMonitor(
                monitor_pb2.GetLedgerAccountBalanceMonitorRequest(id=first.id)
            ),
            NOT_FOUND,
            "BALANCE_MONITOR_NOT_FOUND",
        )
        await refused(create_monitor(stranger, wallet, alert_condition=below(1)), NOT_FOUND, "LEDGER_ACCOUNT_NOT_FOUND")


async def test_a_watcher_on_one_server_sees_what_another_server_writes(
    client: LedgerdClient, api_key: str, database_url: str
) -> None:
    """Watching rests on the database (the versions table and its notifications), not on the
    memory of the server that wrote: writes through a second server, with its own pool, reach a
    watcher of the first, in order, with monitor alerts."""
    from ledgerd.server.app import start_server
    from ledgerd.server.store.pool import create_pool

    cash, wallet = await book(client)
    monitor = await create_monitor(client, wallet, alert_condition=below(0))
    other_pool = await create_pool(database_url, min_size=2, max_size=5)
    other_server = await start_server(other_pool, "127.0.0.1:0", background=False)
    try:
        stream = watch(client, wallet)
        await take(stream, 1)
        async with LedgerdClient(f"127.0.0.1:{other_server.port}", api_key) as other:
            await asyncio.gather(
                *(create_transaction(other, transfer(cash, wallet, 10 + i, status=POSTED)) for i in range(20))
            )
            await create_transaction(other, transfer(wallet, cash, 1_000, status=POSTED))  # below 0: triggered
        changes = await take(stream, 21)
        assert [version for version, _ in seen(changes)] == list(range(1, 22))
        assert seen(changes)[-1][1] == sum(10 + i for i in range(20)) - 1_000
        assert [
            (a.ledger_account_balance_monitor_id, a.triggered)
            for a in changes[-1].ledger_account_balance_monitor_alerts
        ] == [(monitor.id, True)]
        stream.cancel()
    finally:
        await other_server.stop(0)
        await other_pool.close()
