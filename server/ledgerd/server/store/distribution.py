"""ledgerd on Citus, distributed PostgreSQL (docs/scaling.md): after the migrations, a coordinator's
tables are distributed by ledger_id (citus_layout.sql) and the batch write is made a distributed
function routed by its ledger argument, so Citus runs each call whole on the worker that holds the
ledger. Once per database; every later start finds it done."""

from __future__ import annotations

import importlib.resources
import re
from typing import Any

import asyncpg
from asyncpg.connect_utils import SSLMode

from ledgerd.server.store.migrate import MIGRATION_LOCK_KEY, available_migrations

# The write function's signature (migration 0014) and the argument Citus routes a call by.
WRITE_FUNCTION = (
    "ledgerd_write_batch(uuid, timestamptz, ledger_transactions[], ledger_transactions[], xid[], uuid[],"
    " ledger_entries[], ledgerd_account_change[], ledger_account_versions[], holds[], holds[], xid[],"
    " idempotency_keys[], ledger_account_balance_monitors[], ledger_account_balance_monitor_alerts[],"
    " ledgerable_events[], audit_events[])"
)

# The functions Citus runs whole on the worker that holds the ledger named by their argument: the
# batch write, the change feed's horizon (migration 0015), which must be the snapshot of the
# worker whose transaction ids the ledger's versions carry, and a ledger's totals as of a time
# (migration 0017) when called outside a transaction block (within one, Citus runs it on the
# coordinator and sends its one statement to the ledger's shard).
ROUTED_FUNCTIONS = {
    WRITE_FUNCTION: "ledger",
    "ledgerd_feed_horizon(uuid)": "ledger",
    "ledgerd_ledger_totals_as_of(uuid, uuid[], timestamptz, boolean)": "ledger",
}


class NotCitus(RuntimeError):
    """Asked to distribute a database that is no Citus coordinator with workers."""


async def is_citus(connection: asyncpg.Connection) -> bool:
    """Whether the database is a Citus coordinator with at least one active worker: the extension
    is there, this node is the coordinator (a worker, whose metadata Citus syncs, lists the
    workers too), and citus_get_active_worker_nodes() has rows."""
    if not await connection.fetchval("SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')"):
        return False
    return bool(
        await connection.fetchval(
            "SELECT citus_is_coordinator() AND EXISTS (SELECT FROM citus_get_active_worker_nodes())"
        )
    )


async def is_distributed(connection: asyncpg.Connection) -> bool:
    # Two statements: a database without Citus has no pg_dist_partition, and PostgreSQL resolves
    # every relation of a statement before it evaluates any of it.
    if not await connection.fetchval("SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')"):
        return False
    return bool(
        await connection.fetchval(
            "SELECT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = 'ledgers'::regclass)"
        )
    )


# The functions that take a ledger table's row type: distributing the table drops them with it, so
# they are dropped first and made again from their newest migration after the layout.
ROW_TYPED_FUNCTIONS = {
    "ledgerd_entry_json": "ledgerd_entry_json(ledger_entries)",
    "ledgerd_write_batch": WRITE_FUNCTION,
}


def _definition(name: str) -> str:
    """The CREATE FUNCTION of `name` as the newest migration that defines it has it."""
    pattern = re.compile(rf"CREATE (?:OR REPLACE )?FUNCTION {name}\(.*?\n\$\$;", re.DOTALL)
    for migration in reversed(available_migrations()):
        found = pattern.search(migration.sql)
        if found:
            return found.group(0)
    raise RuntimeError(f"no migration defines {name}")


# The deleted-membership triggers of migration 0008, table -> trigger. citus_layout.sql drops them
# (they would run on the workers' shards against a table the coordinator alone has, and refuse
# every membership removal); a cluster laid out before it did still has them, and loses them at
# its next start.
DELETED_MEMBERSHIP_TRIGGERS = {
    "ledger_account_category_accounts": "ledger_account_category_accounts_deleted",
    "ledger_account_category_categories": "ledger_account_category_categories_deleted",
}


