-- Compliance summaries for the Department for Transport (registry/compliance.py).
-- Aggregates only: nothing here stores or returns personal data.

-- Working days after `from_day` up to and including `to_day` (0 when to_day <= from_day), the
-- same definition as registry.workdays.working_days_between. The bank holidays come in as
-- an array from registry.workdays (the one calendar), so the database keeps no copy of it
-- that could drift. Weekdays are counted from 1 January of year 1, a Monday, as Python's
-- date.toordinal() does.
CREATE FUNCTION weekdays_to(day date) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ((day - date '0001-01-01' + 1) / 7) * 5 + least((day - date '0001-01-01' + 1) % 7, 5)
$$;

CREATE FUNCTION count_working_days(from_day date, to_day date, bank_holidays date[]) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN to_day <= from_day THEN 0 ELSE
        weekdays_to(to_day) - weekdays_to(from_day)
        - (SELECT count(*)::integer FROM unnest(bank_holidays) AS h(day)
           WHERE h.day > from_day AND h.day <= to_day AND extract(isodow FROM h.day) < 6)
    END
$$;

-- Covering indexes, so each summary statement reads an index alone (index-only scans) in
-- the order it needs, at a million drivers (bench/compliance.py):
-- licensed drivers at a date: licences in (driver, authority) order, merged with drivers'
-- homes in driver order; grouping per driver and authority then needs no sort or hash.
CREATE INDEX licence_by_driver ON licence (driver_id, authority_id)
    INCLUDE (id, kind, granted_on, expires_on, status, updated_at);
CREATE INDEX driver_home ON driver (id) INCLUDE (home_authority_id);
-- revocations, surrenders and reinstatements by date
CREATE INDEX licence_change_status_history ON licence_change (action, effective_on)
    INCLUDE (licence_id, id)
    WHERE action IN ('suspended', 'reinstated', 'revoked', 'surrendered');
-- grants and renewals by date
CREATE INDEX licence_change_grants ON licence_change (effective_on)
    INCLUDE (licence_id, action, recorded_at)
    WHERE action IN ('granted', 'renewed');
-- searches made in a period (not the rows linking a driver recorded afterwards)
CREATE INDEX audit_log_searches_made ON audit_log (at) INCLUDE (authority_id, search_id)
    WHERE action = 'search' AND NOT (detail ? 'recorded_after_search');

-- Register entries made in a period (TAXI0118).
CREATE INDEX register_entry_first_entered ON register_entry (first_entered_on, authority_id);

-- Requests and concerns by date: small tables, but a summary should never scan them whole.
CREATE INDEX information_request_requested ON information_request (requested_on);
CREATE INDEX concern_reported ON concern (reported_on);
CREATE INDEX concern_reply ON concern (reply_on) WHERE reply_on IS NOT NULL;

-- Alerts received in a period (the alert table comes from 0004_alerts.sql).
DO $$
BEGIN
    IF to_regclass('public.alert') IS NOT NULL THEN
        CREATE INDEX alert_recipient_sent ON alert (sent_at, recipient_authority_id)
            WHERE sent_at IS NOT NULL;
    END IF;
END $$;
