"""Work for an authority, made quickly: hundreds of sent alerts, requests to answer, concerns
awaiting a reply and licences about to expire (for the page and browser tests)."""

from __future__ import annotations

from datetime import timedelta

from alerts.rules import queue_all_new_alerts
from registry.today import london_today
from tests.factories import (
    authority_id,
    make_concern,
    make_driver,
    make_entry,
    make_licence,
    make_request,
)

# The same event again (one alert per event, recipient and kind), and an alert for each copy.
MANY_ALERTS = """
WITH original AS (
  SELECT a.recipient_authority_id, a.kind, e.kind AS event_kind, e.driver_id, e.authority_id,
         e.subject_id, e.detail
  FROM alert a JOIN register_event e ON e.id = a.event_id WHERE a.id = $1
), copies AS (
  INSERT INTO register_event (kind, driver_id, authority_id, subject_id, detail)
  SELECT event_kind, driver_id, authority_id, subject_id, detail
  FROM original, generate_series(1, $2)
  RETURNING id
), numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM copies)
INSERT INTO alert (event_id, recipient_authority_id, kind, status, sent_at, created_at)
SELECT c.id, o.recipient_authority_id, o.kind, 'sent',
       now() - c.n * interval '1 minute', now() - c.n * interval '1 minute'
FROM numbered c, original o
"""
FORGET_QUEUED = "DELETE FROM alert_event_queue"


async def sent_alerts(conn, home: str, count: int) -> list[int]:
    """`count` sent alerts to `home` (out-of-area licences), newest first."""
    driver = await make_driver(conn, forenames="Alya", recorded_by="Wolverhampton", home=home)
    await make_licence(conn, driver, authority="Wolverhampton")
    await queue_all_new_alerts(conn)
    first = await conn.fetchval(
        "UPDATE alert SET status = 'sent', sent_at = now() "
        "WHERE recipient_authority_id = $1 RETURNING id",
        await authority_id(conn, home),
    )
    await conn.execute(MANY_ALERTS, first, count - 1)
    await conn.execute(FORGET_QUEUED)  # the copies' alerts are made already
    return [
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM alert WHERE recipient_authority_id = $1 ORDER BY sent_at DESC, id DESC",
            await authority_id(conn, home),
        )
    ]


async def work_for(conn, authority: str) -> dict:
    """An overdue request and one due later to `authority`, a concern awaiting its reply and
    two of its licences expiring soon (and one later, which no list shows)."""
    today = london_today()
    driver = await make_driver(conn, forenames="Imran", recorded_by=authority, home=authority)
    entry = await make_entry(conn, driver, authority=authority)
    requests = [
        await make_request(
            conn,
            entry,
            requester="Leeds",
            case_reference=reference,
            requested_on=today - timedelta(days=asked),
            due_on=today + timedelta(days=due),
        )
        for reference, asked, due in (("LDS/OVERDUE/1", 40, -5), ("LDS/SOON/2", 3, 20))
    ]
    aware = today - timedelta(days=35)
    concern = await make_concern(
        conn,
        driver,
        reporter="Leeds",
        recipient=authority,
        categories=("road_safety",),
        became_aware_on=aware,
        reported_on=aware,
        report_due_on=aware + timedelta(days=20),
    )
    licences = []
    for number, days in (("EXP-SOON-1", 10), ("EXP-SOON-2", 45), ("EXP-LATER-3", 200)):
        holder = await make_driver(conn, forenames=number, recorded_by=authority, home=authority)
        licence = await make_licence(conn, holder, authority=authority, number=number)
        await conn.execute(
            "UPDATE licence SET expires_on = $2 WHERE id = $1", licence, today + timedelta(days)
        )
        licences.append(licence)
    return {"requests": requests, "concern": concern, "licences": licences}
