"""A council joins the register with its existing records: drivers, licences and decisions
from CSV files, every row checked, nothing half-loaded, known drivers linked not duplicated."""

import asyncio
import csv
import io
from datetime import date, timedelta

from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from licensing.app import create_app
from licensing.cli import main
from licensing.settings import load
from registry.actor import Actor, acting
from registry.drivers import DriverDetails, NameDetails
from registry.entries import EntryDetails
from registry.fields import Fields
from registry.identifiers import gb_licence_for
from registry.importer import Source, import_records
from registry.licences import LicenceDetails
from registry.today import london_today
from tests.factories import authority_id, make_driver, make_licence, make_user

TODAY = london_today()
START = TODAY - timedelta(days=200)
END = (
    START.replace(year=START.year + 3)
    if not (START.month == 2 and START.day == 29)
    else START.replace(year=START.year + 3, day=28)
)

DRIVERS = f"""driver_ref,forenames,surname,date_of_birth,sex,gb_licence_number,ni_number,postcode,home_authority
D1,Stephen,Walker,1980-05-17,M,{gb_licence_for("Walker", "Stephen", date(1980, 5, 17), "M")},AB123456C,S60 1AA,E08000018
D2,Sarah Jane,O'Neill,1975-11-02,F,,,,
D3,Imran,Hussain,1990-01-31,M,,CE654321A,,E08000001
"""

LICENCES = f"""driver_ref,licence_number,kind,status,granted_on,starts_on,expires_on,status_changed_on
D1,RB/001,private_hire,current,{START},{START},{END},
D2,RB/002,hackney_carriage,revoked,{START},{START},{END},{TODAY - timedelta(days=5)}
D3,RB/003,dual,current,{START},,{END},
"""

DECISIONS = f"""driver_ref,licence_number,decision,licence_kind,decided_on,categories,narrative
D2,RB/002,revoked,,{TODAY - timedelta(days=5)},sexual_offence;harm,Held on file
D3,,refused,private_hire,2019-06-01,road_safety,
"""


def source(name: str, text: str) -> Source:
    return Source(name=name, lines=io.StringIO(text, newline=""))


async def run(
    conn,
    text_drivers=DRIVERS,
    text_licences=LICENCES,
    text_decisions=DECISIONS,
    authority="Rotherham",
    partial=False,
):
    actor = Actor(user_id=None, authority_id=await authority_id(conn, authority))
    async with acting(conn, Actor(None, actor.authority_id)):
        return await import_records(
            conn,
            actor,
            drivers=source("drivers.csv", text_drivers),
            licences=source("licences.csv", text_licences) if text_licences else None,
            decisions=source("decisions.csv", text_decisions) if text_decisions else None,
            partial=partial,
        )


async def register_counts(conn) -> tuple:
    return tuple(
        await conn.fetchrow(
            "SELECT (SELECT count(*) FROM driver), (SELECT count(*) FROM driver_name),"
            " (SELECT count(*) FROM licence), (SELECT count(*) FROM licence_change),"
            " (SELECT count(*) FROM register_entry), (SELECT count(*) FROM register_event)"
        )
    )


async def test_a_council_imports_its_drivers_licences_and_decisions(conn):
    report = await run(conn)
    assert report.imported and report.rejected == []
    assert (report.drivers_created, report.licences_created, report.decisions_created) == (3, 3, 2)
    assert (report.drivers.accepted, report.licences.accepted, report.decisions.accepted) == (
        3,
        3,
        2,
    )
    walker = await conn.fetchrow("SELECT * FROM driver WHERE surname = 'Walker'")
    assert walker["ni_number"] == "AB123456C" and walker[
        "recorded_by_authority_id"
    ] == await authority_id(conn, "Rotherham")
    assert (
        await conn.fetchval("SELECT surname_key FROM driver_name WHERE surname = 'O''Neill'")
        == "ONEILL"
    )
    revoked = await conn.fetchrow("SELECT id, status FROM licence WHERE licence_number = 'RB/002'")
    assert revoked["status"] == "revoked"
    assert [
        r["action"]
        for r in await conn.fetch(
            "SELECT action FROM licence_change WHERE licence_id = $1 ORDER BY id", revoked["id"]
        )
    ] == ["granted", "revoked"]
    entry = await conn.fetchrow(
        "SELECT licence_id, licence_kind, categories FROM register_entry WHERE decision = 'revoked'"
    )
    assert (entry["licence_id"], entry["licence_kind"]) == (revoked["id"], "hackney_carriage")
    assert entry["categories"] == ["sexual_offence", "harm"]
    # history loaded on the first day says so, for the alert rules
    sources = await conn.fetch("SELECT DISTINCT detail->>'source' AS s FROM register_event")
    assert [r["s"] for r in sources] == ["import"]
    assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'import'") == 1


