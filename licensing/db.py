"""Where the database is, and the connection pools the service uses."""

from __future__ import annotations

import asyncpg

from licensing import pgcluster
from licensing.settings import Settings

APP_ROLE = "crosscheck_app"


async def urls(settings: Settings, *, start: bool = True) -> tuple[str, str]:
    """(service URL, migration URL). Without DATABASE_URL, the private cluster's."""
    if settings.database_url:
        return settings.database_url, settings.migration_database_url or settings.database_url
    if not start:
        raise pgcluster.ClusterError(
            "DATABASE_URL is not set and the private cluster is not started"
        )
    cluster = pgcluster.start(settings.data_dir)
    await pgcluster.create_database(cluster)
    url = cluster.url()
    return url, url


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


async def create_pool(
    url: str, *, min_size: int = 2, max_size: int = 10, statement_timeout_ms: int | None = None
) -> asyncpg.Pool:
    server_settings = {"application_name": "crosscheck"}
    if statement_timeout_ms:
        server_settings["statement_timeout"] = str(statement_timeout_ms)
    return await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        init=_as_app_role,
        reset=_keep_session,
        server_settings=server_settings,
    )