async def _drop_deleted_membership_triggers(connection: asyncpg.Connection) -> None:
    """Drops those of DELETED_MEMBERSHIP_TRIGGERS still there (Citus drops them on the shards too);
    nothing when none is, so a start takes no lock on these tables for it. Citus refuses any trigger
    DDL on a distributed table, a DROP too, unless citus.enable_unsafe_triggers is on."""
    for table, trigger in DELETED_MEMBERSHIP_TRIGGERS.items():
        if await connection.fetchval(
            "SELECT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = $1::text::regclass AND tgname = $2)", table, trigger
        ):
            async with connection.transaction():
                await connection.execute("SET LOCAL citus.enable_unsafe_triggers = on")
                await connection.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")


async def distribute(connection: asyncpg.Connection) -> bool:
    """Lays the database out for Citus unless it is already, and routes every function of
    ROUTED_FUNCTIONS that is not yet (a migration newer than the layout adds one); on a database
    laid out already, drops the deleted-membership triggers an older layout kept. True when it laid
    the database out. Raises NotCitus on a database that is not a Citus coordinator with workers."""
    if not await is_citus(connection):
        raise NotCitus("not a Citus coordinator with active workers (docs/scaling.md)")
    await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        if await is_distributed(connection):
            await _drop_deleted_membership_triggers(connection)
            await _route_functions(connection)
            return False
        layout = (importlib.resources.files("ledgerd.server.store") / "citus_layout.sql").read_text()
        async with connection.transaction():
            await connection.execute("SET LOCAL citus.enable_unsafe_triggers = on")
            for signature in ROW_TYPED_FUNCTIONS.values():
                await connection.execute(f"DROP FUNCTION IF EXISTS {signature}")
            await connection.execute(layout)
            for name in ROW_TYPED_FUNCTIONS:
                await connection.execute(_definition(name))
        await _route_functions(connection)
        return True
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)


async def _route_functions(connection: asyncpg.Connection) -> None:
    for signature, argument in ROUTED_FUNCTIONS.items():
        routed = await connection.fetchval(
            """SELECT EXISTS (SELECT FROM pg_dist_object
                              WHERE classid = 'pg_proc'::regclass AND objid = $1::text::regprocedure
                                AND distribution_argument_index IS NOT NULL)""",
            signature,
        )
        if not routed:
            await connection.execute(
                "SELECT create_distributed_function($1, $2, colocate_with => 'ledgers')", signature, argument
            )


async def listen_nodes(connection: asyncpg.Connection) -> list[tuple[str, int]]:
    """The other nodes a balance watcher must LISTEN on besides the database it is connected to:
    on a Citus coordinator the active primary workers, because the batch write runs there as a
    distributed function and its NOTIFY (0014_ledger_keys.sql) is raised on the worker that holds
    the ledger; none on plain PostgreSQL, where the database itself is the only node. The
    coordinator is listened on too (by the caller's own connection): a batch of two ledgers runs
    from it, and so does a call for a shard placed on it."""
    if not await is_citus(connection):
        return []
    records = await connection.fetch(
        """SELECT nodename, nodeport FROM pg_dist_node
           WHERE isactive AND noderole = 'primary' AND groupid <> 0 ORDER BY nodename, nodeport"""
    )
    return [(r["nodename"], r["nodeport"]) for r in records]


async def connect_to_node(connection: asyncpg.Connection, host: str, port: int) -> asyncpg.Connection:
    """A connection to another node of the cluster as `connection`'s user, with its password, to its
    database: Citus nodes share the roles and the database name. asyncpg keeps the parameters it
    resolved (DSN, environment, passfile) in `_params`, which its own pool reconnects with; there is
    no public accessor."""
    params = connection._params
    # An SSL context resolved for a required mode is reused (it checks the worker's own host name
    # when the mode verifies it); a weaker mode is passed by name so that it stays advisory.
    ssl: Any = params.ssl if params.sslmode >= SSLMode.require else params.sslmode.name
    return await asyncpg.connect(
        host=host,
        port=port,
        user=params.user,
        password=params.password,
        database=params.database,
        ssl=ssl,
        # The same settings, application_name among them: the session is the server's in pg_stat_activity.
        server_settings=params.server_settings,
    )
