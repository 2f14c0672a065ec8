"""The service: one create_app() with an explicit list of handlers and a lifespan list."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator

import asyncpg
from litestar import Litestar, MediaType, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin

from licensing import auth, db, logging_config, openapi
from licensing.bodies import MAX_BODY_BYTES, CheckedRequest
from licensing.pages import PAGE_FALLBACKS, PUBLIC_PAGES
from licensing.problems import EXCEPTION_HANDLERS, document_errors
from licensing.settings import Settings, load

log = logging.getLogger("crosscheck")

# Paths that need no sign-in. Every other route must carry a guard (tests/test_access.py).
# An entry covers the paths below it too ("/schema" covers /schema/openapi.json).
PUBLIC_PATHS = {"/health", "/ready", "/schema", "/register-counts"}
PUBLIC_PATHS |= PUBLIC_PAGES


async def provide_conn(state: State) -> AsyncGenerator[asyncpg.Connection, None]:
    """A pooled connection for the request; handlers open a transaction when they write."""
    async with state.pool.acquire() as conn:
        yield conn


@get("/health", media_type=MediaType.JSON, include_in_schema=True, tags=["service"])
async def health() -> dict[str, str]:
    """The process is up (no database call: for a load balancer's liveness probe)."""
    return {"status": "ok"}


@get("/ready", media_type=MediaType.JSON, tags=["service"])
async def ready(state: State) -> dict[str, str]:
    """The database answers: the instance can take traffic."""
    await state.pool.fetchval("SELECT 1")
    return {"status": "ready"}


COUNTS = """
SELECT (SELECT count(*) FROM authority WHERE licenses_drivers) AS authorities,
       (SELECT count(*) FROM driver) AS drivers,
       (SELECT count(*) FROM licence WHERE status = 'current') AS current_licences,
       (SELECT count(*) FROM register_entry) AS register_entries
"""


@get("/register-counts", media_type=MediaType.JSON, tags=["service"])
async def register_counts(state: State) -> dict[str, int]:
    """How much is in the register: aggregate counts, no personal data."""
    row = await state.pool.fetchrow(COUNTS)
    return dict(row)


def route_handlers() -> list:
    from licensing.api import ROUTES as API_ROUTES
    from licensing.pages import PAGES

    return [health, ready, register_counts, *API_ROUTES, *PAGES]


def lifespans(settings: Settings) -> list:
    @contextlib.asynccontextmanager
    async def database(app: Litestar):
        service_url, _ = await db.urls(settings)
        app.state.pool = await db.create_pool(
            service_url, min_size=settings.pool_min, max_size=settings.pool_max
        )
        # Compliance summaries get their own few connections and a statement timeout, so a
        # heavy report can never take the connections officers' searches need.
        app.state.summary_pool = await db.create_pool(
            service_url,
            min_size=0,
            max_size=settings.summary_pool_max,
            statement_timeout_ms=settings.summary_timeout_ms,
        )
        try:
            yield
        finally:
            await app.state.summary_pool.close()
            await app.state.pool.close()

    # The scheduler (added by alerts) comes after the pool, so it stops first.
    return [database, *extra_lifespans(settings)]


def extra_lifespans(settings: Settings) -> list:
    from licensing.background import lifespans as background

    return background(settings)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load()
    app = Litestar(
        route_handlers=route_handlers(),
        lifespan=lifespans(settings),
        dependencies={"conn": Provide(provide_conn)},
        middleware=[logging_config.RequestLog(), auth.PrincipalMiddleware()],
        logging_config=logging_config.litestar_logging(),
        exception_handlers={**EXCEPTION_HANDLERS, **PAGE_FALLBACKS},
        request_class=CheckedRequest,
        request_max_body_size=MAX_BODY_BYTES,
        state=State(
            {"settings": settings, "token_cache": auth.TokenCache(settings.token_cache_seconds)}
        ),
        openapi_config=OpenAPIConfig(
            title="Crosscheck API",
            version="1.0.0",
            path="/schema",
            description="The national register of taxi and private hire driver licensing.",
            # Everything from this service, nothing from a CDN or Scalar's own services: the
            # reference must work on council networks, and the API's description stays here.
            render_plugins=[
                ScalarRenderPlugin(
                    js_url="/assets/scalar-api-reference.js",
                    css_url="/assets/api-reference.css",
                    favicon='<link rel="icon" href="/assets/images/favicon.ico">',
                    options={
                        "withDefaultFonts": False,
                        "showDeveloperTools": "never",
                        "agent": {"disabled": True},
                        "mcp": {"disabled": True},
                    },
                )
            ],
        ),
        debug=False,
    )
    document_errors(app)
    openapi.install(app)
    return app
