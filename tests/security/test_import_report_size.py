"""Attack story: an officer (or a stolen token) uploads a file of many thousands of bad rows
to make the service build, hold and send an enormous error report. The answer carries the
first 1,000 problems and counts of the rest, so its size does not grow with the file; the
whole list waits in the database for the importing authority to download."""

from litestar.testing import AsyncTestClient

from licensing.app import create_app
from licensing.settings import load
from registry.import_rejections import REPORT_LIMIT
from tests.factories import make_user
from tests.test_import_rejections import bad_drivers


async def test_a_file_of_thousands_of_bad_rows_gets_an_answer_that_does_not_grow_with_it(
    db_url, conn
):
    officer = await make_user(conn, authority="Rotherham")
    app = create_app(load({"DATABASE_URL": db_url, "CROSSCHECK_SCHEDULER": "false"}))
    sizes = []
    async with AsyncTestClient(app=app) as client:
        for rows in (2_000, 8_000):
            answer = await client.post(
                "/api/v1/imports",
                headers=officer["headers"],
                files={"drivers": ("drivers.csv", bad_drivers(rows))},
            )
            assert answer.status_code == 422
            assert answer.json()["report"]["rejected_total"] == rows
            assert len(answer.json()["errors"]) == REPORT_LIMIT
            sizes.append(len(answer.content))
    assert sizes[1] < sizes[0] * 1.05  # four times the rows, the same answer
    assert await conn.fetchval("SELECT count(*) FROM driver") == 0
    assert await conn.fetchval("SELECT count(*) FROM import_rejection") == 10_000
