"""The service: one create_app() with an explicit list of handlers and a lifespan list."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from litestar import Litestar, MediaType, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin

from licensing import auth, db, headers, limits, logging_config, metrics, openapi, refusals
from licensing.bodies import MAX_BODY_BYTES, CheckedRequest, refuse_nul_in_query
from licensing.pages import PAGE_FALLBACKS, PUBLIC_PAGES
from licensing.problems import (
    EXCEPTION_HANDLERS,
    UNAVAILABLE_SPEC,
    DatabaseUnavailable,
    document_errors,
)
from licensing.settings import Settings, load
from registry import counts

log = logging.getLogger("crosscheck")

# Paths that need no sign-in. Every other route must carry a guard (tests/test_access.py).
# An entry covers the paths below it too ("/schema" covers /schema/openapi.json).
PUBLIC_PATHS = {"/health", "/ready", "/schema", "/register-counts"}
PUBLIC_PATHS |= PUBLIC_PAGES


@get("/health", media_type=MediaType.JSON, include_in_schema=True, tags=["service"])
async def health() -> dict[str, str]:
    """The process is up (no database call: for a load balancer's liveness probe)."""
    return {"status": "ok"}


READY_WITHIN_SECONDS = 1.5  # a load balancer's probe gets its answer inside 2 s


@get("/ready", media_type=MediaType.JSON, tags=["service"], responses={503: UNAVAILABLE_SPEC})
async def ready(state: State) -> dict:
    """The database answers: the instance can take traffic. 503 (with Retry-After) within
    2 s when the database is down, unreachable or hanging. Also reports, for an operator, the
    scheduler's last heartbeat in this process and, for the alert outbox and the webhook
    outbox, what waits, the oldest wait and what is dead."""
    # A task of its own, left to finish in the background when it overruns: a query cut off
    # by a timeout waits for its cancellation to reach the server, which a hung one never does.
    ping = asyncio.ensure_future(metrics.outboxes_state(state.pool))
    done, _ = await asyncio.wait({ping}, timeout=READY_WITHIN_SECONDS)
    if not done:
        ping.cancel()
        ping.add_done_callback(_ignore_result)
        raise DatabaseUnavailable()
    try:
        outbox, webhooks = ping.result()
    except Exception as exc:
        if db.unavailable(exc):
            raise DatabaseUnavailable() from None
        raise
    heartbeat = metrics.heartbeat_age(state)
    return {
        "status": "ready",
        "database": "ok",
        "scheduler": {
            "running_here": getattr(state, "scheduler", None) is not None,
            "last_heartbeat_seconds_ago": None if heartbeat is None else round(heartbeat, 1),
        },
        "outbox": _waiting(outbox),
        "webhook_outbox": _waiting(webhooks),
    }


def _waiting(outbox: dict) -> dict:
    """An outbox at a glance: what waits to be sent, the oldest wait, and what is dead."""
    return {
        "pending": outbox["pending"] + outbox["sending"],
        "oldest_pending_seconds": round(outbox["oldest_pending_seconds"], 1),
        "dead": outbox["dead"],
    }


def _ignore_result(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()


@get("/register-counts", media_type=MediaType.JSON, tags=["service"])
async def register_counts(state: State) -> dict[str, int]:
    """How much is in the register: aggregate counts, no personal data."""
    return await counts.register_counts(state.pool)


def route_handlers() -> list:
    from licensing.api import ROUTES as API_ROUTES
    from licensing.pages import PAGES

    return [health, ready, register_counts, metrics.metrics, *API_ROUTES, *PAGES]


def lifespans(settings: Settings) -> list:
    @contextlib.asynccontextmanager
    async def database(app: Litestar):
        service_url, _ = await db.service_urls(settings)
        app.state.pool = await db.create_pool(
            service_url,
            min_size=settings.pool_min,
            max_size=settings.pool_max,
            **db.limits(settings),
        )
        # Compliance summaries get their own few connections and a statement timeout, so a
        # heavy report can never take the connections officers' searches need.
        app.state.summary_pool = await db.create_pool(
            service_url,
            min_size=0,
            max_size=settings.summary_pool_max,
            **db.limits(settings, settings.summary_timeout_ms),
        )
        # A hot standby, when there is one, takes the summaries (and, with them, the DfT
        # pages and exports) while it is no more than REPLICA_MAX_LAG_SECONDS behind.
        replica = None
        if settings.database_replica_url:
            replica = await db.create_pool(
                settings.database_replica_url,
                min_size=0,
                max_size=settings.summary_pool_max,
                **db.limits(settings, settings.summary_timeout_ms),
            )
        app.state.reads = db.Reads(
            app.state.summary_pool, replica, settings.replica_max_lag_seconds
        )
        # Bulk imports and the scheduler's jobs may run minutes: their own pool and limit,
        # so the request pool's limits stay short (opens connections only when used).
        app.state.long_pool = await db.create_pool(
            service_url,
            min_size=0,
            max_size=settings.pool_max,
            **db.limits(settings, settings.long_statement_timeout_ms),
        )
        try:
            yield
        finally:
            await app.state.long_pool.close()
            await app.state.reads.close()
            await app.state.summary_pool.close()
            await app.state.pool.close()

    # The scheduler (added by alerts) comes after the pool, so it stops first.
    return [database, *extra_lifespans(settings)]


def extra_lifespans(settings: Settings) -> list:
    from licensing.background import lifespans as background

    return background(settings)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load()
    # Everything from this service, nothing from a CDN or Scalar's own services: the
    # reference must work on council networks, and the API's description stays here.
    reference = ScalarRenderPlugin(
        js_url="/assets/scalar-api-reference.js",
        css_url="/assets/api-reference.css",
        favicon='<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">',
        options={
            "withDefaultFonts": False,
            "showDeveloperTools": "never",
            "agent": {"disabled": True},
            "mcp": {"disabled": True},
        },
    )
    app = Litestar(
        route_handlers=route_handlers(),
        lifespan=lifespans(settings),
        dependencies={"conn": Provide(db.provide_conn)},
        middleware=[
            logging_config.RequestLog(),
            headers.SecurityHeaders(hsts=settings.secure_cookies),
            auth.PrincipalMiddleware(),
            limits.TokenRateLimit(),
            refusals.RefusalAudit(),
        ],
        logging_config=logging_config.litestar_logging(),
        exception_handlers={**EXCEPTION_HANDLERS, **PAGE_FALLBACKS},
        request_class=CheckedRequest,
        before_request=refuse_nul_in_query,  # the pages' router sets its own
        request_max_body_size=MAX_BODY_BYTES,
        state=State(
            {
                "settings": settings,
                "token_cache": auth.TokenCache(settings.token_cache_seconds),
                "metrics": metrics.Metrics(),
            }
        ),
        openapi_config=OpenAPIConfig(
            title="Crosscheck API",
            version="1.0.0",
            path="/schema",
            description="The national register of taxi and private hire driver licensing.",
            render_plugins=[reference],
        ),
        debug=False,
    )
    document_errors(app)
    openapi.install(app)
    return app
