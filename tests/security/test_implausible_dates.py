"""Attack story: far-future dates and impossible ages, sent to make the register say what
cannot be true (a licence granted in 2999, a driver born last year). The import and the API
refuse them alike, naming the field, and nothing is written."""

from datetime import date

from litestar.testing import AsyncTestClient

from licensing.app import create_app
from licensing.settings import load
from tests.factories import make_user
from tests.test_import import DECISIONS, DRIVERS, LICENCES, TODAY, register_counts, run


async def test_the_import_refuses_implausible_dates_as_the_api_does(conn, db_url):
    young = TODAY.replace(year=TODAY.year - 17) if TODAY.day < 29 else date(TODAY.year - 17, 1, 1)
    drivers = DRIVERS + f"D4,Young,Driver,{young},F,,,,\n"
    licences = LICENCES + "D1,RB/004,hackney_carriage,current,2999-01-01,,2999-06-01,\n"
    decisions = DECISIONS + "D1,,refused,dual,2999-01-01,harm,\n"
    before = await register_counts(conn)

    report = await run(conn, drivers, licences, decisions)

    assert {(p.file, p.field) for p in report.rejected} >= {
        ("drivers.csv", "date_of_birth"),
        ("licences.csv", "granted_on"),
        ("decisions.csv", "decided_on"),
    }
    assert await register_counts(conn) == before
    officer = await make_user(conn, authority="Rotherham")
    app = create_app(load({"DATABASE_URL": db_url, "CROSSCHECK_SCHEDULER": "false"}))
    async with AsyncTestClient(app=app) as client:
        answer = await client.post(
            "/api/v1/drivers",
            json={"forenames": "Young", "surname": "Driver", "date_of_birth": str(young)},
            headers=officer["headers"],
        )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["date_of_birth"]
