"""Alerts: an authority's inbox and acknowledging alerts; for administrators, the alerts that
could not be delivered (to resend) and, in the demo, the local mailbox."""

from __future__ import annotations

from datetime import date

from asyncpg import Record
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from markupsafe import Markup

from alerts import dead, outbox
from alerts import inbox as received_alerts
from alerts.compose import ALERT_VIEWS, describe, load_views
from alerts.mailbox import list_messages
from licensing import auth
from licensing.auth import actor_of
from licensing.pages.forms import read_form
from licensing.pages.render import ENV, Conn, Kept, page, redirect
from licensing.pages.work import OWN_COUNTS, ListView, export, set_nav_counts
from registry import entries, worklists
from registry.actor import audit_view
from registry.authorities import name_of
from registry.today import london_today

MAX_ID = 2**63 - 1


async def _authority_name(conn, request: Request) -> str | None:
    return await name_of(conn, request.user.authority_id)


BANNERS = {
    "acknowledged": "The alert has been acknowledged.",
    "none": "Choose at least one alert to acknowledge.",
}


def _alerts_view(request: Request) -> ListView:
    return ListView(worklists.ALERTS, request, "/alerts")


# Each row of the alerts table as HTML, kept by everything it is drawn from: the list's row
# (the acknowledgement too), the alert as ALERT_VIEWS reads it (what the driver's record says
# now) and today's date (deadlines count from it); any change makes another key. Paging
# through an authority's alerts describes and draws each row once.
ROW_TEMPLATE = ENV.get_template("_alert_row.html")
_rows = Kept(5_000)


def row_html(row: dict, record: Record | None, today: date) -> str:
    def draw() -> str:
        alert = describe(record, "", today, signed_in=True) if record else None
        return ROW_TEMPLATE.render(row=row, alert=alert)

    key = (tuple(row.values()), tuple(record.values()) if record else None, today)
    return _rows.get(key, draw)


async def rows_html(conn, rows: list[dict]) -> Markup:
    """The page's rows, each described as the signed-in pages show alerts (with the driver's
    name and date of birth)."""
    today = london_today()
    records = {r["id"]: r for r in await conn.fetch(ALERT_VIEWS, [r["id"] for r in rows], True)}
    return Markup("".join(row_html(row, records.get(row["id"]), today) for row in rows))


