"""The HTTP API under /api/v1. Each module lists its handlers; ROUTES is the explicit whole."""

from litestar.types import ControllerRouterHandler

from licensing.api import (
    accounts,
    audit,
    authorities,
    compliance,
    duplicates,
    events,
    identity_proposals,
    search,
    tokens,
    webhooks,
)
from licensing.api.alerts import ROUTES as ALERT_ROUTES
from licensing.api.recording import ROUTES as RECORDING_ROUTES

ROUTES: list[ControllerRouterHandler] = [
    *accounts.ROUTES,
    *tokens.ROUTES,
    *authorities.ROUTES,
    *audit.ROUTES,
    *RECORDING_ROUTES,
    *identity_proposals.ROUTES,
    *search.ROUTES,
    *ALERT_ROUTES,
    *compliance.ROUTES,
    *events.ROUTES,
    *duplicates.ROUTES,
    *webhooks.ROUTES,
]
