"""The set-based statements the figures come from, one or two per table (the statutory numbers, 90
days, 20 and 10 working days, are written in them).
"""

from __future__ import annotations

# $-parameters are dates, the bank holidays as a date array, and `only`: an array holding
# the one authority whose figures are wanted, or NULL for all of them (rows for authorities
# that are not listed are then ignored in Python; a filter on a 286-long array would cost
# more than the rows it saves). REQUESTS and ALERTS always take the listed authorities,
# since their national medians must cover exactly those. Moments are compared with the
# period's dates taken as whole days in Europe/London.

# Every authority that licenses drivers, unless abolished before the period began. (Not
# filtered on valid_from: a recoded authority, like Sheffield in 2025, existed before under
# its former code.)
LISTED_AUTHORITIES = """
SELECT id, code, name, nation, region FROM authority
WHERE licenses_drivers AND (valid_to IS NULL OR valid_to > $1)
ORDER BY code
"""

# Licensed drivers at the snapshot ($1), counted per pair of licensing authority and home
# authority (Python adds them up). A licence counts when it was first granted on or before
# the snapshot (granted_on: a licence renewed since, whose current term starts later, counts
# from its first grant), expires on or after it (expires_on is the last valid day), and had
# not been revoked or surrendered by then: its last revocation or surrender on or before the
# snapshot was not followed by a reinstatement. A licence marked revoked or surrendered with
# no such history row counts as ended on the day it was last updated. A driver counts once
# per authority: a dual licence, or both a hackney carriage and a private hire licence there,
# makes a dual driver (kinds: 1 hackney carriage, 2 private hire, 3 dual). Rows with no
# licensing authority carry residents_away: per home authority, the drivers licensed by at
# least one other authority, each counted once however many license them.
# Written to stream: licences in (driver, authority) order from licence_by_driver merge with
# drivers from driver_home, so grouping needs neither a sort nor a hash of a million rows.
# Drivers $3 to $4 (ids): two connections can each count a share of the drivers.
LICENSED_AT_SNAPSHOT = """
WITH ended AS (
    SELECT c.licence_id FROM licence_change c
    WHERE c.action IN ('revoked', 'surrendered') AND c.effective_on <= $1
      AND NOT EXISTS (SELECT FROM licence_change r
                      WHERE r.licence_id = c.licence_id AND r.action = 'reinstated'
                        AND r.effective_on <= $1 AND (r.effective_on, r.id) > (c.effective_on, c.id))
),
pairs AS (
    SELECT l.driver_id, l.authority_id, min(d.home_authority_id) AS home,
           bit_or(CASE l.kind WHEN 'hackney_carriage' THEN 1 WHEN 'private_hire' THEN 2 ELSE 3 END) AS kinds
    FROM licence l JOIN driver d ON d.id = l.driver_id
    WHERE l.granted_on <= $1 AND l.expires_on >= $1
      AND l.driver_id BETWEEN $3 AND $4 AND d.id BETWEEN $3 AND $4
      AND ($2::int[] IS NULL OR l.authority_id = ANY($2::int[]) OR d.home_authority_id = ANY($2::int[]))
      AND l.id NOT IN (SELECT licence_id FROM ended)
      AND NOT (l.status IN ('revoked', 'surrendered')
               AND l.updated_at < ($1::date + 1)::timestamp AT TIME ZONE 'Europe/London'
               AND l.id NOT IN (SELECT licence_id FROM licence_change
                                WHERE action IN ('revoked', 'surrendered')))
    GROUP BY l.driver_id, l.authority_id
    ORDER BY l.driver_id, l.authority_id  -- keeps the streaming plan (a hash of a million
                                          -- pairs costs twice as much, with work_mem 64MB)
),
counted AS (
    SELECT authority_id, home,
           count(*) FILTER (WHERE kinds = 1) AS hackney_carriage,
           count(*) FILTER (WHERE kinds = 2) AS private_hire,
           count(*) FILTER (WHERE kinds = 3) AS dual
    FROM pairs
    GROUP BY home, authority_id
)
SELECT authority_id, home, hackney_carriage, private_hire, dual, 0::bigint AS residents_away
FROM counted
UNION ALL
SELECT NULL, home, 0, 0, 0, count(DISTINCT driver_id)
FROM pairs WHERE home <> authority_id
GROUP BY home
"""

LAST_DRIVER = "SELECT coalesce(max(id), 0) FROM driver"

# Grants and renewals in the period ($1..$2), and how many followed a register search for
# that driver by that authority (a search no earlier than 90 days before the licence change's
# effective date and no later than the moment it was recorded). That check is made when the
# change is recorded and kept in grant_check (migrations/0005_compliance.sql).
GRANTS_AND_SEARCHES = """
SELECT authority_id,
       count(*) FILTER (WHERE action = 'granted') AS granted,
       count(*) FILTER (WHERE action = 'renewed') AS renewed,
       count(*) FILTER (WHERE searched) AS after_search
FROM grant_check
WHERE effective_on BETWEEN $1 AND $2 AND ($3::int[] IS NULL OR authority_id = ANY($3::int[]))
GROUP BY authority_id
"""

