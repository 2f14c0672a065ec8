"""The HTTP API under /api/v1. Each module lists its handlers; ROUTES is the explicit whole."""

from licensing.api import compliance

ROUTES: list = [*compliance.ROUTES]
