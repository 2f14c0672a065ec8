"""The demo's register has a recent past: searches before most grants (so DfT's "searched
first" figures vary by authority rather than reading 0.0%), and the last months as register
events that the alert rules turn into alerts; open requests, unanswered concerns and licences
near expiry come from the seed."""

from __future__ import annotations

from alerts.rules import queue_all_new_alerts
from licensing.db import connect
from registry.synthetic.activity import add_demo_activity
from registry.synthetic.seed import seed
from tests.conftest import new_database


async def test_a_seeded_demo_register_gets_searches_events_and_alerts_once(cluster, template_url):
    url = await new_database(cluster, template_url)
    conn = await connect(url, as_app=False)
    try:
        await seed(conn, drivers=1_500, seed=7, worker=False)
        added = await add_demo_activity(conn)
        assert added["searches"] > 100 and added["events"] > 10
        shares = await conn.fetch(
            """SELECT authority_id, avg(searched::int) AS share FROM grant_check
               WHERE effective_on >= current_date - 700 GROUP BY authority_id
               HAVING count(*) >= 20"""
        )
        overall = sum(r["share"] for r in shares) / len(shares)
        assert 0.5 < overall < 0.99
        assert max(r["share"] for r in shares) - min(r["share"] for r in shares) > 0.1
        queued = await queue_all_new_alerts(conn, limit=100_000)
        assert queued.alerts > 0
        assert await conn.fetchval("SELECT count(*) FROM alert") > 0
        # once only
        assert await add_demo_activity(conn) is None
        # work for officers: open requests, concerns awaiting a reply, licences expiring soon
        assert await conn.fetchval(
            "SELECT count(*) FROM licence WHERE status = 'current' "
            "AND expires_on BETWEEN current_date AND current_date + 60"
        )
        assert await conn.fetchval("SELECT count(*) FROM information_request WHERE status = 'open'")
    finally:
        await conn.close()