async def test_rejected_rows_are_reported_by_line_and_field_and_nothing_is_imported(conn):
    drivers = DRIVERS + "D4,,Brown,1988-02-30,X,,ZZ123456A,,E99\nD1,Ann,Dup,1970-01-01,F,,,,\n"
    licences = (
        LICENCES + f"D9,RB/009,private_hire,current,{START},,{END},\n"
        f"D3,RB/003,dual,current,{START},,{START.replace(year=START.year + 4)},\n"
    )
    before = await register_counts(conn)
    report = await run(conn, drivers, licences)
    assert not report.imported
    problems = {(p.file, p.line, p.field) for p in report.rejected}
    assert problems == {
        ("drivers.csv", 5, "forenames"),
        ("drivers.csv", 5, "date_of_birth"),
        ("drivers.csv", 5, "sex"),
        ("drivers.csv", 5, "ni_number"),
        ("drivers.csv", 5, "home_authority"),
        ("drivers.csv", 6, "driver_ref"),
        ("licences.csv", 5, "driver_ref"),
        ("licences.csv", 6, "licence_number"),
        ("licences.csv", 6, "expires_on"),
        ("licences.csv", 6, "status"),
    }
    assert report.drivers.rejected == 2 and report.licences.rejected == 2
    assert all("ZZ123456A" not in p.message and "Brown" not in p.message for p in report.rejected)
    assert await register_counts(conn) == before


async def test_with_partial_the_valid_rows_are_imported_and_dependants_of_rejected_rows_are_not(
    conn,
):
    drivers = DRIVERS.replace("D3,Imran,Hussain,1990-01-31", "D3,Imran,Hussain,1990-13-31")
    report = await run(conn, drivers, partial=True)
    assert report.imported
    assert (report.drivers_created, report.licences_created, report.decisions_created) == (2, 2, 1)
    assert {(p.file, p.field) for p in report.rejected} == {
        ("drivers.csv", "date_of_birth"),
        ("licences.csv", "driver_ref"),
        ("decisions.csv", "driver_ref"),
    }
    assert "line 4 of the drivers file" in report.rejected[1].message


async def test_a_driver_known_through_another_authority_is_linked_by_identifier_only(conn):
    number = gb_licence_for("Walker", "Stephen", date(1980, 5, 17), "M")
    known = await make_driver(
        conn, forenames="Steve", surname="Walker", recorded_by="Sheffield", gb_licence_number=number
    )
    same_name = await make_driver(
        conn,
        forenames="Sarah",
        surname="ONeill",
        sex="F",
        date_of_birth=date(1975, 11, 2),
        recorded_by="Wolverhampton",
    )
    report = await run(conn)
    assert report.imported
    # a name and date of birth alone never link: a new driver, with a warning
    assert (report.drivers_created, report.drivers_linked) == (2, 1)
    assert await conn.fetchval("SELECT count(*) FROM driver") == 4
    walker = await conn.fetchrow("SELECT ni_number, forenames FROM driver WHERE id = $1", known)
    assert walker["ni_number"] == "AB123456C"  # what the register lacked is filled in
    assert walker["forenames"] == "Steve"  # what another authority recorded is not changed
    names = await conn.fetch(
        "SELECT kind, forenames FROM driver_name WHERE driver_id = $1 ORDER BY id", known
    )
    assert [tuple(n) for n in names] == [("current", "Steve"), ("alias", "Stephen")]
    assert report.names_added == 1  # Stephen Walker
    licence = await conn.fetchval("SELECT driver_id FROM licence WHERE licence_number = 'RB/002'")
    assert licence not in (same_name, None)
    assert [(w.line, w.field) for w in report.warnings if "possible duplicate" in w.message] == [
        (3, "surname")
    ]


