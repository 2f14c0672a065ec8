"""An officer's work: the home page's lists and counts, each list paged, filtered, sorted and
downloaded; the alerts page paged with its total and acknowledged several at a time."""

from __future__ import annotations

import re

from licensing.pages import render
from tests.factories import make_driver
from tests.pages.conftest import csrf_of, make_account, sign_in
from tests.worklist_support import sent_alerts, work_for


async def test_an_officer_pages_through_hundreds_of_alerts_with_the_total(client, conn):
    ids = await sent_alerts(conn, "Bolton", 120)
    await sign_in(client, await make_account(conn, authority="Bolton"))
    first = await client.get("/alerts")
    assert "Showing <strong>1</strong> to <strong>50</strong> of <strong>120</strong>" in first.text
    assert f'id="alert-{ids[0]}"' in first.text and f'id="alert-{ids[50]}"' not in first.text
    # the navigation counts the alerts not yet acknowledged
    assert re.search(r'Alerts <span class="app-count">120<', first.text)
    last = await client.get("/alerts?page=3")
    assert "Showing <strong>101</strong> to <strong>120</strong>" in last.text
    assert f'id="alert-{ids[-1]}"' in last.text
    oldest_first = await client.get("/alerts?sort=sent")
    assert oldest_first.text.index(f'id="alert-{ids[-1]}"') < oldest_first.text.index(
        f'id="alert-{ids[-2]}"'
    )
    none = await client.get("/alerts?kind=licence_revoked")
    assert "No alerts match" in none.text
    # an address that asks for nonsense gets the defaults, never an error
    assert (await client.get("/alerts?page=999&sort=x;drop&show=zz")).status_code == 200


