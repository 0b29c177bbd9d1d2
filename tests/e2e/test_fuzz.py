"""Hostile input generated from the proto descriptors: thousands of random and malformed requests
to every RPC of every ledgerd service — empty ones, garbage and other organizations' ids, huge
strings, maps and repeated fields, extreme numbers and timestamps, NaN, unknown enum values, bad and
borrowed page tokens, Structs nested past every limit, bytes that are no message at all. Whatever
comes, the answer is never INTERNAL or UNKNOWN, every error carries an ErrorInfo of domain
"ledgerd.v1" (and so does every refused item of a batch or stream), and a refused request changes
no row of any table (a count and a digest of every table, before and after).

Requests are drawn by hypothesis with a fixed seed, one per example, in a worker thread with a
blocking channel while the session's event loop serves (as in test_invariants_property.py). The
server is one of its own, on a database of its own, without the background rounds (the expirer and
the sweeper would change rows on their own)."""

from __future__ import annotations

import asyncio
import math
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import asyncpg
import grpc
from google.protobuf import descriptor, message_factory, struct_pb2, timestamp_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from ledgerd.client import LedgerdClient
from ledgerd.server.app import RunningServer
from ledgerd.server.core.api_keys import create_api_key
from ledgerd.server.domain import limits
from ledgerd.v1 import balance_pb2, event_pb2, hold_pb2, ledger_pb2, monitor_pb2, transaction_pb2

from .world_helpers import World

# Requests sent in all, spread evenly over the RPCs (about 70 each); the seed makes a run repeatable.
FUZZ_REQUESTS = 5000
FUZZ_SEED = 20261202
# Nested messages are generated this deep; Structs go deeper on purpose (NESTINGS).
MESSAGE_DEPTH_MAX = 3
# A stream that is accepted (WatchBalances with a valid account, WatchLedgerTransactions of a valid
# ledger) is read until this deadline: the DEADLINE_EXCEEDED that ends it is the client's own, not
# an answer of the server.
STREAM_DEADLINE_SECONDS = 0.3
CALL_DEADLINE_SECONDS = 30.0
BAD_CODES = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}
BAD_ITEM_CODES = {code_pb2.INTERNAL, code_pb2.UNKNOWN}

MODULES = (ledger_pb2, transaction_pb2, balance_pb2, hold_pb2, monitor_pb2, event_pb2)
METHODS: list[descriptor.MethodDescriptor] = [
    method
    for module in MODULES
    for service in module.DESCRIPTOR.services_by_name.values()
    for method in service.methods
]


def message_class(message_descriptor: descriptor.Descriptor) -> type[Message]:
    return message_factory.GetMessageClass(message_descriptor)


# --- what the strings, numbers and times are drawn from ------------------------------------------

GARBAGE_IDS = [
    "",
    "not-a-uuid",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "0190A1B2-C3D4-7E5F-8A6B-7C8D9E0F1A2B",
    "{0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b}",
    "0190a1b2c3d47e5f8a6b7c8d9e0f1a2b",
    " 0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b",
    "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b\n",
    "\x00",
]
WORDS = [
    "",
    " ",
    "a",
    "USD",
    "usd",
    "JPY",
    "X" * 17,
    "x" * (limits.name_length_max + 1),
    "x" * (limits.description_length_max + 1),
    "x" * (limits.external_id_length_max + 1),
    "é" * (limits.idempotency_key_length_max + 1),
    "\x00",
    "a\x00b",
    "🙂" * 50,
    "{{",
    "}}",
    "{{ledgerable_event.name}}",
    "{{ledgerable_event.custom_data.amount}}",
    "{{variables.nope.id}}",
    "ledgerable_event.name",
    "ledgerable_event.custom_data.amount",
    "ledgerable_event.metadata.key",
    "equals",
    "contains",
    "metadata",
    "id",
    "name",
    "ledger_account",
    "credit",
    "debit",
    "pending",
    "posted",
    "archived",
    "2026-01-01T00:00:00Z",
    "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59-01:00",
    "1500",
    "0",
    "-1",
    "9223372036854775807",
    "9223372036854775808",
    "1e400",
    "NaN",
    "Top Up",
]
INT32 = [0, 1, -1, 2, 25, limits.page_size_max, limits.page_size_max + 1, 2**31 - 1, -(2**31)]
INT64 = [0, 1, -1, 2, 100, 2**31, 2**53 + 1, 2**63 - 1, -(2**63), limits.hold_timeout_seconds_max + 1]
SECONDS = [0, -1, -62_135_596_800, -62_135_596_801, 253_402_300_799, 253_402_300_800, 2**63 - 1, -(2**63)]
NANOS = [0, -1, 999_999_999, 1_000_000_000, 2**31 - 1, -(2**31)]
FLOATS = [0.0, -0.0, 1.5, 1e308, -1e308, 5e-324, math.nan, math.inf, -math.inf]
# Big repeats of one drawn element: past entries_per_transaction_max, transactions_per_batch_max and
# balance_accounts_max; drawn rarely.
REPEATS = [limits.transactions_per_batch_max + 1, limits.entries_per_transaction_max + 1]
# Big repeats stay far below gRPC's own 64 MiB limit on a request (docs/api.md, "Limits"), which it
# enforces before ledgerd sees the request (RESOURCE_EXHAUSTED without ErrorInfo).
REPEATED_BYTES_MAX = 4 * 1024 * 1024
UNKNOWN_ENUM_NUMBERS = [-1, 99, 2**31 - 1]
NESTINGS = [limits.json_depth_max, limits.json_depth_max + 1, 40, 120]


