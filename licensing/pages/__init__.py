"""The officer pages: GOV.UK Design System pages over the registry's functions.

PAGES is the list of handlers the app adds (licensing.app.route_handlers): every form page
and handler each page module declares (forms.routes). Page
handlers call registry functions directly, not the HTTP API; their errors render as GOV.UK
pages (licensing.pages.errors), never as problem+json.
"""

from __future__ import annotations

from litestar import Router
from litestar.exceptions import MethodNotAllowedException, NotFoundException
from litestar.static_files import create_static_files_router

from licensing import auth
from licensing.assets import SCALAR_TARGET
from licensing.assets import TARGET as GOVUK_ASSETS
from licensing.pages import (
    account,
    admin,
    alerts,
    audit,
    compliance,
    duplicates,
    errors,
    identity_proposals,
    password_reset,
    recording,
    search,
    sessions,
    two_factor,
    webhooks,
    work,
)
from licensing.pages.forms import routes

APP_ASSETS = GOVUK_ASSETS.parent / "app"

if sessions.authenticate not in auth.AUTHENTICATORS:
    auth.AUTHENTICATORS.append(sessions.authenticate)

# Paths that need no sign-in (added to licensing.app.PUBLIC_PATHS).
PUBLIC_PAGES = {"/sign-in", "/signed-out", "/accessibility", "/privacy", "/assets"}

pages_router = Router(
    path="/",
    route_handlers=[
        *routes(account, two_factor, password_reset, admin, audit, search, alerts),
        *routes(compliance, work, duplicates, identity_proposals, webhooks),
        *recording.ROUTES,
    ],
    before_request=work.count_work,
    exception_handlers=errors.EXCEPTION_HANDLERS,
    include_in_schema=False,
)

# GOV.UK Frontend and the API reference's script (copied from node_modules by `python -m
# licensing.assets`), and our own few.
assets_router = create_static_files_router(
    path="/assets",
    directories=[APP_ASSETS, GOVUK_ASSETS, SCALAR_TARGET],
    include_in_schema=False,
    cache_control=None,
    name="assets",
)

PAGES = [pages_router, assets_router]

# For requests no route matched: 404 and 405 as GOV.UK pages when a browser asks.
PAGE_FALLBACKS = {NotFoundException: errors.unmatched, MethodNotAllowedException: errors.unmatched}