async def test_an_officer_acknowledges_the_chosen_alerts_at_once(client, conn):
    ids = await sent_alerts(conn, "Bolton", 60)
    others = await sent_alerts(conn, "Leeds", 2)
    officer = await make_account(conn, authority="Bolton")
    await sign_in(client, officer)
    inbox = await client.get("/alerts?page=2")
    chosen = ids[50:53]
    done = await client.post(
        "/alerts/acknowledge",
        data={
            "csrf_token": csrf_of(inbox.text),
            "alert": [str(i) for i in chosen] + [str(others[0])],
            "back": "/alerts?page=2",
        },
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/alerts?page=2&done=acknowledged-many&count=3"
    assert "3 alerts have been acknowledged" in (await client.get(done.headers["location"])).text
    acknowledged = await conn.fetch(
        "SELECT id, acknowledged_by FROM alert WHERE acknowledged_at IS NOT NULL ORDER BY id"
    )
    assert {r["id"] for r in acknowledged} == set(chosen)  # never another authority's
    assert {r["acknowledged_by"] for r in acknowledged} == {officer["id"]}
    audited = await conn.fetch(
        "SELECT subject FROM audit_log WHERE action = 'alert_acknowledged' AND user_id = $1",
        officer["id"],
    )
    assert sorted(r["subject"] for r in audited) == sorted(f"alert:{i}" for i in chosen)
    assert "of <strong>57</strong> alerts" in (await client.get("/alerts")).text
    # without the form's token nothing happens
    forged = await client.post("/alerts/acknowledge", data={"alert": [str(ids[0])]})
    assert forged.status_code in (400, 403)
    nothing = await client.post("/alerts/acknowledge", data={"csrf_token": csrf_of(inbox.text)})
    assert nothing.headers["location"] == "/alerts?done=none"


async def test_the_alerts_download_has_the_filters_rows_and_is_logged(client, conn):
    await sent_alerts(conn, "Bolton", 70)
    officer = await make_account(conn, authority="Bolton")
    await sign_in(client, officer)
    response = await client.get("/alerts/export.csv?show=all")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "no-store" in response.headers["cache-control"]
    lines = response.text.strip().split("\r\n")
    assert lines[0].startswith("Alert,Kind,What happened,Sent") and len(lines) == 71
    assert "Alya" not in response.text  # no names in a download by default
    detail = await conn.fetchval(
        "SELECT detail FROM audit_log WHERE action = 'export' AND user_id = $1", officer["id"]
    )
    assert '"rows": 70' in detail and '"show": "all"' in detail


async def test_the_home_page_lists_the_officers_work_with_counts(client, conn):
    work = await work_for(conn, "Rotherham")
    await sign_in(client, await make_account(conn, authority="Rotherham"))
    home = await client.get("/")
    assert "Your work" in home.text
    assert re.search(r'id="count-requests">2 \(1 overdue\)', home.text)
    assert 'id="count-concerns">1<' in home.text and 'id="count-expiring">2<' in home.text
    assert "LDS/OVERDUE/1 from Leeds</a>: <strong" in home.text
    assert "EXP-SOON-1" in home.text and "EXP-LATER-3" not in home.text
    assert re.search(r'Information requests <span class="app-count">2<', home.text)

    requests = await client.get("/work/requests-due?show=overdue")
    assert "LDS/OVERDUE/1" in requests.text and "LDS/SOON/2" not in requests.text
    assert f'href="/requests/{work["requests"][0]}"' in requests.text
    concerns = await client.get("/work/concerns?show=road_safety")
    assert f'href="/concerns/{work["concern"]}"' in concerns.text and "Road safety" in concerns.text
    assert "No concerns match" in (await client.get("/work/concerns?show=harassment")).text

    soonest_first = (await client.get("/work/expiring")).text
    assert soonest_first.index("EXP-SOON-1") < soonest_first.index("EXP-SOON-2")
    assert 'aria-sort="ascending"' in soonest_first
    latest_first = (await client.get("/work/expiring?sort=-expires")).text
    assert latest_first.index("EXP-SOON-2") < latest_first.index("EXP-SOON-1")
    download = await client.get("/work/expiring/export.csv?show=month")
    assert "EXP-SOON-1" in download.text and "EXP-SOON-2" not in download.text
    assert (await client.get("/work/nothing")).status_code == 404


async def test_another_authoritys_work_is_not_listed(client, conn):
    await work_for(conn, "Rotherham")
    await sign_in(client, await make_account(conn, authority="Leeds"))
    assert "No licence expires" in (await client.get("/work/expiring")).text
    assert "No concerns are waiting" in (await client.get("/work/concerns")).text
    assert 'id="count-requests">0<' in (await client.get("/")).text


async def test_possible_duplicates_and_rescreening_matches_are_counted_for_the_officer(
    client, conn
):
    """Pairs not yet decided that touch one of the authority's records, re-screening's among
    them, show on the home page and beside "Possible duplicates" in the navigation; a pair
    between two other councils' records does not."""
    mine = [await make_driver(conn, forenames=f"Dup{i}", recorded_by="Rotherham") for i in range(3)]
    theirs = [await make_driver(conn, forenames=f"Oth{i}", recorded_by="Leeds") for i in range(3)]
    pairs = [(mine[0], theirs[0], "job"), (mine[1], theirs[1], "rescreen"),
             (theirs[2], mine[2], "import"), (theirs[0], theirs[1], "job")]  # fmt: skip
    for a, b, raised_by in pairs:
        await conn.execute(
            """INSERT INTO possible_duplicate (driver_a, driver_b, probability, weight, evidence,
                   raised_by) VALUES (least($1::bigint, $2), greatest($1::bigint, $2), 0.97, 11.5,
                   '[]', $3)""",
            a,
            b,
            raised_by,
        )
    await sign_in(client, await make_account(conn, authority="Rotherham"))
    home = (await client.get("/")).text
    assert 'id="count-duplicates">3 (1 from re-screening)<' in home
    assert re.search(r'Possible duplicates <span class="app-count">3<', home)
    search = (await client.get("/search")).text
    assert re.search(r'Possible duplicates <span class="app-count">3<', search)


NONCE = re.compile(r'nonce="([^"]+)"')


async def test_pages_drawn_in_a_kept_layout_read_as_pages_drawn_whole(client, conn, monkeypatch):
    """The alerts page (with a banner, the navigation's count, filtered, sorted, paged and
    empty), the home page and a work list read the same, byte for byte, whether their layout
    and the alerts page's body around its rows were kept from an earlier request or drawn
    whole; only the CSP nonce differs, and it is the one the header allows."""
    await sent_alerts(conn, "Bolton", 60)
    await work_for(conn, "Bolton")
    await sign_in(client, await make_account(conn, authority="Bolton"))
    paths = (
        "/alerts?page=2",
        "/alerts?done=acknowledged",
        "/alerts?show=all&sort=sent&page=3",
        "/alerts?kind=licence_revoked",
        "/",
        "/work/requests-due",
    )
    kept = {}
    for path in paths * 2:  # the second time round, every layout is a kept one
        response = await client.get(path)
        assert response.status_code == 200, path
        [nonce] = set(NONCE.findall(response.text))
        assert f"'nonce-{nonce}'" in response.headers["content-security-policy"]
        kept[path] = NONCE.sub("", response.text)
    monkeypatch.setattr(render, "KEEP_LAYOUTS", False)
    for path in paths:
        assert NONCE.sub("", (await client.get(path)).text) == kept[path], path