@dataclass
class Pools:
    """Ids and tokens the requests are drawn from: the caller's own, another organization's, garbage."""

    own_ids: dict[str, list[str]]
    foreign_ids: list[str]
    page_tokens: list[str]
    # Plausible requests (the caller's own ids, valid enums, small numbers, times near now) get past
    # validation, to reach the use cases and the database; hostile ones are what the rest is about.
    plausible: bool = False
    strategies: dict[str, st.SearchStrategy[Any]] = field(default_factory=dict)

    def ids_for(self, name: str) -> st.SearchStrategy[str]:
        kind = name.removesuffix("_ids").removesuffix("_id").removeprefix("counter_").removeprefix("parent_")
        kind = kind.removeprefix("nested_").removeprefix("reverses_")
        mine = [i for k, ids in self.own_ids.items() for i in ids if k == kind or kind == ""]
        every_own = [i for ids in self.own_ids.values() for i in ids]
        if self.plausible:
            return st.sampled_from(mine or every_own)
        return st.one_of(
            st.sampled_from(mine or every_own),
            st.sampled_from(mine or every_own),
            st.sampled_from(every_own),
            st.sampled_from(self.foreign_ids),
            st.sampled_from(GARBAGE_IDS),
            st.uuids().map(str),
            HUGE_TEXT,
        )


# Huge strings are built when drawn: as literals they would be copied into every strategy's repr.
HUGE_TEXT = st.sampled_from([5_000, 70_000]).map(lambda n: "x" * n)
TEXT = st.one_of(st.sampled_from(WORDS), st.sampled_from(WORDS), st.text(max_size=20), HUGE_TEXT)
KEYS = st.one_of(st.sampled_from(["amount", "user_id", "type", "", "k" * 101, "a\x00", "é"]), st.text(max_size=8))


PLAUSIBLE_WORDS = ["", "a", "Top Up", "USD", "credit", "debit", "pending", "posted", "archived", "1500", "equals"]
PLAUSIBLE_WORDS += ["contains", "metadata", "id", "name", "ledger_account", "ledgerable_event.name"]
PLAUSIBLE_WORDS += ["{{ledgerable_event.custom_data.amount}}", "2026-01-01T00:00:00Z", "user_id", "type"]
NOW_SECONDS = 1_790_000_000


def plausible_values() -> st.SearchStrategy[struct_pb2.Value]:
    leaves = st.one_of(
        st.sampled_from(PLAUSIBLE_WORDS).map(lambda w: struct_pb2.Value(string_value=w)),
        st.integers(-5, 2000).map(lambda n: struct_pb2.Value(number_value=n)),
        st.booleans().map(lambda b: struct_pb2.Value(bool_value=b)),
    )
    return st.recursive(
        leaves,
        lambda children: st.dictionaries(st.sampled_from(PLAUSIBLE_WORDS), children, max_size=2).map(_struct_value),
        max_leaves=4,
    )


