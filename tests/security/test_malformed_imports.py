"""Attack story: an officer uploads malformed import files, hoping for a server error, a
half-imported register or an answer that repeats what the files hold.

Each upload is answered 4xx as problem+json naming the file (or the line and column), the
register's tables keep their rows (only the list of the rejected rows is kept, to download),
and no answer says back a value the files held.
"""

from __future__ import annotations

import pytest

from tests.factories import make_user, service_client
from tests.security.test_malformed_bodies import counts

HEADER = "driver_ref,forenames,surname,date_of_birth"
TYPED = "Typed-Ophelia"  # in a cell of every file: no answer may say it back
ROW = f"D1,{TYPED},Walker,1980-05-17"
# The list of an import's rejected rows is kept on purpose, for the officer to download
KEPT = {"import_rejection", "import_rejection_list"}

UPLOADS: dict[str, dict[str, bytes]] = {
    "invalid UTF-8": {"drivers": f"{HEADER}\nD1,{TYPED},W\xff\xfe,1980-05-17\n".encode("latin-1")},
    "UTF-16": {"drivers": f"{HEADER}\n{ROW}\n".encode("utf-16")},
    "NUL in a cell": {"drivers": f"{HEADER}\nD1,{TYPED},Wal\x00ker,1980-05-17\n".encode()},
    "a cell of 300,000 characters": {
        "drivers": f"{HEADER}\nD1,{TYPED},{'x' * 300_000},1980-05-17\n".encode()
    },
    "10,000 columns": {"drivers": f"{HEADER}\n{ROW}{',x' * 10_000}\n".encode()},
    "a quote never closed": {"drivers": f'{HEADER}\nD1,{TYPED},"Walker,1980-05-17\n'.encode()},
    "an unknown column": {"drivers": f"{HEADER},secret\n{ROW},{TYPED}\n".encode()},
    "no header": {"drivers": f"{ROW}\n".encode()},
    "dates 0000-00-00": {"drivers": f"{HEADER}\nD1,{TYPED},Walker,0000-00-00\n".encode()},
    "a gzip file": {"drivers": b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4},
    "an unknown file": {"drivers": f"{HEADER}\n{ROW}\n".encode(), "passwords": TYPED.encode()},
    "no drivers file": {"licences": f"driver_ref,licence_number\nD1,{TYPED}\n".encode()},
    "a licence of no driver": {
        "drivers": f"{HEADER}\n{ROW}\n".encode(),
        "licences": f"driver_ref,licence_number,kind,status,granted_on,starts_on,expires_on\n"
        f"D9,{TYPED},dual,current,2024-05-01,2024-05-01,2027-04-30\n".encode(),
    },
}


@pytest.mark.parametrize("name", list(UPLOADS))
async def test_a_malformed_import_is_refused_naming_its_file_and_imports_nothing(
    db_url, conn, name
):
    officer = await make_user(conn, authority="Rotherham")
    before = {t: n for t, n in (await counts(conn)).items() if t not in KEPT}
    files = {part: (f"{part}.csv", content, "text/csv") for part, content in UPLOADS[name].items()}
    async with service_client(db_url) as client:
        answer = await client.post("/api/v1/imports", files=files, headers=officer["headers"])
    after = {t: n for t, n in (await counts(conn)).items() if t not in KEPT}

    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    assert answer.headers["content-type"].startswith("application/problem+json")
    named = [e["field"] for e in answer.json().get("errors", [])]
    assert named and all(named), answer.text[:300]
    assert TYPED not in answer.text
    assert after == before