# Searches made in the period: distinct search ids among the rows a search wrote. The row
# that links a driver recorded afterwards to an earlier search (detail
# recorded_after_search) is not a search of its own.
SEARCHES_MADE = """
SELECT authority_id, count(DISTINCT search_id) AS searches FROM audit_log
WHERE action = 'search' AND NOT (detail ? 'recorded_after_search')
  AND at >= $1::timestamp AT TIME ZONE 'Europe/London'
  AND at < ($2::date + 1)::timestamp AT TIME ZONE 'Europe/London'
  AND ($3::int[] IS NULL OR authority_id = ANY($3::int[]))
GROUP BY authority_id
"""

ENTRIES_MADE = """
SELECT authority_id, count(*) AS entries FROM register_entry
WHERE first_entered_on BETWEEN $1 AND $2 AND ($3::int[] IS NULL OR authority_id = ANY($3::int[]))
GROUP BY authority_id
"""

# Alerts sent to an authority in the period, how many it acknowledged, and the median time
# from sending to acknowledging. authority_id 0 is a region's row (region set) or the national row.
ALERTS = """
SELECT coalesce(recipient_authority_id, 0) AS authority_id,
       CASE WHEN GROUPING(a.region) = 0 THEN a.region END AS region,
       count(*) AS received, count(acknowledged_at) AS acknowledged,
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM acknowledged_at - sent_at) / 3600) AS median_hours
FROM alert JOIN authority a ON a.id = alert.recipient_authority_id
WHERE status = 'sent' AND alert.audit_id IS NULL
  AND sent_at >= $1::timestamp AT TIME ZONE 'Europe/London'
  AND sent_at < ($2::date + 1)::timestamp AT TIME ZONE 'Europe/London'
  AND recipient_authority_id = ANY($3::int[])
GROUP BY GROUPING SETS ((recipient_authority_id), (a.region), ())
"""

# Information requests an authority received in the period (as the recording authority).
# Answered: granted or refused. Due: answered, or still open after its due date at $4
# (today); withdrawn requests are neither. Working days: after the request day up to and
# including the answer day. authority_id 0 is a region's row (region set) or the national row.
REQUESTS = """
WITH received AS (
    SELECT recording_authority_id AS authority_id, status, due_on,
           CASE WHEN status IN ('granted', 'refused')
                THEN count_working_days(requested_on, responded_on, $5::date[]) END AS days
    FROM information_request
    WHERE requested_on BETWEEN $1 AND $2 AND recording_authority_id = ANY($3::int[])
)
SELECT coalesce(authority_id, 0) AS authority_id,
       CASE WHEN GROUPING(a.region) = 0 THEN a.region END AS region,
       count(*) AS received, count(days) AS answered,
       count(*) FILTER (WHERE days IS NOT NULL OR (status = 'open' AND due_on < $4)) AS due,
       count(*) FILTER (WHERE days <= 20) AS on_time,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median_days
FROM received JOIN authority a ON a.id = received.authority_id
GROUP BY GROUPING SETS ((authority_id), (a.region), ())
"""

# Requests open now ($1, today) past their due date, whenever they were made.
REQUESTS_OVERDUE = """
SELECT recording_authority_id AS authority_id, count(*) AS overdue
FROM information_request
WHERE status = 'open' AND due_on < $1
  AND ($2::int[] IS NULL OR recording_authority_id = ANY($2::int[]))
GROUP BY recording_authority_id
"""

# s.5 reports made and received in the period (by the date reported), those made within 10
# working days of the reporter becoming aware, and s.6 replies given in the period.
CONCERNS = """
WITH made AS (
    SELECT reporting_authority_id AS authority_id, count(*) AS made,
           count(*) FILTER (WHERE count_working_days(became_aware_on, reported_on, $4::date[]) <= 10) AS made_on_time
    FROM concern WHERE reported_on BETWEEN $1 AND $2 GROUP BY reporting_authority_id
),
received AS (
    SELECT recipient_authority_id AS authority_id, count(*) AS received
    FROM concern WHERE reported_on BETWEEN $1 AND $2 GROUP BY recipient_authority_id
),
replies AS (
    SELECT recipient_authority_id AS authority_id, count(*) AS replies
    FROM concern WHERE reply_on BETWEEN $1 AND $2 GROUP BY recipient_authority_id
)
SELECT authority_id, coalesce(made, 0) AS made, coalesce(made_on_time, 0) AS made_on_time,
       coalesce(received, 0) AS received, coalesce(replies, 0) AS replies
FROM made FULL JOIN received USING (authority_id) FULL JOIN replies USING (authority_id)
WHERE $3::int[] IS NULL OR authority_id = ANY($3::int[])
"""


STATEMENTS = {
    "LISTED_AUTHORITIES": LISTED_AUTHORITIES,
    "LICENSED_AT_SNAPSHOT": LICENSED_AT_SNAPSHOT,
    "LAST_DRIVER": LAST_DRIVER,
    "GRANTS_AND_SEARCHES": GRANTS_AND_SEARCHES,
    "SEARCHES_MADE": SEARCHES_MADE,
    "ENTRIES_MADE": ENTRIES_MADE,
    "ALERTS": ALERTS,
    "REQUESTS": REQUESTS,
    "REQUESTS_OVERDUE": REQUESTS_OVERDUE,
    "CONCERNS": CONCERNS,
}
