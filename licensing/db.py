"""Where the database is, and the connection pools the service uses.

Every pool fails fast: a server-side statement_timeout, lock_timeout and
idle_in_transaction_session_timeout, a client-side command timeout a little longer than the
statement timeout (so a database that hangs rather than answers still ends the wait), a
connection timeout, and a bound on waiting for a pooled connection. What a request sees then
is one of the errors `unavailable()` recognises, answered 503 with Retry-After.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypedDict

import asyncpg
from litestar.datastructures import State

from licensing import pgcluster
from licensing.settings import Settings

APP_ROLE = pgcluster.APP_ROLE


NO_DATABASE = (
    "DATABASE_URL is not set and no private cluster is running: set DATABASE_URL, or run "
    "`crosscheck serve --demo` (or `crosscheck db start`) for the private demo cluster"
)


async def urls(settings: Settings, *, start: bool = True) -> tuple[str, str]:
    """(service URL, migration URL). Without DATABASE_URL, the private cluster's: created and
    started when `start`, otherwise only used if it is already running."""
    if settings.database_url:
        return settings.database_url, settings.migration_database_url or settings.database_url
    if not start:
        running = pgcluster.running(settings.data_dir)
        if running is None:
            raise pgcluster.ClusterError(NO_DATABASE)
        return running.url(user=APP_ROLE), running.url()
    cluster = pgcluster.start(settings.data_dir)
    await pgcluster.create_database(cluster)
    # the service logs in as its own role; only the migrations use the owner's login
    return cluster.url(user=APP_ROLE), cluster.url()


async def _as_app_role(conn: asyncpg.Connection) -> None:
    # The service's role may not rewrite the event or audit logs; a login that can
    # (the migration owner, in the demo) steps down to it.
    is_member = await conn.fetchval(
        "SELECT pg_has_role(current_user, $1, 'MEMBER') AND current_user <> $1", APP_ROLE
    )
    if is_member:
        await conn.execute(f"SET ROLE {APP_ROLE}")


async def connect(url: str, *, as_app: bool = True) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    if as_app:
        await _as_app_role(conn)
    return conn


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Release without asyncpg's default reset query (advisory unlock, CLOSE ALL, UNLISTEN,
    RESET ALL): that is a round trip on every release, two per API request. The service keeps
    no session state on pooled connections (registry.actor.acting names the actor transaction-locally; no LISTEN, cursors
    or advisory locks), and asyncpg still rolls back a transaction left open before calling
    this."""


async def service_urls(settings: Settings) -> tuple[str, str]:
    """For the service and the worker: outside demo mode they never create a cluster."""
    return await urls(settings, start=settings.demo)


class Pool(asyncpg.Pool):  # type: ignore[misc]  # asyncpg ships no types: its Pool is Any
    """asyncpg's pool whose acquire() waits at most `acquire_timeout` by default. asyncpg
    also bounds the release by the acquire's timeout: without one, a connection whose query
    timed out against a hung server is waited for until the server answers."""

    acquire_timeout: float | None = None

    def acquire(self, *, timeout: float | None = None) -> asyncpg.pool.PoolAcquireContext:
        return super().acquire(timeout=self.acquire_timeout if timeout is None else timeout)


# Errors that mean "the database cannot answer now", not "this request is wrong": a timeout,
# a refused or lost connection, a server shutting down or starting up, a statement cancelled
# by its time limit, a lock not granted in time, no connection slot left.
UNAVAILABLE = (
    OSError,  # includes TimeoutError and ConnectionRefusedError/ResetError
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,  # query cancelled, admin/crash shutdown, starting up
    asyncpg.LockNotAvailableError,
    asyncpg.TooManyConnectionsError,
    asyncpg.IdleInTransactionSessionTimeoutError,
    # a failover: the server reached is (still, or now) a standby, or none of a multi-host
    # DATABASE_URL's hosts takes writes yet (target_session_attrs=read-write)
    asyncpg.ReadOnlySQLTransactionError,
    asyncpg.exceptions.TargetServerAttributeNotMatched,
)


def unavailable(exc: BaseException | None) -> bool:
    """Whether this error (or one it arose from) says the database cannot answer now."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, UNAVAILABLE):
            return True
        if isinstance(exc, asyncpg.InterfaceError) and (
            "closed" in str(exc) or "closing" in str(exc)
        ):
            return True  # "the underlying connection is closed", "pool is closing"
        if isinstance(exc, asyncpg.InternalClientError) and "cannot switch to state" in str(exc):
            return True  # the server ended an idle pooled connection (a shutdown) under us
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


async def create_pool(
    url: str,
    *,
    min_size: int = 2,
    max_size: int = 10,
    statement_timeout_ms: int = 10_000,
    lock_timeout_ms: int = 5_000,
    connect_timeout_seconds: float = 5.0,
    idle_in_transaction_ms: int = 60_000,
) -> Pool:
    command_timeout = statement_timeout_ms / 1000 + 1
    server_settings = {
        "application_name": "crosscheck",
        "statement_timeout": str(statement_timeout_ms),
        "lock_timeout": str(lock_timeout_ms),
        "idle_in_transaction_session_timeout": str(idle_in_transaction_ms),
    }
    pool = Pool(
        url,
        min_size=min_size,
        max_size=max_size,
        init=_as_app_role,
        reset=_keep_session,
        server_settings=server_settings,
        command_timeout=command_timeout,
        timeout=connect_timeout_seconds,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        max_queries=50000,
        max_inactive_connection_lifetime=300.0,
        loop=None,
    )
    pool.acquire_timeout = command_timeout + connect_timeout_seconds
    ready: Pool = await pool
    return ready


class Limits(TypedDict):
    """create_pool's time limits, by parameter name."""

    statement_timeout_ms: int
    lock_timeout_ms: int
    connect_timeout_seconds: float