async def test_an_identifier_held_by_a_driver_born_on_another_day_rejects_the_row(conn):
    """Sheffield licensed Stephen Walker. A file from Rotherham carries his driving licence
    number beside another person's name and date of birth (a slip, or someone else's number):
    linked, that person's name would find Walker's record; the row is refused instead."""
    number = gb_licence_for("Walker", "Stephen", date(1980, 5, 17), "M")
    walker = await make_driver(
        conn,
        forenames="Stephen",
        surname="Walker",
        recorded_by="Sheffield",
        gb_licence_number=number,
    )
    drivers = DRIVERS.replace("D1,Stephen,Walker,1980-05-17", "D1,Daniel,Price,1984-02-09")
    report = await run(conn, drivers, partial=True)
    assert [(p.file, p.line, p.field) for p in report.rejected if p.file == "drivers.csv"] == [
        ("drivers.csv", 2, "date_of_birth")
    ]
    assert "another date of birth" in report.rejected[0].message
    assert "1980" not in report.rejected[0].message  # the register's date is not told
    names = await conn.fetch("SELECT forenames FROM driver_name WHERE driver_id = $1", walker)
    assert [n["forenames"] for n in names] == ["Stephen"]
    assert not await conn.fetchval("SELECT count(*) FROM driver_name WHERE surname = 'Price'")
    assert not await conn.fetchval(
        "SELECT count(*) FROM licence WHERE licence_number = 'RB/001'"
    )  # its licence row goes with it


async def test_former_and_other_names_in_the_file_are_recorded(conn):
    drivers = (
        "driver_ref,forenames,surname,date_of_birth,former_names,other_names\n"
        'D1,Sarah Jane,O\'Neill,1975-11-02,"Brown, Sarah Jane","ONeil, Sarah; Oneill, S"\n'
    )
    report = await run(conn, drivers, "", "")
    assert report.imported and report.names_added == 3
    names = await conn.fetch("SELECT kind, forenames, surname FROM driver_name ORDER BY id")
    assert [tuple(n) for n in names] == [
        ("current", "Sarah Jane", "O'Neill"),
        ("former", "Sarah Jane", "Brown"),
        ("alias", "Sarah", "ONeil"),
        ("alias", "S", "Oneill"),
    ]


async def test_former_names_not_written_surname_comma_forenames_are_rejected(conn):
    drivers = (
        "driver_ref,forenames,surname,date_of_birth,former_names\n"
        "D1,Sarah Jane,O'Neill,1975-11-02,Sarah Brown\n"
    )
    report = await run(conn, drivers, "", "")
    assert not report.imported
    assert [(p.line, p.field) for p in report.rejected] == [(2, "former_names")]


async def test_a_former_name_is_held_to_the_same_length_as_a_name_added_through_the_api(conn):
    long = "B" * 101
    drivers = one_row({**ONE_DRIVER, "former_names": f"{long}, Sarah Jane"})
    report = await run(conn, drivers, "", "")
    assert not report.imported
    api_says = what_the_register_says(NameDetails, "surname", long)
    assert [(p.field, p.message) for p in report.rejected] == [("former_names", api_says[0])]


async def test_identifiers_that_belong_to_two_drivers_reject_the_row(conn):
    await make_driver(
        conn,
        surname="Walker",
        gb_licence_number=gb_licence_for("Walker", "Stephen", date(1980, 5, 17), "M"),
    )
    await make_driver(conn, forenames="Other", surname="Person", ni_number="AB123456C")
    report = await run(conn)
    assert not report.imported
    assert next((p.file, p.line, p.field) for p in report.rejected) == (
        "drivers.csv",
        2,
        "gb_licence_number",
    )


