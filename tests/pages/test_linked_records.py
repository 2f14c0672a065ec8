"""Linked records: once an officer confirms two records are one person, a search under either
name finds the person and shows the other record, and each record page shows both
histories. Nothing is deleted."""

from __future__ import annotations

from datetime import date

from tests.factories import make_driver, make_entry, make_licence
from tests.pages.conftest import make_account, sign_in

BORN = date(1979, 8, 14)


def search_url(forenames: str, surname: str) -> str:
    return (
        "/search?searched=yes&purpose=new_application&case_reference=R-1"
        f"&forenames={forenames}&surname={surname}"
        f"&date_of_birth-day={BORN.day}&date_of_birth-month={BORN.month}"
        f"&date_of_birth-year={BORN.year}"
    )


async def test_after_same_person_a_search_under_either_name_shows_both_records(client, conn):
    """Sheffield revoked Mohammed Khan; Rotherham licensed Muhammad Khan and confirmed they
    are the same man. An officer in Leeds searching either name sees the other record and,
    on either record, both histories."""
    khan = await make_driver(conn, forenames="Mohammed", surname="Khan", date_of_birth=BORN)
    await make_licence(conn, khan, authority="Sheffield", status="revoked")
    await make_entry(conn, khan, authority="Sheffield", decision="revoked")
    other = await make_driver(
        conn, forenames="Muhammad", surname="Khan", date_of_birth=BORN, recorded_by="Rotherham"
    )
    await make_licence(conn, other, authority="Rotherham")
    await conn.execute(
        "INSERT INTO possible_duplicate (driver_a, driver_b, probability, weight, evidence,"
        " raised_by, status, decided_at) VALUES ($1, $2, 0.97, 5.1, '[]', 'rescreen',"
        " 'same_person', now())",
        min(khan, other),
        max(khan, other),
    )
    await sign_in(client, await make_account(conn, authority="Leeds"))

    for forenames, found, shown in (
        ("Muhammad", other, khan),
        ("Mohammed", khan, other),
    ):
        results = await client.get(search_url(forenames, "Khan"))
        assert results.status_code == 200
        text = results.text
        assert "Also recorded as" in text
        assert f"/drivers/{found.public}" in text and f"/drivers/{shown.public}" in text

    page = await client.get(f"/drivers/{other.public}?purpose=new_application&case_reference=R-1")
    assert page.status_code == 200
    assert "The same person under other records" in page.text
    assert "Mohammed Khan" in page.text and f"/drivers/{khan.public}" in page.text
    assert "Revoked by Sheffield" in page.text  # the other record's history
    assert "Rotherham" in page.text  # this record's own licence
    # both records are still there with their histories
    assert await conn.fetchval("SELECT count(*) FROM driver WHERE surname = 'Khan'") == 2
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM licence WHERE driver_id = ANY($1::bigint[])", [khan, other]
        )
        == 2
    )
