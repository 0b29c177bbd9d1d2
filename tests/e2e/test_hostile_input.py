"""Hostile input that once got INTERNAL or UNKNOWN, or an answer a client could not read: each is
refused with the right code and an ErrorInfo reason, and writes nothing (docs/api.md, "Limits" and
"Pagination").

- a google.protobuf.Value with no kind, a NaN, an infinity or a NUL in custom_data or a variable's
  query value (they reached PostgreSQL's JSON parser);
- a Struct nested past json_depth_max, and past protobuf's own decoder limit (UNKNOWN from gRPC);
- a page token of another list, organization or filters (int64 overflow in SQL);
- the ends of the Timestamp range, which the database driver turns into -infinity and infinity;
- an error of hundreds of field violations (a trailer past gRPC's 8 KiB metadata limit);
- a category list filtered by an unknown or another organization's parent category."""

from __future__ import annotations

import math
import uuid
from collections.abc import Awaitable
from typing import Any

import asyncpg
import grpc
import pytest
from google.protobuf import struct_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from ledgerd.client import LedgerdClient
from ledgerd.server.core.api_keys import create_api_key
from ledgerd.server.domain import limits
from ledgerd.v1 import balance_pb2, event_pb2, hold_pb2, ledger_pb2

from .category_helpers import create_category, nothing_written
from .event_helpers import TOP_UP_HANDLER, handler_request
from .ledger_helpers import DEBIT_NORMAL, POSTED, create_account, create_ledger, create_transaction, refused, transfer
from .world_helpers import World

INVALID = grpc.StatusCode.INVALID_ARGUMENT


async def invalid_fields(pool: asyncpg.Pool, call: Awaitable[Any]) -> set[str]:
    """The fields named by a call that must be INVALID_ARGUMENT and write nothing."""
    async with nothing_written(pool):
        details = await refused(call, INVALID, "INVALID_ARGUMENT")
    return {field for field, _ in details.field_violations}


def event(ledger_id: str, **custom_data: struct_pb2.Value) -> event_pb2.CreateLedgerableEventRequest:
    request = event_pb2.CreateLedgerableEventRequest(ledger_id=ledger_id, name="Top Up")
    for key, value in custom_data.items():
        request.custom_data.fields[key].CopyFrom(value)
    return request


def nested(depth: int) -> struct_pb2.Value:
    """A Value that is `depth` objects within one another."""
    value = struct_pb2.Value(string_value="bottom")
    for _ in range(depth):
        outer = struct_pb2.Value()
        outer.struct_value.fields["x"].CopyFrom(value)
        value = outer
    return value


# --- custom_data and query values ----------------------------------------------------------------


async def test_a_custom_data_value_with_no_kind_set_is_refused_naming_its_path(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    ledger = await create_ledger(client)
    request = event(ledger.id, amount=struct_pb2.Value(number_value=1500), user_id=struct_pb2.Value())
    assert await invalid_fields(pool, client.events.CreateLedgerableEvent(request)) == {"custom_data.user_id"}


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf], ids=["NaN", "Infinity", "-Infinity"])
async def test_a_number_json_cannot_hold_in_custom_data_is_refused_before_the_database(
    client: LedgerdClient, pool: asyncpg.Pool, number: float
) -> None:
    ledger = await create_ledger(client)
    inside_a_list = struct_pb2.Value()
    inside_a_list.list_value.values.add().number_value = number
    request = event(ledger.id, amount=struct_pb2.Value(number_value=number), amounts=inside_a_list)
    fields = await invalid_fields(pool, client.events.CreateLedgerableEvent(request))
    assert fields == {"custom_data.amount", "custom_data.amounts[0]"}


