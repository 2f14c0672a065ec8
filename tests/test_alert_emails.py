"""Every kind of alert email (each kind the alert table's check constraint allows) as a council mailbox reads it, for the SMTP path (plain text and
HTML) and the GOV.UK Notify path (its template's placeholders in Notify's formatting): the
subject says what needs action and by when, each item says what to do, and no name or date
of birth travels unless the authority chose an identity line."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from alerts.compose import DPO_KINDS, Recipient, compose, load_views, long_date
from alerts.email_body import NOTIFY_TEMPLATE
from alerts.rules import queue_all_new_alerts, queue_request_reminders, queue_rescreen_alerts
from registry import audit_log
from registry.actor import Actor, acting
from registry.drivers import DriverChanges, amend_driver
from registry.rescreen import Match
from registry.today import london_today
from tests.factories import (
    authority_id,
    make_concern,
    make_driver,
    make_entry,
    make_licence,
    make_request,
    make_user,
)

BASE = "https://crosscheck.test"
KINDS = (
    "out_of_area_licence",
    "register_decision",
    "licence_suspended",
    "licence_revoked",
    "decision_changed",
    "safeguarding_concern",
    "information_request",
    "request_due_soon",
    "request_overdue",
    "resident_moved",
    "rescreen_match",
    "identity_changed",
    "access_flagged",
)
PERSONAL = ("Stephen", "Steven", "Walker", "17 May 1980", "1980", "WALKE805170S99AB")
EVIDENCE = '[{"words": "Date of birth the same", "weight": 4.2}, {"words": "Surname the same", "weight": 3.1}]'


async def request_for(conn, driver: int, requested_on: date, reference: str) -> int:
    entry = await make_entry(conn, driver, authority="Sheffield")
    return await make_request(
        conn, entry, requester="Leeds", case_reference=reference, requested_on=requested_on
    )


async def rescreen_match(conn, driver: int) -> None:
    """Steven Walker, the same date of birth, revoked by Leeds under another record: the
    re-screening pair, told to Wolverhampton (which licenses Stephen)."""
    other = await make_driver(conn, forenames="Steven", recorded_by="Leeds")
    await make_entry(conn, other, authority="Leeds", decision="revoked")
    pair = await conn.fetchval(
        """INSERT INTO possible_duplicate (driver_a, driver_b, probability, weight, evidence,
                                           raised_by)
           VALUES ($1, $2, 0.93, 7.3, $3::jsonb, 'rescreen') RETURNING id""",
        min(driver, other),
        max(driver, other),
        EVIDENCE,
    )
    wolverhampton = await authority_id(conn, "Wolverhampton")
    async with acting(conn, Actor(None, None)):
        await queue_rescreen_alerts(conn, [Match(driver, other, wolverhampton, 0.93, pair)])


async def identity_changed(conn, driver: int) -> None:
    """Wolverhampton (which licenses Stephen) changes his GB driving licence number."""
    user = await make_user(conn, authority="Wolverhampton")
    actor = Actor(user["id"], user["authority_id"])
    async with acting(conn, actor):
        await amend_driver(conn, actor, driver, DriverChanges(gb_licence_number="WALKE805170S99AB"))


async def access_flagged(conn) -> None:
    """A Bolton officer opened a record none of their searches returned: Bolton's DPO is told."""
    officer = await make_user(conn, authority="Bolton")
    actor = Actor(officer["id"], officer["authority_id"])
    async with acting(conn, actor):
        await audit_log.flag(
            conn, action="unexplained_open", user_id=actor.user_id, authority_id=actor.authority_id
        )


async def every_kind_of_alert(conn) -> dict[str, int]:
    """One alert of each kind about Stephen Walker, born 17 May 1980: {kind: alert id}."""
    today = london_today()
    driver = await make_driver(conn, recorded_by="Wolverhampton", home="Bolton")
    suspended = await make_licence(conn, driver, authority="Wolverhampton")
    revoked = await make_licence(conn, driver, authority="Leeds")
    entry = await make_entry(conn, driver, authority="Sheffield", decision="refused")
    for licence, action in ((suspended, "suspended"), (revoked, "revoked")):
        await conn.execute("UPDATE licence SET status = $2 WHERE id = $1", licence, action)
        await conn.execute(
            "INSERT INTO licence_change (licence_id, action, effective_on) "
            "VALUES ($1, $2, current_date)",
            licence,
            action,
        )
    await conn.execute(
        "UPDATE register_entry SET status = 'appeal_allowed', status_changed_on = current_date "
        "WHERE id = $1",
        entry,
    )
    await conn.execute(
        "INSERT INTO register_entry_change (entry_id, status, changed_on) "
        "VALUES ($1, 'appeal_allowed', current_date)",
        entry,
    )
    await make_concern(conn, driver, reporter="Bolton", recipient="Wolverhampton")
    await request_for(conn, driver, today - timedelta(days=60), "LEEDS/OLD/1")
    # due in a few working days: add_working_days(requested_on, 20) lands just ahead of today
    await request_for(conn, driver, today - timedelta(days=25), "LEEDS/NEW/2")
    await conn.execute(
        "UPDATE driver SET home_authority_id = $2 WHERE id = $1",
        driver,
        await authority_id(conn, "Rotherham"),
    )
    await identity_changed(conn, driver)
    await queue_all_new_alerts(conn)
    await queue_request_reminders(conn, today)
    await rescreen_match(conn, driver)
    await access_flagged(conn)
    rows = await conn.fetch("SELECT kind, min(id) AS id FROM alert GROUP BY kind")
    found = {r["kind"]: r["id"] for r in rows}
    assert set(found) == set(KINDS)
    return found


