"""Attack story: a DfT analyst differences two published windows a day apart, hoping to
reveal a count of one or two drivers at one authority.

Published figures are suppressed by default, and their periods are whole quarters or financial
years only: a window that could be differenced against another is refused, naming the field.
"""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from licensing.app import create_app
from licensing.settings import load
from tests.factories import make_user


async def test_published_windows_cannot_be_differenced_and_are_suppressed_by_default(db_url, conn):
    dft = await make_user(conn, role="dft_analyst", authority=None)
    settings = load({"DATABASE_URL": db_url, "CROSSCHECK_SCHEDULER": "false"})
    async with AsyncTestClient(app=create_app(settings)) as client:
        windows = [
            await client.get(
                "/api/v1/compliance/summary",
                params={"period_start": start, "period_end": "2025-03-31"},
                headers=dft["headers"],
            )
            for start in ("2025-01-01", "2025-01-02")
        ]
        quarter = await client.get(
            "/api/v1/compliance/summary", params={"quarter": "2025-Q1"}, headers=dft["headers"]
        )

    for window in windows:
        assert window.status_code == 422
        assert "period_start" in [e["field"] for e in window.json()["errors"]]
    assert quarter.status_code == 200
    assert quarter.json()["suppression_applied"] is True