def timestamps() -> st.SearchStrategy[timestamp_pb2.Timestamp]:
    seconds = st.one_of(st.sampled_from(SECONDS), st.integers(-62_135_596_800, 253_402_300_799))
    nanos = st.one_of(st.sampled_from(NANOS), st.integers(0, 999_999_999))
    return st.builds(lambda s, n: timestamp_pb2.Timestamp(seconds=s, nanos=n), seconds, nanos)


def nested(depth: int) -> struct_pb2.Value:
    value = struct_pb2.Value(number_value=1)
    for level in range(depth):
        outer = struct_pb2.Value()
        if level % 2:
            outer.list_value.values.add().CopyFrom(value)
        else:
            outer.struct_value.fields["x"].CopyFrom(value)
        value = outer
    return value


def _list_value(items: list[struct_pb2.Value]) -> struct_pb2.Value:
    value = struct_pb2.Value()
    value.list_value.values.extend(items)
    return value


def _struct_value(items: dict[str, struct_pb2.Value]) -> struct_pb2.Value:
    value = struct_pb2.Value()
    for key, item in items.items():
        value.struct_value.fields[key].CopyFrom(item)
    return value


def values() -> st.SearchStrategy[struct_pb2.Value]:
    leaves = st.one_of(
        st.just(struct_pb2.Value()),  # no kind set
        st.sampled_from(FLOATS).map(lambda n: struct_pb2.Value(number_value=n)),
        TEXT.map(lambda s: struct_pb2.Value(string_value=s)),
        st.booleans().map(lambda b: struct_pb2.Value(bool_value=b)),
        st.just(struct_pb2.Value(null_value=struct_pb2.NULL_VALUE)),
    )
    trees = st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=3).map(_list_value),
            st.dictionaries(KEYS, children, max_size=3).map(_struct_value),
        ),
        max_leaves=8,
    )
    return st.one_of(trees, trees, trees, st.sampled_from(NESTINGS).map(nested))


def structs() -> st.SearchStrategy[struct_pb2.Struct]:
    def struct_of(value: struct_pb2.Value) -> struct_pb2.Struct:
        struct = struct_pb2.Struct()
        struct.fields["amount"].CopyFrom(value)
        return struct

    many = st.integers(limits.custom_data_values_max, limits.custom_data_values_max + 5).map(
        lambda n: struct_pb2.Struct(fields={f"k{i}": struct_pb2.Value(number_value=i) for i in range(n)})
    )
    return st.one_of(values().map(struct_of), values().map(struct_of), many)


# --- messages, field by field, from their descriptors ---------------------------------------------


def field_strategy(pools: Pools, f: descriptor.FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    if f.message_type is not None and f.message_type.GetOptions().map_entry:
        key_field, value_field = f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]
        item = single_strategy(pools, value_field, depth)
        if pools.plausible:
            return st.dictionaries(st.sampled_from(["user_id", "type", "amount", "wallet_account"]), item, max_size=2)
        keys = (
            KEYS
            if key_field.type == descriptor.FieldDescriptor.TYPE_STRING
            else single_strategy(pools, key_field, depth)
        )
        return st.one_of(
            st.dictionaries(keys, item, max_size=3),
            st.dictionaries(keys, item, max_size=3),
            item.map(lambda v: {f"key{i}": v for i in range(limits.metadata_keys_max + 1)}),
        )
    if f.is_repeated:
        item = single_strategy(pools, f, depth)
        if pools.plausible:
            return st.lists(item, max_size=3)
        return st.one_of(
            st.lists(item, max_size=3),
            st.lists(item, max_size=3),
            st.lists(item, max_size=3),
            st.tuples(item, st.sampled_from(REPEATS))
            .filter(lambda pair: bytes_of(pair[0]) * pair[1] <= REPEATED_BYTES_MAX)
            .map(lambda pair: [pair[0]] * pair[1]),
        )
    return single_strategy(pools, f, depth)


def bytes_of(value: Any) -> int:
    if isinstance(value, Message):
        return value.ByteSize()
    return len(value.encode()) if isinstance(value, str) else 16


