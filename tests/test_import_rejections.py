"""A file of thousands of bad rows: the import answers with the first 1,000 problems and
counts of all, and the importing authority downloads the whole list as CSV."""

import csv
import io

from registry import retention
from registry.import_rejections import REPORT_LIMIT, Rejections
from registry.today import london_today
from tests.factories import make_user, service_client

HEADER = "driver_ref,forenames,surname,date_of_birth\n"
BAD_ROWS = 2_500


def bad_drivers(n: int = BAD_ROWS) -> str:
    return HEADER + "".join(f"D{i},Stephen,Walker,not-a-date\n" for i in range(n))


def test_problems_come_out_in_file_and_line_order_and_are_counted_by_reason():
    spool = Rejections()
    spool.files = ["drivers.csv", "licences.csv"]
    spool.add("licences.csv", 2, "driver_ref", "The driver's row (line 9 of the drivers file)")
    spool.add("drivers.csv", 9, "surname", "Enter the surname")
    spool.add("drivers.csv", 3, "date_of_birth", "Not a date")
    spool.add("licences.csv", 5, "driver_ref", "The driver's row (line 3 of the drivers file)")
    expected = [
        ("drivers.csv", 3, "date_of_birth"),
        ("drivers.csv", 9, "surname"),
        ("licences.csv", 2, "driver_ref"),
        ("licences.csv", 5, "driver_ref"),
    ]
    assert [(p.file, p.line, p.field) for p in spool.ordered()] == expected
    assert [(p.file, p.line, p.field) for p in spool.first(2)] == expected[:2]
    counts = {(c.file, c.field, c.reason): c.rows for c in spool.counts()}
    assert (
        counts[("licences.csv", "driver_ref", "The driver's row (line N of the drivers file)")] == 2
    )


async def test_a_huge_bad_file_gets_a_capped_answer_and_the_whole_list_to_download(db_url, conn):
    rotherham = await make_user(conn, authority="Rotherham")
    sheffield = await make_user(conn, authority="Sheffield")
    async with service_client(db_url) as client:
        answer = await client.post(
            "/api/v1/imports",
            headers=rotherham["headers"],
            files={"drivers": ("drivers.csv", bad_drivers())},
        )
        assert answer.status_code == 422
        problem = answer.json()
        report = problem["report"]
        assert len(problem["errors"]) == len(report["rejected"]) == REPORT_LIMIT
        assert report["rejected_total"] == BAD_ROWS and report["drivers"]["rejected"] == BAD_ROWS
        assert report["rejected_counts"] == [
            {
                "file": "drivers.csv",
                "field": "date_of_birth",
                "reason": "The driver's date of birth must be a real date, written like N-N-N",
                "rows": BAD_ROWS,
            }
        ]
        assert report["rejected"][0]["line"] == 2
        link = report["rejected_list"]
        assert link in problem["detail"]
        assert await conn.fetchval("SELECT count(*) FROM driver") == 0

        download = await client.get(link, headers=rotherham["headers"])
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("text/csv")
        assert download.headers["cache-control"] == "no-store"
        rows = list(csv.DictReader(io.StringIO(download.text)))
        assert len(rows) == BAD_ROWS
        assert [int(r["line"]) for r in rows] == list(range(2, BAD_ROWS + 2))
        assert {r["field"] for r in rows} == {"date_of_birth"}
        assert "Walker" not in download.text  # never a row's values
        audited = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'export' AND subject = $1",
            "import_rejections:" + link.rsplit("/", 1)[1],
        )
        assert audited == 1

        # another authority's officer learns nothing, as for a list that does not exist
        refused = await client.get(link, headers=sheffield["headers"])
        assert refused.status_code == 404
        unknown = await client.get(
            "/api/v1/imports/rejections/00000000-0000-4000-8000-000000000000",
            headers=rotherham["headers"],
        )
        assert unknown.status_code == 404
        assert (await client.get(link)).status_code == 401


async def test_a_partial_import_keeps_the_list_of_the_rows_it_left_out(db_url, conn):
    officer = await make_user(conn, authority="Rotherham")
    text = HEADER + "G1,Amir,Khan,1980-02-03\n" + bad_drivers(3).removeprefix(HEADER)
    async with service_client(db_url) as client:
        answer = await client.post(
            "/api/v1/imports?partial=true",
            headers=officer["headers"],
            files={"drivers": ("drivers.csv", text)},
        )
        assert answer.status_code == 201, answer.text
        report = answer.json()
        assert report["drivers_created"] == 1 and report["rejected_total"] == 3
        download = await client.get(report["rejected_list"], headers=officer["headers"])
        assert [r["line"] for r in csv.DictReader(io.StringIO(download.text))] == ["3", "4", "5"]


async def test_an_imports_list_of_rejected_rows_is_removed_after_ninety_days(
    db_url, conn, owner_conn
):
    officer = await make_user(conn, authority="Rotherham")
    async with service_client(db_url) as client:
        links = []
        for _ in range(2):
            answer = await client.post(
                "/api/v1/imports",
                headers=officer["headers"],
                files={"drivers": ("drivers.csv", bad_drivers(3))},
            )
            links.append(answer.json()["report"]["rejected_list"])
        old = links[0].rsplit("/", 1)[1]
        await owner_conn.execute(
            "UPDATE import_rejection_list SET created_at = now() - interval '91 days'"
            " WHERE public_id = $1",
            old,
        )

        removed = await retention.purge_expired_records(conn, london_today())

        assert removed["import_rejection_list"] == 1
        assert (await client.get(links[0], headers=officer["headers"])).status_code == 404
        assert (await client.get(links[1], headers=officer["headers"])).status_code == 200
    left = await conn.fetchval("SELECT count(*) FROM import_rejection")
    assert left == 3  # the recent list's rows; the old list's went with it