async def test_a_licence_number_the_authority_already_has_is_rejected(conn):
    driver = await make_driver(conn, forenames="Ann", surname="Other")
    await make_licence(conn, driver, authority="Rotherham", number="RB/003")
    report = await run(conn)
    assert [(p.file, p.line, p.field) for p in report.rejected] == [
        ("licences.csv", 4, "licence_number")
    ]


async def test_a_file_with_a_missing_column_is_refused_before_any_row(conn):
    report = await run(conn, DRIVERS.replace("date_of_birth", "dob"))
    assert not report.imported
    assert {(p.line, p.field) for p in report.rejected} == {(1, "date_of_birth"), (1, "dob")}


async def test_the_import_command_loads_files_and_says_what_it_did(db_url, conn, tmp_path):
    for name, text in (
        ("drivers.csv", DRIVERS),
        ("licences.csv", LICENCES),
        ("decisions.csv", DECISIONS),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
    args = [
        "import",
        "--authority",
        "E08000018",
        "--drivers",
        str(tmp_path / "drivers.csv"),
        "--licences",
        str(tmp_path / "licences.csv"),
        "--decisions",
        str(tmp_path / "decisions.csv"),
    ]
    result = await asyncio.to_thread(CliRunner().invoke, main, args, env={"DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    assert "3 drivers created" in result.output
    assert await conn.fetchval("SELECT count(*) FROM licence") == 3
    (tmp_path / "bad.csv").write_text(DRIVERS + "D9,,,,\n", encoding="utf-8")
    bad = await asyncio.to_thread(
        CliRunner().invoke,
        main,
        ["import", "--authority", "E08000018", "--drivers", str(tmp_path / "bad.csv")],
        env={"DATABASE_URL": db_url},
    )
    assert bad.exit_code == 1
    assert "line 5, forenames" in bad.output and "nothing was imported" in bad.output


async def test_an_officer_imports_through_the_api(db_url, conn):
    officer = await make_user(conn, authority="Rotherham")
    app = create_app(load({"DATABASE_URL": db_url, "CROSSCHECK_SCHEDULER": "false"}))
    async with AsyncTestClient(app=app) as client:
        bad = await client.post(
            "/api/v1/imports",
            headers=officer["headers"],
            files={"drivers": ("drivers.csv", DRIVERS + "D9,X,Y,not-a-date\n")},
        )
        assert bad.status_code == 422
        assert bad.json()["errors"] == [
            {
                "field": "drivers.csv:5:date_of_birth",
                "message": "The driver's date of birth must be a real date, "
                "written like 2024-03-31",
            }
        ]
        assert await conn.fetchval("SELECT count(*) FROM driver") == 0
        headers = {**officer["headers"], "Idempotency-Key": "import-1"}
        files = {"drivers": ("drivers.csv", DRIVERS), "licences": ("licences.csv", LICENCES)}
        good = await client.post("/api/v1/imports", headers=headers, files=files)
        assert good.status_code == 201, good.text
        assert good.json()["drivers_created"] == 3 and good.json()["licences_created"] == 3
        again = await client.post("/api/v1/imports", headers=headers, files=files)
        assert again.json() == good.json()
        assert await conn.fetchval("SELECT count(*) FROM driver") == 3


def one_row(row: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row), lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue()


ONE_DRIVER = {"driver_ref": "D1", "forenames": "Stephen", "surname": "Walker"}
ONE_DRIVER["date_of_birth"] = "1980-05-17"
ONE_LICENCE = {"driver_ref": "D1", "licence_number": "RB/001", "kind": "private_hire"}
ONE_LICENCE |= {"granted_on": str(START), "expires_on": str(END)}
ONE_DECISION = {"driver_ref": "D1", "decision": "refused", "licence_kind": "private_hire"}
ONE_DECISION |= {"decided_on": str(TODAY - timedelta(days=5)), "categories": "road_safety"}


def tomorrow() -> str:
    """Tomorrow as the test runs (not as the file was collected, perhaps before midnight)."""
    return str(london_today() + timedelta(days=1))


# (file, the register's body for the same field, column, a value the register refuses)
SAME_MISTAKES = [
    ("drivers", DriverDetails, "forenames", "A" * 101),
    ("drivers", DriverDetails, "sex", "X"),
    ("drivers", DriverDetails, "date_of_birth", str(TODAY - timedelta(days=365 * 17))),
    ("drivers", DriverDetails, "gb_licence_number", "WALKE8"),
    ("drivers", DriverDetails, "address", "x" * 301),
    ("drivers", DriverDetails, "postcode", "S6"),
    ("licences", LicenceDetails, "licence_number", "L" * 41),
    ("licences", LicenceDetails, "kind", "taxi"),
    ("licences", LicenceDetails, "granted_on", tomorrow),
    ("licences", LicenceDetails, "starts_on", "2024-02-30"),
    ("decisions", EntryDetails, "decision", "banned"),
    ("decisions", EntryDetails, "licence_kind", "taxi"),
    ("decisions", EntryDetails, "decided_on", tomorrow),
    ("decisions", EntryDetails, "effective_on", "1899-12-31"),
    ("decisions", EntryDetails, "categories", "gossip"),
    ("decisions", EntryDetails, "narrative", "n" * 10_001),
]


def what_the_register_says(body: type, field: str, value: str) -> list[str]:
    fields = Fields()
    fields.read(body(**{field: value}))
    return [message for name, message in fields.errors if name == field]


async def test_a_file_is_refused_in_the_same_words_as_the_api_for_the_same_mistake(conn):
    """An officer who records by the API and imports a file with the same mistake in a
    column that is the same field (too long, not one of the codes, a future grant, a driver
    under 18, an impossible date) is told the same thing, naming the column."""
    rows = {"drivers": ONE_DRIVER, "licences": ONE_LICENCE, "decisions": ONE_DECISION}
    for file, body, column, value in SAME_MISTAKES:
        value = value() if callable(value) else value
        files = {name: one_row(row) for name, row in rows.items()}
        files[file] = one_row({**rows[file], column: value})
        report = await run(conn, files["drivers"], files["licences"], files["decisions"])
        said = [p.message for p in report.rejected if (p.file, p.field) == (f"{file}.csv", column)]
        assert said, f"{file}.csv {column} was not refused"
        assert said == what_the_register_says(body, column, value), column
    assert await conn.fetchval("SELECT count(*) FROM driver") == 0


async def test_a_licence_without_its_expiry_date_is_refused_not_given_three_years(conn):
    """The API and the pages take a blank expiry as 3 years after the start; a file is copied
    from the council's records, so a blank one is a gap in the export, not a term to guess."""
    licences = one_row({**ONE_LICENCE, "expires_on": ""})
    report = await run(conn, one_row(ONE_DRIVER), licences, "")
    assert not report.imported
    assert [(p.line, p.field, p.message) for p in report.rejected] == [
        (2, "expires_on", "Enter the date the licence expires")
    ]


async def test_the_faster_forename_tokens_agrees_with_the_original_definition(conn):
    # Migration 0003 rewrote forename_tokens in plpgsql for speed; this is 0001's definition.
    original = """
        SELECT coalesce(array_agg(k ORDER BY n), '{}')
        FROM unnest(regexp_split_to_array(trim(coalesce($1::text, '')), '[\\s\\-\\.]+')) WITH ORDINALITY AS t(w, n),
             LATERAL (SELECT name_key(w) AS k) AS key
        WHERE k <> ''"""
    for name in [
        "Stephen John",
        "Mary-Jane",
        "J.R.R.",
        "  ",
        "",
        None,
        "José  María",
        "D'Arcy",
        "Anne - Marie",
        "Ó Briain",
        "--",
        "Li.",
        "محمد",
        "Jean-Luc Émile",
    ]:
        assert await conn.fetchval("SELECT forename_tokens($1)", name) == await conn.fetchval(
            original, name
        ), name