def limits(settings: Settings, statement_timeout_ms: int | None = None) -> Limits:
    """create_pool's time limits from the settings (the request pool's statement limit unless
    another is given)."""
    return {
        "statement_timeout_ms": statement_timeout_ms or settings.db_statement_timeout_ms,
        "lock_timeout_ms": settings.db_lock_timeout_ms,
        "connect_timeout_seconds": settings.db_connect_timeout_seconds,
    }


@asynccontextmanager
async def lent(pool: Pool) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection for one piece of work. One whose work failed because the database
    cannot answer, or was cancelled (a probe that overran), is closed, not handed back: handing
    back a connection to a hung server waits for it to answer the cancelled statement, up to
    the acquire limit, and meanwhile the pool has one connection fewer for every request."""
    async with pool.acquire() as conn:
        try:
            yield conn
        except BaseException as exc:
            if unavailable(exc) or isinstance(exc, asyncio.CancelledError):
                conn.terminate()
            raise


async def provide_conn(state: State) -> AsyncGenerator[asyncpg.Connection, None]:
    """A pooled connection for the request; handlers open a transaction when they write."""
    async with lent(state.pool) as conn:
        yield conn


async def provide_long_conn(state: State) -> AsyncGenerator[asyncpg.Connection, None]:
    """For a request whose work may run minutes (a bulk import): the long pool's connection,
    whose statements may run LONG_STATEMENT_TIMEOUT_MS."""
    async with lent(state.long_pool) as conn:
        yield conn


# How far the standby's replay is behind, in seconds: 0 when it has replayed all the WAL it
# received while its WAL receiver is streaming; otherwise the age of the last transaction it
# replayed (an idle primary then reads as "behind", which is the safe side); 0 once promoted.
REPLICA_LAG = """
SELECT CASE
         WHEN NOT pg_is_in_recovery() THEN 0
         WHEN EXISTS (SELECT 1 FROM pg_stat_wal_receiver)
              AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
         ELSE coalesce(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()),
                       'Infinity')
       END::float8 AS lag_seconds
"""
LAG_CHECK_SECONDS = 1.0  # a standby that does not say how far behind it is in 1 s is not used

# Whether the standby has replayed the primary's WAL up to a point (a write just made there).
REPLAYED = "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::text::pg_lsn, true)"
REPLAY_WAIT_SECONDS = 2.0  # how long a read waits for the standby to replay its own write
REPLAY_POLL_SECONDS = 0.02


@dataclass(frozen=True)
class Read:
    """Where a read-heavy request runs: the pool, "replica" or "primary", and the standby's lag
    when it was measured (None when there is no standby, or it did not answer)."""

    pool: Pool
    source: str
    lag_seconds: float | None

    def headers(self) -> dict[str, str]:
        """What the answer tells its reader about how fresh its figures are."""
        found = {"Read-From": self.source}
        if self.lag_seconds is not None and self.lag_seconds != float("inf"):
            found["Replica-Lag-Seconds"] = f"{self.lag_seconds:.3f}"
        return found


class Reads:
    """The read-heavy work's pools: the standby's (DATABASE_REPLICA_URL) while its lag is
    within max_lag_seconds, else the primary's. A standby that is down, hung or too far behind
    costs a request at most LAG_CHECK_SECONDS, never an error."""

    def __init__(self, primary: Pool, replica: Pool | None, max_lag_seconds: float) -> None:
        self.primary = primary
        self.replica = replica
        self.max_lag_seconds = max_lag_seconds
        self.last_lag_seconds: float | None = None

    async def lag(self) -> float | None:
        if self.replica is None:
            return None
        try:
            async with asyncio.timeout(LAG_CHECK_SECONDS):
                async with self.replica.acquire(timeout=LAG_CHECK_SECONDS) as conn:
                    lag = float(await conn.fetchval(REPLICA_LAG, timeout=LAG_CHECK_SECONDS))
        except Exception as exc:
            if not unavailable(exc):
                raise
            lag = None
        self.last_lag_seconds = lag
        return lag

    async def choose(self) -> Read:
        lag = await self.lag()
        if self.replica is not None and lag is not None and lag <= self.max_lag_seconds:
            return Read(self.replica, "replica", lag)
        return Read(self.primary, "primary", lag)

    async def including(self, lsn: str) -> Read:
        """The standby once it has replayed the primary's WAL up to `lsn` (a write this request
        has just made there, which what it reads must include), if it does so within
        REPLAY_WAIT_SECONDS and is within the staleness bound; otherwise the primary."""
        read = await self.choose()
        if read.source != "replica" or self.replica is None:
            return read
        try:
            async with asyncio.timeout(REPLAY_WAIT_SECONDS):
                async with self.replica.acquire() as conn:
                    for _ in range(int(REPLAY_WAIT_SECONDS / REPLAY_POLL_SECONDS)):
                        if await conn.fetchval(REPLAYED, lsn):
                            return read
                        await asyncio.sleep(REPLAY_POLL_SECONDS)
        except Exception as exc:
            if not unavailable(exc):
                raise
        return Read(self.primary, "primary", read.lag_seconds)

    async def close(self) -> None:
        if self.replica is not None:
            await self.replica.close()
