"""The register's today: London's date, for England and Wales, whatever the machine's zone.

Python's date.today() follows the machine (UTC on the servers) and SQL's CURRENT_DATE follows
the session (UTC too); from late March to late October London is a day ahead of both between
23:00 and midnight UTC. Every "today" in the service is london_today(); SQL is handed it as a
parameter or writes (now() AT TIME ZONE 'Europe/London')::date.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    """The moment in London: the one clock the service reads its date from (tests replace it)."""
    return datetime.now(LONDON)


def london_today(at: datetime | None = None) -> date:
    """London's date at `at` (a zone-aware moment), or now."""
    return (at or now()).astimezone(LONDON).date()


# The same day inside a statement that has no today parameter (the sessions stay in UTC).
LONDON_TODAY_SQL = "(now() AT TIME ZONE 'Europe/London')::date"