def single_strategy(pools: Pools, f: descriptor.FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    kind = descriptor.FieldDescriptor
    if f.type == kind.TYPE_MESSAGE:
        return message_strategy(pools, f.message_type, depth + 1)
    if pools.plausible:
        return plausible_single(pools, f)
    if f.type == kind.TYPE_STRING:
        if f.name == "page_token":
            return st.one_of(st.sampled_from(pools.page_tokens), TEXT)
        if f.name == "id" or f.name.endswith(("_id", "_ids")):
            return pools.ids_for(f.name)
        return TEXT
    if f.type == kind.TYPE_BYTES:
        return st.binary(max_size=40)
    if f.type == kind.TYPE_BOOL:
        return st.booleans()
    if f.type == kind.TYPE_ENUM:
        return st.one_of(st.sampled_from([v.number for v in f.enum_type.values]), st.sampled_from(UNKNOWN_ENUM_NUMBERS))
    if f.type in (kind.TYPE_DOUBLE, kind.TYPE_FLOAT):
        return st.sampled_from(FLOATS)
    if f.type in (kind.TYPE_INT32, kind.TYPE_SINT32, kind.TYPE_SFIXED32):
        return st.one_of(st.sampled_from(INT32), st.integers(-(2**31), 2**31 - 1))
    if f.type in (kind.TYPE_UINT32, kind.TYPE_FIXED32):
        return st.one_of(st.sampled_from([0, 1, 2**32 - 1]), st.integers(0, 2**32 - 1))
    if f.type in (kind.TYPE_UINT64, kind.TYPE_FIXED64):
        return st.one_of(st.sampled_from([0, 1, 2**64 - 1]), st.integers(0, 2**64 - 1))
    return st.one_of(st.sampled_from(INT64), st.integers(-(2**63), 2**63 - 1))


def plausible_single(pools: Pools, f: descriptor.FieldDescriptor) -> st.SearchStrategy[Any]:
    kind = descriptor.FieldDescriptor
    if f.type == kind.TYPE_STRING:
        if f.name == "page_token":
            return st.sampled_from(["", *pools.page_tokens])
        if f.name == "id" or f.name.endswith(("_id", "_ids")):
            return pools.ids_for(f.name)
        return st.just("USD") if f.name == "currency" else st.sampled_from(PLAUSIBLE_WORDS)
    if f.type == kind.TYPE_ENUM:
        return st.sampled_from([v.number for v in f.enum_type.values])
    if f.type == kind.TYPE_BOOL:
        return st.booleans()
    if f.type in (kind.TYPE_DOUBLE, kind.TYPE_FLOAT):
        return st.sampled_from([0.0, 1.5])
    if f.type == kind.TYPE_BYTES:
        return st.just(b"")
    return st.integers(0, 1500)


def message_strategy(pools: Pools, message_descriptor: descriptor.Descriptor, depth: int) -> st.SearchStrategy[Any]:
    name = message_descriptor.full_name
    if pools.plausible and name == "google.protobuf.Timestamp":
        return st.integers(-3600, 3600).map(lambda d: timestamp_pb2.Timestamp(seconds=NOW_SECONDS + d))
    if pools.plausible and name == "google.protobuf.Value":
        return plausible_values()
    if pools.plausible and name == "google.protobuf.Struct":
        return plausible_values().map(lambda v: v.struct_value)
    if name == "google.protobuf.Timestamp":
        return timestamps()
    if name == "google.protobuf.Struct":
        return structs()
    if name == "google.protobuf.Value":
        return values()
    cls = message_class(message_descriptor)
    if depth > MESSAGE_DEPTH_MAX:
        return st.just(cls())
    key = f"{name}@{depth}{'+' if pools.plausible else ''}"
    if key not in pools.strategies:
        fields = {f.name: field_strategy(pools, f, depth) for f in message_descriptor.fields}
        pools.strategies[key] = st.fixed_dictionaries({}, optional=fields).map(lambda drawn: build(cls, drawn))
    return pools.strategies[key]


def build(cls: type[Message], drawn: dict[str, Any]) -> Message:
    message = cls()
    for name, value in drawn.items():
        f = message.DESCRIPTOR.fields_by_name[name]
        target = getattr(message, name)
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            for key, item in value.items():
                if isinstance(item, Message):
                    target[key].CopyFrom(item)
                else:
                    target[key] = item
        elif f.is_repeated:
            target.extend(value)
        elif isinstance(value, Message):
            target.CopyFrom(value)
        else:
            setattr(message, name, value)
    return message


def requests(pools: Pools) -> st.SearchStrategy[tuple[descriptor.MethodDescriptor, list[bytes]]]:
    """(method, the request messages sent, serialized): one for a unary request, 1..3 for a stream."""
    plausible = replace(pools, plausible=True, strategies={})

    def for_method(method: descriptor.MethodDescriptor) -> st.SearchStrategy[tuple[Any, list[bytes]]]:
        one = st.one_of(
            message_strategy(pools, method.input_type, 0).map(lambda m: m.SerializeToString()),
            message_strategy(pools, method.input_type, 0).map(lambda m: m.SerializeToString()),
            message_strategy(plausible, method.input_type, 0).map(lambda m: m.SerializeToString()),
            message_strategy(plausible, method.input_type, 0).map(lambda m: m.SerializeToString()),
            st.binary(min_size=1, max_size=48),  # no message at all, most likely
        )
        count = st.integers(1, 3) if method.client_streaming else st.just(1)
        return count.flatmap(lambda n: st.lists(one, min_size=n, max_size=n)).map(lambda sent: (method, sent))

    return st.sampled_from(METHODS).flatmap(for_method)


# --- the server, the calls and what they change --------------------------------------------------


# Bookkeeping of the watch feed, not data: a WatchBalances stream adds its connection's row while it
# runs and removes it when it ends, whatever it was answered (migration 0006).
NOT_DATA = ("ledgerd_balance_listeners",)
# Columns that are bookkeeping too: an API key's "last used", which every authenticated call moves,
# refused or not (written off the request path, core/api_keys.py).
NOT_DATA_COLUMNS = {"api_keys": ("last_used_at",)}


async def table_digests(pool: asyncpg.Pool) -> dict[str, tuple[int, str]]:
    """(rows, md5 of the rows in order) of every table: any change to any row shows."""
    async with pool.acquire() as connection:
        tables = [
            r["tablename"]
            for r in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            if r["tablename"] not in NOT_DATA
        ]
        query = " UNION ALL ".join(
            f"""SELECT '{table}' AS name, count(*) AS n,
                       md5(coalesce(string_agg({_row(table)}, '|' ORDER BY {_row(table)}), '')) AS digest
                FROM "{table}" t"""
            for table in tables
        )
        return {r["name"]: (r["n"], r["digest"]) for r in await connection.fetch(query)}


def _row(table: str) -> str:
    """The row of `table` (alias t) as text, without its bookkeeping columns."""
    left_out = NOT_DATA_COLUMNS.get(table, ())
    return "(to_jsonb(t) - " + "'{" + ",".join(left_out) + "}'::text[])::text" if left_out else "t::text"


def item_errors(message: Message) -> Iterator[Message]:
    """Every ledgerd.v1.ItemError inside a response (a refused item of a batch or stream)."""
    if message.DESCRIPTOR.full_name == "ledgerd.v1.ItemError":
        yield message
        return
    for f, value in message.ListFields():
        if f.message_type is None or f.message_type.GetOptions().map_entry:
            continue
        for item in value if f.is_repeated else [value]:
            yield from item_errors(item)


def error_info_of(error: grpc.RpcError) -> error_details_pb2.ErrorInfo | None:
    for key, value in error.trailing_metadata() or ():  # type: ignore[attr-defined]
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info) and info.domain == "ledgerd.v1":
                    return info
    return None


