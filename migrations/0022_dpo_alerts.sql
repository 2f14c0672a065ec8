-- The data protection officer's alerts (docs/security.md V4, docs/alerts.md): an officer who
-- passes an hourly threshold, or opens a record that none of their searches returned and that
-- their authority has no other reason to know, raises an alert to their authority's data
-- protection officer, through the same outbox as every other alert. Such an alert comes from an
-- audit row, not a register event.
ALTER TABLE authority ADD COLUMN dpo_email citext
    CHECK (dpo_email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$');

ALTER TABLE alert ALTER COLUMN event_id DROP NOT NULL;
ALTER TABLE alert ADD COLUMN audit_id bigint REFERENCES audit_log (id) ON DELETE CASCADE;
ALTER TABLE alert ADD CONSTRAINT alert_one_source CHECK ((event_id IS NULL) <> (audit_id IS NULL));
ALTER TABLE alert ADD CONSTRAINT alert_dpo_kind CHECK ((kind = 'access_flagged') = (audit_id IS NOT NULL));
ALTER TABLE alert DROP CONSTRAINT alert_kind_check;
ALTER TABLE alert ADD CONSTRAINT alert_kind_check CHECK (kind IN (
    'out_of_area_licence', 'register_decision', 'decision_changed', 'licence_suspended',
    'licence_revoked', 'safeguarding_concern', 'information_request', 'request_due_soon',
    'request_overdue', 'resident_moved',
    'access_flagged'));          -- to the data protection officer: an officer's use of the register
CREATE UNIQUE INDEX alert_one_per_audit_row ON alert (audit_id) WHERE audit_id IS NOT NULL;