def _count(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


@get("/alerts", guards=[auth.officer], opt=OWN_COUNTS)
async def inbox(request: Request, conn: Conn) -> Response:
    """The authority's alerts, 50 a page with the total, newest first; filtered by whether
    they are acknowledged and by kind; several acknowledged at once."""
    authority_name = await set_nav_counts(request, conn)
    view = _alerts_view(request)
    found = await worklists.list_page(
        conn, worklists.ALERTS, request.user.authority_id, view.filters, view.sort, view.page_number
    )
    any_new = any(row["acknowledged_at"] is None for row in found.rows)
    await audit_view(conn, actor_of(request), "alerts", detail={"count": len(found.rows)})
    done = request.query_params.get("done") or ""
    count = _count(request.query_params.get("count"))
    banner = BANNERS.get(done)
    if done == "acknowledged-many" and count is not None:
        banner = f"{count:,} {'alert has' if count == 1 else 'alerts have'} been acknowledged."
    return page(
        "alerts.html",
        request,
        title="Alerts",
        found=found,
        rows_html=await rows_html(conn, found.rows),
        any_new=any_new,
        # everything the page's body shows but its rows: the body is kept by it
        body_key=(
            view.query(page=found.page),
            found.total,
            len(found.rows),
            any_new,
            authority_name,
        ),
        view=view,
        authority_name=authority_name,
        banner=banner,
    )


@post("/alerts/acknowledge", guards=[auth.officer])
async def acknowledge_chosen(request: Request, conn: Conn) -> Response:
    """Acknowledge every alert ticked on the page, in one go (audited, one row each)."""
    form = await read_form(request)
    ids = [int(v) for v in form.getall("alert") if v.isdigit() and 0 < int(v) <= MAX_ID]
    back = form.get("back")
    back = back if back.startswith("/alerts") and not back.startswith("//") else "/alerts"
    back += "&" if "?" in back else "?"
    if not ids:
        return redirect(back + "done=none")
    count = await outbox.acknowledge_many(conn, actor_of(request), ids[:500])
    return redirect(back + f"done=acknowledged-many&count={count}")


@get("/alerts/export.csv", guards=[auth.officer])
async def alerts_csv(request: Request, conn: Conn) -> Response:
    """The alerts the filter shows as a CSV download (audited)."""
    view = _alerts_view(request)
    rows = await worklists.all_rows(
        conn, worklists.ALERTS, request.user.authority_id, view.filters, view.sort
    )
    views = {v.id: v for v in await load_views(conn, [r["id"] for r in rows], "", signed_in=False)}
    for row in rows:
        if described := views.get(row["id"]):
            row["title"] = described.title
    return await export(request, conn, worklists.ALERTS, view, rows)


@get("/alerts/{alert_id:int}/acknowledge", guards=[auth.officer])
async def acknowledge_form(request: Request, conn: Conn, alert_id: FromPath[int]) -> Response:
    """Where the link in an alert email leads: the alert, and a button to acknowledge it."""
    alert = await received_alerts.received_one(conn, request.user.authority_id, alert_id)
    await audit_view(conn, actor_of(request), f"alert:{alert.id}")
    return page(
        "alert_acknowledge.html",
        request,
        title=alert.title,
        alert=alert,
        authority_name=await _authority_name(conn, request),
    )


@post("/alerts/{alert_id:int}/acknowledge", guards=[auth.officer])
async def acknowledge(request: Request, conn: Conn, alert_id: FromPath[int]) -> Response:
    await read_form(request)
    await received_alerts.acknowledge(conn, actor_of(request), alert_id)
    return redirect("/alerts?done=acknowledged")


@get("/entries/{entry_id:int}", guards=[auth.officer])
async def entry(request: Request, conn: Conn, entry_id: FromPath[int]) -> Response:
    """Where an alert about a register decision links: the driver's record (from the alerts
    page, with the alert, so the record offers a fitting purpose). The same 404 for an entry
    the officer's authority neither recorded nor was alerted about as for none."""
    known = 0 < entry_id <= MAX_ID
    driver_id = (
        await entries.driver_of(conn, entry_id, request.user.authority_id) if known else None
    )
    if driver_id is None:
        raise NotFoundException()
    alert = request.query_params.get("alert") or ""
    return redirect(f"/drivers/{driver_id}" + (f"?alert={alert}" if alert.isdigit() else ""))


# Administration -------------------------------------------------------------------------------


def _int_param(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


@get("/admin/dead-alerts", guards=[auth.admin])
async def dead_alerts(request: Request, conn: Conn) -> Response:
    """Dead alerts, newest first, a page of 200 at a time with the total; filtered by
    recipient authority; resent one by one or all those the filter shows at once."""
    done = request.query_params.get("done")
    banner = None
    if done == "resent":
        banner = "The alert is back in the queue and will be sent again shortly."
    elif done == "resent-all":
        count = _int_param(request.query_params.get("count")) or 0
        banner = f"{count} alerts are back in the queue and will be sent again shortly."
    authority_id = _int_param(request.query_params.get("authority"))
    page_number = max(1, _int_param(request.query_params.get("page")) or 1)
    total = await outbox.count_dead(conn, authority_id=authority_id)
    pages = max(1, -(-total // dead.PAGE_SIZE))
    page_number = min(page_number, pages)
    return page(
        "admin_dead_alerts.html",
        request,
        title="Alerts that could not be delivered",
        alerts=await dead.page_of(conn, authority_id, page_number),
        total=total,
        page_number=page_number,
        pages=pages,
        authority_id=authority_id,
        recipients=await outbox.dead_recipients(conn),
        banner=banner,
    )


@post("/admin/dead-alerts/resend", guards=[auth.admin])
async def resend_all(request: Request, conn: Conn) -> Response:
    """Resend every dead alert the page's filter shows (all of them, or one authority's)."""
    form = await read_form(request)
    authority_id = _int_param(form.get("authority"))
    count = await outbox.resend_dead(conn, actor_of(request), authority_id=authority_id)
    return redirect(f"/admin/dead-alerts?done=resent-all&count={count}")


@post("/admin/dead-alerts/{alert_id:int}/resend", guards=[auth.admin])
async def resend(request: Request, conn: Conn, alert_id: FromPath[int]) -> Response:
    await read_form(request)
    await dead.resend(conn, actor_of(request), alert_id)
    return redirect("/admin/dead-alerts?done=resent")


# Everyone signed in may read it, in the demo only (synthetic people): alert emails carry no
# personal data unless an authority chose the identity line.
@get("/demo/mailbox", guards=[auth.signed_in], opt=auth.NO_PERSONAL_DATA)
async def demo_mailbox(request: Request, conn: Conn) -> Response:
    """The demo's local mailbox, where alert emails land instead of councils' inboxes."""
    if not request.app.state.settings.demo_mailbox:
        raise NotFoundException()
    return page(
        "demo_mailbox.html", request, title="Demo mailbox", messages=await list_messages(conn, 50)
    )