@dataclass
class Outcome:
    code: str
    problems: list[str]


def call(channel: grpc.Channel, metadata: Any, method: descriptor.MethodDescriptor, sent: list[bytes]) -> Outcome:
    path = f"/{method.containing_service.full_name}/{method.name}"
    response_type = message_class(method.output_type)
    problems: list[str] = []
    responses: list[Message] = []
    try:
        if method.client_streaming:
            stream = channel.stream_stream(
                path, request_serializer=bytes, response_deserializer=response_type.FromString
            )
            responses = list(stream(iter(sent), metadata=metadata, timeout=CALL_DEADLINE_SECONDS))
        elif method.server_streaming:
            reading = channel.unary_stream(
                path, request_serializer=bytes, response_deserializer=response_type.FromString
            )
            try:
                for response in reading(sent[0], metadata=metadata, timeout=STREAM_DEADLINE_SECONDS):
                    responses.append(response)
            except grpc.RpcError as error:
                # The client's own deadline ends a watch, answered or not yet (WatchLedgerTransactions
                # of a quiet ledger sends nothing until a change).
                if error.code() is not grpc.StatusCode.DEADLINE_EXCEEDED:  # type: ignore[attr-defined]
                    raise
        else:
            unary = channel.unary_unary(path, request_serializer=bytes, response_deserializer=response_type.FromString)
            responses = [unary(sent[0], metadata=metadata, timeout=CALL_DEADLINE_SECONDS)]
        code = "OK"
    except grpc.RpcError as error:
        status_code: grpc.StatusCode = error.code()  # type: ignore[attr-defined]
        code = status_code.name
        if status_code in BAD_CODES:
            problems.append(f"{status_code.name}: {error.details()}")  # type: ignore[attr-defined]
        if error_info_of(error) is None:
            problems.append(f"{status_code.name} without ErrorInfo: {error.details()}")  # type: ignore[attr-defined]
    for response in responses:
        for item in item_errors(response):
            if item.code in BAD_ITEM_CODES or not item.reason:  # type: ignore[attr-defined]
                problems.append(f"item error {item}")
    return Outcome(code, problems)


