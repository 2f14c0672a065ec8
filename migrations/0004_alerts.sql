-- Alerts: the outbox that turns register events into emails to authorities.
--
-- How nothing is lost: a trigger on register_event puts every new event's id in
-- alert_event_queue, in the same transaction as the change that raised it. The rules job
-- deletes queue rows and inserts the alerts they give in one transaction, so an event is
-- either still queued or has its alerts. How nothing is queued twice: one alert per event,
-- recipient and kind (a unique key), and one reminder per request and kind.

-- Events not yet turned into alerts. register_event is append-only, so "processed" is
-- recorded here (by deleting the row) rather than on the event.
CREATE TABLE alert_event_queue (
    event_id bigint PRIMARY KEY REFERENCES register_event (id) ON DELETE CASCADE
);

CREATE FUNCTION queue_event_for_alerts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO alert_event_queue (event_id) VALUES (NEW.id);
    RETURN NEW;
END $$;
CREATE TRIGGER register_event_queue_for_alerts AFTER INSERT ON register_event
    FOR EACH ROW EXECUTE FUNCTION queue_event_for_alerts();

-- Events recorded before this migration are queued too: nothing is lost.
INSERT INTO alert_event_queue (event_id) SELECT id FROM register_event;

-- The latest daily digest moment at or before `at`, with the digest time read as UK time
-- (Europe/London, so 08:00 means 08:00 in summer and in winter).
CREATE FUNCTION last_digest_slot(slot time, at timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT (CASE WHEN (at AT TIME ZONE 'Europe/London')::time >= slot
                 THEN (at AT TIME ZONE 'Europe/London')::date
                 ELSE (at AT TIME ZONE 'Europe/London')::date - 1 END + slot) AT TIME ZONE 'Europe/London'
$$;

CREATE TABLE alert (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- the event that raised the alert (for request reminders: the request_made event)
    event_id bigint NOT NULL REFERENCES register_event (id) ON DELETE CASCADE,
    request_id bigint REFERENCES information_request (id) ON DELETE CASCADE,
    recipient_authority_id integer NOT NULL REFERENCES authority (id),
    kind text NOT NULL CHECK (kind IN (
        'out_of_area_licence',      -- a resident licensed by another authority
        'register_decision',        -- a refusal, suspension or revocation entered on the register
        'decision_changed',         -- a later change to such an entry (appeal, reinstatement)
        'licence_suspended',        -- a licence suspended by another authority
        'licence_revoked',          -- a licence revoked by another authority
        'safeguarding_concern',     -- s.5 report to the licensing authority
        'information_request',      -- s.3 request arrived at the recording authority
        'request_due_soon',         -- 5 working days remain to answer it
        'request_overdue',          -- the 20 working days have passed
        'resident_moved')),         -- a licensed driver moved into the recipient's area
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'dead')),
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_until timestamptz,            -- while 'sending': the claim lapses after this
    claim_id uuid,                      -- which claim holds it (the batch being sent)
    batch_id uuid,                      -- the batch that sent it (one email per recipient)
    message_id text CHECK (length(message_id) <= 300),  -- the transport's id for that email
    sent_at timestamptz,
    acknowledged_at timestamptz,
    acknowledged_by integer REFERENCES app_user (id),
    time_to_acknowledge interval GENERATED ALWAYS AS (acknowledged_at - sent_at) STORED,
    last_error text CHECK (length(last_error) <= 1000),
    dead_at timestamptz,
    resent_at timestamptz,
    resent_by integer REFERENCES app_user (id),
    UNIQUE (event_id, recipient_authority_id, kind),
    CHECK ((status = 'sending') = (lease_until IS NOT NULL AND claim_id IS NOT NULL)),
    CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
    CHECK ((status = 'dead') = (dead_at IS NOT NULL)),
    CHECK (acknowledged_at IS NULL OR sent_at IS NOT NULL),
    CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL)),
    CHECK ((kind IN ('information_request', 'request_due_soon', 'request_overdue')) = (request_id IS NOT NULL))
);
-- One reminder of each kind per request.
CREATE UNIQUE INDEX alert_one_reminder ON alert (request_id, kind)
    WHERE kind IN ('request_due_soon', 'request_overdue');
CREATE INDEX alert_due ON alert (next_attempt_at) WHERE status = 'pending';
CREATE INDEX alert_leases ON alert (lease_until) WHERE status = 'sending';
CREATE INDEX alert_dead ON alert (dead_at) WHERE status = 'dead';
-- an authority's received alerts, by when they were sent (lists, compliance figures);
-- partial, so claiming an alert does not touch it
CREATE INDEX alert_recipient_sent ON alert (recipient_authority_id, sent_at) WHERE status = 'sent';
-- Reminders look up the request_made event of a request.
CREATE INDEX register_event_request_made ON register_event (subject_id) WHERE kind = 'request_made';

-- The demo's local mailbox: messages the demo SMTP server received, for a person to read
-- in the service. Only `crosscheck serve --demo` writes here.
CREATE TABLE demo_mail (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now(),
    mail_from text NOT NULL,
    rcpt_to text[] NOT NULL,
    subject text NOT NULL DEFAULT '',
    message_id text NOT NULL DEFAULT '',
    text_body text NOT NULL DEFAULT '',
    html_body text NOT NULL DEFAULT ''
);

GRANT INSERT, UPDATE, DELETE ON alert_event_queue TO crosscheck_app;  -- UPDATE: for FOR UPDATE
GRANT INSERT, UPDATE ON alert TO crosscheck_app;
GRANT INSERT, DELETE ON demo_mail TO crosscheck_app;
