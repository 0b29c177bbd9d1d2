"""The ledger's history: partial posts, transaction versions, and entry queries by account version,
metadata and effective time; each against the real server, with the refusals writing nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from ledgerd.client import LedgerdClient
from ledgerd.v1 import hold_pb2, transaction_pb2

from .ledger_helpers import (
    CREDIT,
    DEBIT,
    DEBIT_NORMAL,
    PENDING,
    POSTED,
    amounts,
    create_account,
    create_ledger,
    create_transaction,
    entry,
    get_account,
    refused,
    run_ledgerd,
    transfer,
)

PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
INVALID = grpc.StatusCode.INVALID_ARGUMENT


async def book(client: LedgerdClient) -> tuple[str, str, str]:
    """A ledger with a cash account (debit-normal) and a wallet (credit-normal)."""
    ledger = await create_ledger(client)
    cash = (await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    return ledger.id, cash, wallet


def partial_post(transaction_id: str, debit: str, credit: str, amount: int, **fields: object) -> object:
    return transaction_pb2.PartialPostLedgerTransactionRequest(
        id=transaction_id,
        posted_ledger_entries=[entry(debit, DEBIT, amount), entry(credit, CREDIT, amount)],
        **fields,  # type: ignore[arg-type]
    )


async def test_a_partial_post_posts_part_and_leaves_the_rest_pending(client: LedgerdClient, database_url: str) -> None:
    _, cash, wallet = await book(client)
    pending = await create_transaction(client, transfer(cash, wallet, 1_000, status=PENDING, description="deposit"))

    posted = (
        await client.transactions.PartialPostLedgerTransaction(
            partial_post(pending.id, cash, wallet, 300, metadata={"batch": "1"})
        )
    ).ledger_transaction

    assert posted.status == POSTED and posted.partially_posts_ledger_transaction_id == pending.id
    assert posted.description == "deposit" and dict(posted.metadata) == {"batch": "1"}
    assert sorted((e.ledger_account_id, e.amount) for e in posted.ledger_entries) == sorted(
        [(cash, 300), (wallet, 300)]
    )
    rest = (
        await client.transactions.GetLedgerTransaction(transaction_pb2.GetLedgerTransactionRequest(id=pending.id))
    ).ledger_transaction
    assert rest.status == PENDING and {e.amount for e in rest.ledger_entries} == {700}
    # pending, posted, available of the credit-normal wallet: all 1000 counted pending, 300 posted.
    assert amounts(await get_account(client, wallet)) == (1_000, 300, 300)
    assert amounts(await get_account(client, cash)) == (1_000, 300, 300)

    # Posting the rest through UpdateLedgerTransaction completes it.
    await client.transactions.UpdateLedgerTransaction(
        transaction_pb2.UpdateLedgerTransactionRequest(id=pending.id, status=POSTED)
    )
    assert amounts(await get_account(client, wallet)) == (1_000, 1_000, 1_000)
    code, output = await run_ledgerd("verify", database_url=database_url)
    assert code == 0, output


async def test_a_partial_post_replays_by_idempotency_key(client: LedgerdClient) -> None:
    _, cash, wallet = await book(client)
    pending = await create_transaction(client, transfer(cash, wallet, 1_000, status=PENDING))
    request = partial_post(pending.id, cash, wallet, 100, idempotency_key="pp-1")
    first = await client.transactions.PartialPostLedgerTransaction(request)
    again = await client.transactions.PartialPostLedgerTransaction(request)
    assert first == again
    assert amounts(await get_account(client, wallet)) == (1_000, 100, 100)


async def test_partial_post_refusals_write_nothing(client: LedgerdClient) -> None:
    _, cash, wallet = await book(client)
    other = (await create_account(client, (await create_ledger(client)).id, "Elsewhere")).id
    pending = await create_transaction(client, transfer(cash, wallet, 1_000, status=PENDING))
    posted = await create_transaction(client, transfer(cash, wallet, 10, status=POSTED))
    before = [await get_account(client, a) for a in (cash, wallet)]
    post = client.transactions.PartialPostLedgerTransaction

    await refused(post(partial_post(pending.id, cash, wallet, 1_000)), PRECONDITION, "PARTIAL_POST_MISMATCH")
    await refused(post(partial_post(pending.id, wallet, cash, 10)), PRECONDITION, "PARTIAL_POST_MISMATCH")
    unbalanced = transaction_pb2.PartialPostLedgerTransactionRequest(
        id=pending.id, posted_ledger_entries=[entry(cash, DEBIT, 10), entry(wallet, CREDIT, 20)]
    )
    await refused(post(unbalanced), INVALID, "UNBALANCED_ENTRIES")
    three = transaction_pb2.PartialPostLedgerTransactionRequest(
        id=pending.id,
        posted_ledger_entries=[entry(cash, DEBIT, 10), entry(wallet, CREDIT, 5), entry(wallet, CREDIT, 5)],
    )
    await refused(post(three), PRECONDITION, "PARTIAL_POST_MISMATCH")
    await refused(post(partial_post(posted.id, cash, wallet, 5)), PRECONDITION, "INVALID_STATUS_TRANSITION")
    await refused(post(partial_post(pending.id, cash, other, 5)), PRECONDITION, "LEDGER_MISMATCH")
    unknown = "0190c6a0-0000-7000-8000-000000000000"
    await refused(
        post(partial_post(unknown, cash, wallet, 5)), grpc.StatusCode.NOT_FOUND, "LEDGER_TRANSACTION_NOT_FOUND"
    )
    await refused(post(partial_post("nope", cash, wallet, 0)), INVALID, "INVALID_ARGUMENT")
    guarded = transaction_pb2.PartialPostLedgerTransactionRequest(
        id=pending.id, posted_ledger_entries=[entry(cash, DEBIT, 10, lock_version=99), entry(wallet, CREDIT, 10)]
    )
    await refused(post(guarded), grpc.StatusCode.ABORTED, "LOCK_VERSION_MISMATCH")

    assert [await get_account(client, a) for a in (cash, wallet)] == before


async def test_a_transaction_backing_a_pending_hold_is_partially_posted_only_through_capture(
    client: LedgerdClient,
) -> None:
    _, cash, wallet = await book(client)
    await create_transaction(client, transfer(cash, wallet, 1_000, status=POSTED))
    hold = (
        await client.holds.PlaceHold(
            hold_pb2.PlaceHoldRequest(
                ledger_account_id=wallet, counter_ledger_account_id=cash, amount=100, currency="USD"
            )
        )
    ).hold
    await refused(
        client.transactions.PartialPostLedgerTransaction(partial_post(hold.ledger_transaction_id, wallet, cash, 50)),
        PRECONDITION,
        "LEDGER_TRANSACTION_HELD",
    )


async def versions(client: LedgerdClient, transaction_id: str, **fields: object) -> list[object]:
    response = await client.transactions.ListLedgerTransactionVersions(
        transaction_pb2.ListLedgerTransactionVersionsRequest(ledger_transaction_id=transaction_id, **fields)  # type: ignore[arg-type]
    )
    return list(response.ledger_transaction_versions)


async def test_every_change_of_a_pending_transaction_writes_a_version(client: LedgerdClient) -> None:
    _, cash, wallet = await book(client)
    created = await create_transaction(client, transfer(cash, wallet, 100, status=PENDING, description="v0"))
    update = client.transactions.UpdateLedgerTransaction
    await update(transaction_pb2.UpdateLedgerTransactionRequest(id=created.id, description="v1"))
    await update(
        transaction_pb2.UpdateLedgerTransactionRequest(
            id=created.id, ledger_entries=[entry(cash, DEBIT, 250), entry(wallet, CREDIT, 250)]
        )
    )
    await client.transactions.PartialPostLedgerTransaction(partial_post(created.id, cash, wallet, 50))
    await update(transaction_pb2.UpdateLedgerTransactionRequest(id=created.id, status=POSTED))

    listed = await versions(client, created.id)
    assert [v.version for v in listed] == [0, 1, 2, 3, 4]  # type: ignore[attr-defined]
    states = [v.ledger_transaction for v in listed]  # type: ignore[attr-defined]
    assert [t.description for t in states] == ["v0", "v1", "v1", "v1", "v1"]
    assert [t.status for t in states] == [PENDING, PENDING, PENDING, PENDING, POSTED]
    assert [sorted(e.amount for e in t.ledger_entries) for t in states] == [
        [100, 100],
        [100, 100],
        [250, 250],
        [200, 200],
        [200, 200],
    ]
    # Each version's entries carry the balances right after they were applied.
    first_wallet_entry = next(e for e in states[0].ledger_entries if e.ledger_account_id == wallet)
    assert first_wallet_entry.ledger_account_lock_version == 1
    assert first_wallet_entry.resulting_ledger_account_balances.pending_balance.amount == 100

    # Paging and bounds.
    page = await client.transactions.ListLedgerTransactionVersions(
        transaction_pb2.ListLedgerTransactionVersionsRequest(ledger_transaction_id=created.id, page_size=2)
    )
    assert [v.version for v in page.ledger_transaction_versions] == [0, 1] and page.next_page_token
    rest = await versions(client, created.id, page_token=page.next_page_token)
    assert [v.version for v in rest] == [2, 3, 4]  # type: ignore[attr-defined]
    bounded = await versions(client, created.id, version_lower_bound=1, version_upper_bound=3)
    assert [v.version for v in bounded] == [1, 2]  # type: ignore[attr-defined]

    await refused(
        versions(client, "0190c6a0-0000-7000-8000-000000000000"),
        grpc.StatusCode.NOT_FOUND,
        "LEDGER_TRANSACTION_NOT_FOUND",
    )
    await refused(versions(client, created.id, version_lower_bound=-1), INVALID, "INVALID_ARGUMENT")


async def test_another_organizations_versions_are_not_found(client: LedgerdClient, target: str, pool: object) -> None:
    _, cash, wallet = await book(client)
    created = await create_transaction(client, transfer(cash, wallet, 100))
    from ledgerd.server.core.api_keys import create_api_key

    _, key = await create_api_key(pool, "history-stranger")  # type: ignore[arg-type]
    async with LedgerdClient(target, key) as stranger:
        await refused(versions(stranger, created.id), grpc.StatusCode.NOT_FOUND, "LEDGER_TRANSACTION_NOT_FOUND")


def at(year: int, month: int, day: int) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime(year, month, day, tzinfo=UTC))
    return stamp


async def entries(client: LedgerdClient, **filters: object) -> list[object]:
    response = await client.transactions.ListLedgerEntries(
        transaction_pb2.ListLedgerEntriesRequest(page_size=1000, **filters)  # type: ignore[arg-type]
    )
    return list(response.ledger_entries)


async def test_entry_history_shows_each_entrys_resulting_balances_and_filters_by_version_metadata_and_time(
    client: LedgerdClient,
) -> None:
    _, cash, wallet = await book(client)
    for index, (amount, day) in enumerate([(100, 1), (200, 2), (300, 3), (400, 4)]):
        request = transaction_pb2.CreateLedgerTransactionRequest(
            status=POSTED,
            effective_at=at(2026, 1, day),
            ledger_entries=[
                entry(cash, DEBIT, amount),
                entry(
                    wallet, CREDIT, amount, metadata={"n": str(index), "parity": "even" if index % 2 == 0 else "odd"}
                ),
            ],
        )
        await create_transaction(client, request)

    history = await entries(client, ledger_account_id=wallet)
    assert [e.ledger_account_lock_version for e in history] == [1, 2, 3, 4]  # type: ignore[attr-defined]
    assert [e.resulting_ledger_account_balances.posted_balance.amount for e in history] == [100, 300, 600, 1_000]  # type: ignore[attr-defined]

    in_range = await entries(
        client,
        ledger_account_id=wallet,
        ledger_account_lock_version_lower_bound=2,
        ledger_account_lock_version_upper_bound=4,
    )
    assert [e.amount for e in in_range] == [200, 300]  # type: ignore[attr-defined]
    # The entries present on the account at version 2.
    as_of_2 = await entries(client, ledger_account_id=wallet, ledger_account_lock_version_upper_bound=3)
    assert [e.amount for e in as_of_2] == [100, 200]  # type: ignore[attr-defined]

    even = await entries(client, ledger_account_id=wallet, metadata={"parity": "even"})
    assert [e.amount for e in even] == [100, 300]  # type: ignore[attr-defined]
    assert [e.amount for e in await entries(client, metadata={"parity": "odd", "n": "3"})] == [400]  # type: ignore[attr-defined]

    dated = await entries(
        client,
        ledger_account_id=wallet,
        effective_at_lower_bound=at(2026, 1, 2),
        effective_at_upper_bound=at(2026, 1, 4),
    )
    assert [e.amount for e in dated] == [200, 300]  # type: ignore[attr-defined]
    credits = await entries(client, ledger_account_id=cash, direction=CREDIT)
    assert credits == []

    await refused(entries(client, ledger_account_lock_version_lower_bound=1), INVALID, "INVALID_ARGUMENT")
    await refused(
        entries(client, ledger_account_id=wallet, ledger_account_lock_version_upper_bound=-2),
        INVALID,
        "INVALID_ARGUMENT",
    )
    await refused(entries(client, metadata={"": "x"}), INVALID, "INVALID_ARGUMENT")


async def test_holds_are_listed_by_metadata(client: LedgerdClient) -> None:
    _, cash, wallet = await book(client)
    await create_transaction(client, transfer(cash, wallet, 1_000, status=POSTED))
    placed = []
    for merchant in ("cafe", "books", "cafe"):
        request = hold_pb2.PlaceHoldRequest(
            ledger_account_id=wallet,
            counter_ledger_account_id=cash,
            amount=10,
            currency="USD",
            metadata={"merchant": merchant},
        )
        placed.append((await client.holds.PlaceHold(request)).hold.id)
    await client.holds.PlaceHold(
        hold_pb2.PlaceHoldRequest(ledger_account_id=wallet, counter_ledger_account_id=cash, amount=10, currency="USD")
    )

    async def listed(**metadata: str) -> list[str]:
        response = await client.holds.ListHolds(hold_pb2.ListHoldsRequest(ledger_account_id=wallet, metadata=metadata))
        return [h.id for h in response.holds]

    assert await listed(merchant="cafe") == [placed[0], placed[2]]
    assert await listed(merchant="books") == [placed[1]]
    assert await listed(merchant="none") == []
    assert len(await listed()) == 4
    await refused(listed(**{"": "x"}), INVALID, "INVALID_ARGUMENT")
