-- Re-screening alerts (issue 10 item 5). When an adverse entry or a licence action is
-- recorded, an s.5 concern is reported, a licence is granted or two records are confirmed to
-- be one person, the rules job (alerts/rules.py) re-screens the driver (registry/rescreen.py):
-- every other record probably the same person is raised as a possible duplicate, and each
-- authority that currently licenses either record of the pair gets a 'rescreen_match' alert
-- pointing at the pair. The nightly sweep does the same for every driver with an entry in
-- force. One alert per pair and authority, ever: a pair is never raised twice to the same
-- authority, and a pair decided "not this driver" (different people) raises nothing.
ALTER TABLE alert ADD COLUMN duplicate_id bigint REFERENCES possible_duplicate (id) ON DELETE CASCADE;

ALTER TABLE alert DROP CONSTRAINT alert_kind_check;
ALTER TABLE alert ADD CONSTRAINT alert_kind_check CHECK (kind IN (
    'out_of_area_licence', 'register_decision', 'decision_changed', 'licence_suspended',
    'licence_revoked', 'safeguarding_concern', 'information_request', 'request_due_soon',
    'request_overdue', 'resident_moved',
    'access_flagged',               -- to the data protection officer (migration 0022)
    'rescreen_match'));             -- a licensed driver probably recorded under another record
ALTER TABLE alert ADD CONSTRAINT alert_rescreen_pair
    CHECK ((kind = 'rescreen_match') = (duplicate_id IS NOT NULL));

-- One alert per event, recipient and kind, as before; re-screening alerts are one per pair
-- and recipient instead (one event may find several pairs for the same authority).
ALTER TABLE alert DROP CONSTRAINT alert_event_id_recipient_authority_id_kind_key;
CREATE UNIQUE INDEX alert_one_per_event ON alert (event_id, recipient_authority_id, kind)
    WHERE duplicate_id IS NULL;
CREATE UNIQUE INDEX alert_one_per_pair ON alert (duplicate_id, recipient_authority_id)
    WHERE duplicate_id IS NOT NULL;

-- Drivers waiting to be re-screened because two records were confirmed to be one person
-- (register events reach the rules job through alert_event_queue; a decision on a pair is no
-- register event). The rules job empties it in the same transaction as the alerts it gives.
CREATE TABLE rescreen_queue (
    driver_id bigint PRIMARY KEY REFERENCES driver (id) ON DELETE CASCADE
);

CREATE FUNCTION queue_confirmed_duplicate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rescreen_queue (driver_id) VALUES (NEW.driver_a), (NEW.driver_b)
    ON CONFLICT DO NOTHING;
    RETURN NEW;
END $$;
CREATE TRIGGER possible_duplicate_confirmed AFTER UPDATE OF status ON possible_duplicate
    FOR EACH ROW WHEN (NEW.status = 'same_person' AND OLD.status <> 'same_person')
    EXECUTE FUNCTION queue_confirmed_duplicate();

GRANT INSERT, UPDATE, DELETE ON rescreen_queue TO crosscheck_app;  -- UPDATE: for FOR UPDATE