async def email_for(conn, alert_ids: list[int], *, notify: bool):
    views = await load_views(conn, alert_ids, BASE)
    recipient = Recipient(views[0].recipient_authority_id, "Bolton", "x@bolton.gov.uk", views)
    return views, compose(recipient, BASE, "<m@test>", notify=notify)


def bodies(email) -> list[str]:
    if email.personalisation:
        return list(email.personalisation.values())
    return [email.text, email.html]


def template_placeholders() -> set[str]:
    return set(re.findall(r"\(\(([^()]+)\)\)", NOTIFY_TEMPLATE.read_text()))


NOTIFY_LINE = re.compile(r"^(# |## |\^ |\* |Sign in to see the record: |Acknowledge this alert: )")


@pytest.mark.parametrize("notify", [False, True], ids=["smtp", "notify"])
async def test_each_alert_email_says_what_to_do_and_by_when_and_names_nobody(conn, notify):
    alerts = await every_kind_of_alert(conn)
    for kind, alert_id in alerts.items():
        [view], email = await email_for(conn, [alert_id], notify=notify)
        assert email.subject.endswith("(Crosscheck, Bolton)")
        for body in bodies(email):
            for personal in PERSONAL:
                assert personal not in body, (kind, personal)
        text = "\n".join(bodies(email))
        assert "What to do: " in text
        assert "sign in to Crosscheck to see" in text
        assert f"A{alert_id}" in text
        # the data protection officer's alert leads to the flagged audit entries instead
        acknowledge = (
            "/audit?flagged=yes" if kind == "access_flagged" else f"/alerts/{alert_id}/acknowledge"
        )
        assert view.acknowledge_url == BASE + acknowledge
        assert view.acknowledge_url in text
        assert view.record_url in text
        if kind.startswith(("request", "information")):
            # the deadline in the subject and in the item
            assert long_date(view.due_on) in email.subject
            assert f"Answer due by (20 working days): {long_date(view.due_on)}" in text
            assert "information request" in email.subject
        if kind in ("register_decision", "decision_changed") or kind.startswith(
            ("request", "information")
        ):
            entry = await conn.fetchval(
                "SELECT coalesce(r.entry_id, e.subject_id) FROM alert a "
                "JOIN register_event e ON e.id = a.event_id "
                "LEFT JOIN information_request r ON r.id = a.request_id WHERE a.id = $1",
                alert_id,
            )
            assert f"Register entry number: E{entry}" in text
        if notify:
            assert set(email.personalisation) == template_placeholders()
            assert email.personalisation["subject"] == email.subject
            for line in email.personalisation["alerts"].splitlines():
                assert not line or NOTIFY_LINE.match(line), line
            assert "<" not in email.personalisation["alerts"]
            assert f"^ What to do: {view.note}" in email.personalisation["alerts"]
        else:
            assert "<h3" in email.html and "What to do:" in email.html
            assert not email.personalisation


async def test_the_subject_leads_with_the_most_pressing_item_and_its_deadline(conn):
    alerts = await every_kind_of_alert(conn)
    overdue = (await load_views(conn, [alerts["request_overdue"]], BASE))[0]
    # the licensing team's email: the data protection officer's alert goes to the DPO alone
    officers = [alert for kind, alert in alerts.items() if kind not in DPO_KINDS]
    _, email = await email_for(conn, officers, notify=False)
    assert email.subject == (
        f"Overdue since {long_date(overdue.due_on)}: answer an information request from Leeds, "
        "and 11 other alerts (Crosscheck, Bolton)"
    )
    assert email.text.index("Safeguarding concerns") < email.text.index("Your residents")
    assert "12 alerts: 10 need action. The earliest deadline is" in email.text

    _, concern = await email_for(conn, [alerts["safeguarding_concern"]], notify=False)
    assert concern.subject.startswith("Action needed: safeguarding concern (s.5) from Bolton")
    _, info = await email_for(conn, [alerts["out_of_area_licence"]], notify=True)
    assert info.subject.startswith("For information: Licence granted")
    assert "no action is needed" in info.personalisation["summary"]


@pytest.mark.parametrize("notify", [False, True], ids=["smtp", "notify"])
async def test_an_authority_that_chose_it_gets_one_identity_line(conn, notify):
    alerts = await every_kind_of_alert(conn)
    await conn.execute("UPDATE authority SET alert_identity = true")
    _, email = await email_for(conn, [alerts["register_decision"]], notify=notify)
    text = "\n".join(bodies(email))
    assert "Driver: Stephen Walker, born 17 May 1980" in text
    assert "This email holds personal data" in text
    assert "Stephen" not in email.subject


async def test_signed_in_pages_still_show_who_an_alert_is_about(conn):
    alerts = await every_kind_of_alert(conn)
    [view] = await load_views(conn, [alerts["out_of_area_licence"]], BASE, signed_in=True)
    assert ("Driver", "Stephen Walker") in view.facts
    assert ("Date of birth", "17 May 1980") in view.facts