async def test_a_nul_character_in_custom_data_is_refused_before_the_database(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    ledger = await create_ledger(client)
    request = event(ledger.id, user_id=struct_pb2.Value(string_value="12\x0034"))
    assert await invalid_fields(pool, client.events.CreateLedgerableEvent(request)) == {"custom_data.user_id"}


async def test_custom_data_nested_past_json_depth_max_is_refused(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    ledger = await create_ledger(client)
    request = event(ledger.id, deep=nested(limits.json_depth_max))
    fields = await invalid_fields(pool, client.events.CreateLedgerableEvent(request))
    assert len(fields) == 1 and next(iter(fields)).startswith("custom_data.deep.x")


async def test_custom_data_nested_to_json_depth_max_is_taken_as_data(client: LedgerdClient, pool: asyncpg.Pool) -> None:
    ledger = await create_ledger(client)
    request = event(ledger.id, deep=nested(limits.json_depth_max - 1))
    async with nothing_written(pool):
        # Well formed: it goes on to find its handler, of which the ledger has none.
        await refused(
            client.events.CreateLedgerableEvent(request),
            grpc.StatusCode.FAILED_PRECONDITION,
            "NO_LEDGER_EVENT_HANDLER_MATCHED",
        )


@pytest.mark.parametrize("depth", [40, 200])
async def test_a_request_nested_past_the_protobuf_decoders_limit_is_invalid_argument_not_unknown(
    client: LedgerdClient, pool: asyncpg.Pool, depth: int
) -> None:
    ledger = await create_ledger(client)
    request = event(ledger.id, deep=nested(depth))
    assert await invalid_fields(pool, client.events.CreateLedgerableEvent(request)) == {"request"}


async def test_a_request_stream_message_the_decoder_refuses_ends_the_stream_with_invalid_argument(
    target: str, api_key: str, pool: asyncpg.Pool
) -> None:
    # A PlaceHoldRequest whose metadata value is not UTF-8: the bytes of a valid message, altered.
    valid = hold_pb2.PlaceHoldRequest(metadata={"k": "vv"}).SerializeToString()
    broken = valid.replace(b"vv", b"\xff\xfe")
    channel = grpc.aio.insecure_channel(target)
    call = channel.stream_stream(
        "/ledgerd.v1.HoldService/PlaceHolds", request_serializer=bytes, response_deserializer=bytes
    )(metadata=(("authorization", f"Bearer {api_key}"),))
    try:
        async with nothing_written(pool):
            await call.write(broken)
            await call.done_writing()
            await refused(call.read(), INVALID, "INVALID_ARGUMENT")
    finally:
        await channel.close()


@pytest.mark.parametrize(
    "value",
    [
        struct_pb2.Value(number_value=math.nan),
        struct_pb2.Value(number_value=math.inf),
        struct_pb2.Value(),
    ],
    ids=["NaN", "Infinity", "no kind"],
)
async def test_a_variable_query_value_json_cannot_hold_is_refused_naming_the_variable(
    client: LedgerdClient, pool: asyncpg.Pool, value: struct_pb2.Value
) -> None:
    ledger = await create_ledger(client)
    request = handler_request(ledger.id, TOP_UP_HANDLER)
    request.variables["wallet_account"].query.value.CopyFrom(value)
    fields = await invalid_fields(pool, client.events.CreateLedgerEventHandler(request))
    assert fields == {"variables[wallet_account].query.value"}


# --- page tokens ---------------------------------------------------------------------------------


@pytest.fixture
async def lists(client: LedgerdClient) -> World:
    return await World().open(client)


async def test_every_list_refuses_the_page_token_of_every_other_list(lists: World, pool: asyncpg.Pool) -> None:
    tokens = await lists.tokens()
    calls = lists.calls()
    for issuer, token in tokens.items():
        for name, call in calls.items():
            if name == issuer:
                assert (await call(page_size=1, page_token=token)).next_page_token is not None
                continue
            assert await invalid_fields(pool, call(page_token=token)) == {"page_token"}, (issuer, name)


async def test_a_page_token_sent_with_other_filters_is_refused(lists: World, pool: asyncpg.Pool) -> None:
    token = (await lists.calls()["ListLedgerAccounts"](page_size=1)).next_page_token
    other_filters = lists.client.ledgers.ListLedgerAccounts(
        ledger_pb2.ListLedgerAccountsRequest(ledger_id=lists.ledger, page_token=token)
    )
    assert await invalid_fields(pool, other_filters) == {"page_token"}
    # A page size of its own is no other filter (AIP-158).
    await lists.calls()["ListLedgerAccounts"](page_size=5, page_token=token)


async def test_a_page_token_of_another_organization_is_refused(lists: World, pool: asyncpg.Pool, target: str) -> None:
    tokens = await lists.tokens()
    _, key = await create_api_key(pool, f"stranger-{uuid.uuid4()}")
    async with LedgerdClient(target, key) as stranger:
        request = ledger_pb2.ListLedgersRequest(page_token=tokens["ListLedgers"])
        assert await invalid_fields(pool, stranger.ledgers.ListLedgers(request)) == {"page_token"}


# --- the ends of the Timestamp range -------------------------------------------------------------

FIRST_SECOND = -62_135_596_800  # 0001-01-01T00:00:00Z
LAST_SECOND = 253_402_300_799  # 9999-12-31T23:59:59Z


@pytest.mark.parametrize(
    "effective_at",
    [Timestamp(seconds=FIRST_SECOND), Timestamp(seconds=LAST_SECOND, nanos=999_999_999)],
    ids=["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z"],
)
async def test_a_transaction_effective_at_an_end_of_the_timestamp_range_is_refused(
    client: LedgerdClient, pool: asyncpg.Pool, effective_at: Timestamp
) -> None:
    ledger = await create_ledger(client)
    cash = (await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    request = transfer(cash, wallet, 5, effective_at=effective_at)
    assert await invalid_fields(pool, client.transactions.CreateLedgerTransaction(request)) == {"effective_at"}


async def test_a_statement_over_an_entry_at_the_first_microsecond_of_year_1_lists_it(client: LedgerdClient) -> None:
    ledger = await create_ledger(client)
    cash = (await create_account(client, ledger.id, "Cash", normal_balance=DEBIT_NORMAL)).id
    wallet = (await create_account(client, ledger.id, "Wallet")).id
    first = Timestamp(seconds=FIRST_SECOND, nanos=1_000)
    created = await create_transaction(client, transfer(cash, wallet, 5, status=POSTED, effective_at=first))
    statement = (
        await client.ledgers.GetLedgerAccountStatement(
            ledger_pb2.GetLedgerAccountStatementRequest(
                ledger_account_id=wallet,
                effective_at_lower_bound=first,
                effective_at_upper_bound=Timestamp(seconds=0),
            )
        )
    ).ledger_account_statement
    assert [e.ledger_transaction_id for e in statement.ledger_entries] == [created.id]
    assert statement.ledger_entries[0].effective_at == first
    assert statement.ending_balance.posted_balance.amount == 5


@pytest.mark.parametrize(
    "effective_at", ["0001-01-01T00:00:00+00:00", "0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59-01:00"]
)
async def test_a_handler_effective_at_outside_the_timestamp_range_is_refused(
    client: LedgerdClient, pool: asyncpg.Pool, effective_at: str
) -> None:
    ledger = await create_ledger(client)
    body = {**TOP_UP_HANDLER, "ledger_transaction_template": {**TOP_UP_HANDLER["ledger_transaction_template"]}}
    body["ledger_transaction_template"]["effective_at"] = effective_at
    request = handler_request(ledger.id, body)
    fields = await invalid_fields(pool, client.events.CreateLedgerEventHandler(request))
    assert fields == {"ledger_transaction_template.effective_at"}


# --- errors that fit -----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [limits.field_violations_max + 1, 300, limits.balance_accounts_max])
async def test_hundreds_of_bad_ids_list_field_violations_max_of_them_and_count_the_rest(
    client: LedgerdClient, pool: asyncpg.Pool, count: int
) -> None:
    request = balance_pb2.GetBalancesRequest(ledger_account_ids=[f"not-a-uuid-{n}" for n in range(count)])
    async with nothing_written(pool):
        # The client's default limit on the metadata it accepts (8 KiB) is what failed before.
        details = await refused(client.balances.GetBalances(request), INVALID, "INVALID_ARGUMENT")
    assert [field for field, _ in details.field_violations] == [
        f"ledger_account_ids[{n}]" for n in range(limits.field_violations_max)
    ]
    assert details.metadata == {"field_violations_left_out": str(count - limits.field_violations_max)}
    assert f"and {count - limits.field_violations_max} more" in details.message


async def test_field_violations_with_the_longest_paths_still_fit_in_the_trailers(
    client: LedgerdClient, pool: asyncpg.Pool
) -> None:
    ledger = await create_ledger(client)
    metadata = {f"{n:03}" + "é" * 97: "x" * (limits.metadata_value_length_max + 1) for n in range(200)}
    request = ledger_pb2.CreateLedgerAccountRequest(
        ledger_id=ledger.id, name="n" * 5000, currency="USD", normal_balance=DEBIT_NORMAL, metadata=metadata
    )
    async with nothing_written(pool):
        details = await refused(client.ledgers.CreateLedgerAccount(request), INVALID, "INVALID_ARGUMENT")
    assert 0 < len(details.field_violations) <= limits.field_violations_max
    assert "name" in {field for field, _ in details.field_violations}


# --- category lists and their parent ---------------------------------------------------------------


async def test_a_category_list_filtered_by_an_unknown_parent_category_is_not_found(
    client: LedgerdClient, pool: asyncpg.Pool, target: str
) -> None:
    ledger = await create_ledger(client)
    await create_category(client, ledger.id)
    _, key = await create_api_key(pool, f"stranger-{uuid.uuid4()}")
    async with LedgerdClient(target, key) as stranger:
        foreign = (await create_category(stranger, (await create_ledger(stranger)).id)).id
    for parent in (str(uuid.uuid4()), foreign):
        request = ledger_pb2.ListLedgerAccountCategoriesRequest(parent_ledger_account_category_id=parent)
        details = await refused(
            client.ledgers.ListLedgerAccountCategories(request),
            grpc.StatusCode.NOT_FOUND,
            "LEDGER_ACCOUNT_CATEGORY_NOT_FOUND",
        )
        assert details.metadata == {"ledger_account_category_id": parent}