def fuzz(target: str, key: str, pools: Pools, digests: Callable[[], dict[str, tuple[int, str]]]) -> Counter[str]:
    metadata = (("authorization", f"Bearer {key}"),)
    codes: Counter[str] = Counter()
    failures: list[str] = []
    with grpc.insecure_channel(
        target, options=[("grpc.max_receive_message_length", -1), ("grpc.max_metadata_size", 8 * 1024)]
    ) as channel:
        last = digests()

        @seed(FUZZ_SEED)
        @settings(
            max_examples=FUZZ_REQUESTS,
            database=None,
            deadline=None,
            phases=(Phase.generate,),
            suppress_health_check=list(HealthCheck),
        )
        @given(requests(pools))
        def one_request(drawn: tuple[descriptor.MethodDescriptor, list[bytes]]) -> None:
            nonlocal last
            method, sent = drawn
            outcome = call(channel, metadata, method, sent)
            codes[f"{method.name} {outcome.code}"] += 1
            now = digests()
            if outcome.code != "OK":
                changed = sorted(table for table in now if now[table] != last.get(table))
                if changed:
                    outcome.problems.append(f"refused ({outcome.code}) but changed {changed}")
            last = now
            for problem in outcome.problems:
                failures.append(f"{method.name} {[m[:300] for m in sent]!r}: {problem[:500]}")

        one_request()
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures[:40])
    return codes


async def test_thousands_of_generated_hostile_requests_never_get_internal_and_refusals_write_nothing(
    own_server: tuple[RunningServer, asyncpg.Pool],
) -> None:
    server, pool = own_server
    target = f"127.0.0.1:{server.port}"
    _, key = await create_api_key(pool, f"fuzzed-{uuid.uuid4()}")
    _, foreign_key = await create_api_key(pool, f"foreign-{uuid.uuid4()}")
    async with LedgerdClient(target, key) as client, LedgerdClient(target, foreign_key) as foreign_client:
        world = await World().open(client)
        foreign = await World().open(foreign_client)
        tokens = list((await world.tokens()).values()) + list((await foreign.tokens()).values())
    pools = Pools(
        own_ids=world.ids,
        foreign_ids=[i for ids in foreign.ids.values() for i in ids],
        page_tokens=tokens,
    )
    loop = asyncio.get_running_loop()

    def digests() -> dict[str, tuple[int, str]]:
        return asyncio.run_coroutine_threadsafe(table_digests(pool), loop).result()

    codes = await asyncio.to_thread(fuzz, target, key, pools, digests)
    per_method = Counter(name.split()[0] for name in codes.elements())
    assert set(per_method) == {m.name for m in METHODS}, "every RPC is fuzzed"
    print(f"\nfuzz: {sum(codes.values())} requests over {len(per_method)} RPCs")
    for name, count in sorted(Counter(name.split()[1] for name in codes.elements()).items()):
        print(f"  {name}: {count}")
