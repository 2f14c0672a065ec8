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

-- The s.3 check, recorded when a grant or renewal is recorded --------------------------------
-- Whether a grant or renewal followed a register search for that driver by that authority
-- (a search no earlier than 90 days before the change's effective date and no later than the
-- moment the change was recorded) is settled when the change is recorded: a later search
-- cannot count. So it is worked out then, once, from the audit log, and kept here with the
-- authority, and a summary counts a year of grants from this small table instead of joining
-- every licence and probing the audit log for each (bench/compliance.py).
CREATE TABLE grant_check (
    licence_change_id bigint PRIMARY KEY REFERENCES licence_change (id),
    authority_id integer NOT NULL REFERENCES authority (id),
    action text NOT NULL CHECK (action IN ('granted', 'renewed')),
    effective_on date NOT NULL,
    searched boolean NOT NULL
);
CREATE INDEX grant_check_effective ON grant_check (effective_on)
    INCLUDE (authority_id, action, searched);

CREATE FUNCTION grant_check_rows(changes_from date DEFAULT NULL)
RETURNS TABLE (licence_change_id bigint, authority_id integer, action text, effective_on date,
               searched boolean)
LANGUAGE sql STABLE AS $$
    SELECT c.id, l.authority_id, c.action, c.effective_on,
           EXISTS (SELECT FROM audit_log s
                   WHERE s.action = 'search' AND s.authority_id = l.authority_id
                     AND s.driver_id = l.driver_id
                     AND s.at >= (c.effective_on - 90)::timestamp AT TIME ZONE 'Europe/London'
                     AND s.at <= c.recorded_at)
    FROM licence_change c JOIN licence l ON l.id = c.licence_id
    WHERE c.action IN ('granted', 'renewed')
      AND (changes_from IS NULL OR c.effective_on >= changes_from)
$$;

-- One statement per INSERT or COPY into licence_change (a transition table), so a bulk
-- load pays one set-based insert, not a trigger call per row.
CREATE FUNCTION record_grant_checks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO grant_check (licence_change_id, authority_id, action, effective_on, searched)
    SELECT n.id, l.authority_id, n.action, n.effective_on,
           EXISTS (SELECT FROM audit_log s
                   WHERE s.action = 'search' AND s.authority_id = l.authority_id
                     AND s.driver_id = l.driver_id
                     AND s.at >= (n.effective_on - 90)::timestamp AT TIME ZONE 'Europe/London'
                     AND s.at <= n.recorded_at)
    FROM recorded n JOIN licence l ON l.id = n.licence_id
    WHERE n.action IN ('granted', 'renewed');
    RETURN NULL;
END $$;
CREATE TRIGGER licence_change_grant_check AFTER INSERT ON licence_change
    REFERENCING NEW TABLE AS recorded FOR EACH STATEMENT EXECUTE FUNCTION record_grant_checks();

-- Work the checks out again from the audit log (from a date, or all): after loading audit
-- history recorded elsewhere, for instance. Run by the schema owner.
CREATE FUNCTION recheck_grants(changes_from date DEFAULT NULL) RETURNS bigint
LANGUAGE sql AS $$
    WITH fresh AS (SELECT * FROM grant_check_rows(changes_from)),
    upserted AS (
        INSERT INTO grant_check AS g SELECT * FROM fresh
        ON CONFLICT (licence_change_id) DO UPDATE SET searched = EXCLUDED.searched
        WHERE g.searched IS DISTINCT FROM EXCLUDED.searched
        RETURNING 1
    )
    SELECT count(*) FROM upserted
$$;

-- licence changes recorded before this migration
INSERT INTO grant_check SELECT * FROM grant_check_rows();

GRANT INSERT ON grant_check TO crosscheck_app;
-- searches made in a period (not the rows linking a driver recorded afterwards)
CREATE INDEX audit_log_searches_made ON audit_log (at) INCLUDE (authority_id, search_id)
    WHERE action = 'search' AND NOT (detail ? 'recorded_after_search');

-- Register entries made in a period (TAXI0118).
CREATE INDEX register_entry_first_entered ON register_entry (first_entered_on, authority_id);

-- Requests and concerns by date: small tables, but a summary should never scan them whole.
CREATE INDEX information_request_requested ON information_request (requested_on);
CREATE INDEX concern_reported ON concern (reported_on);
CREATE INDEX concern_reply ON concern (reply_on) WHERE reply_on IS NOT NULL;

-- Alerts received in a period: 0004_alerts.sql's alert_recipient_sent serves.
