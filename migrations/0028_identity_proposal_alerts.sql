-- Owners are told when another authority proposes a change to a driver's identity
-- (registry/identity_proposals.py, alerts/compose.py): one identity_proposed alert per owning
-- authority, made in the proposal's transaction and sent through the outbox like every alert.
-- Such an alert comes from the proposal, not from a register event or an audit row.
ALTER TABLE alert ADD COLUMN proposal_id bigint REFERENCES identity_proposal (id) ON DELETE CASCADE;

ALTER TABLE alert DROP CONSTRAINT alert_one_source;
ALTER TABLE alert ADD CONSTRAINT alert_one_source
    CHECK (num_nonnulls(event_id, audit_id, proposal_id) = 1);

-- The kinds allowed so far, plus identity_proposed (read from the constraint itself, so a kind
-- another migration added before this one is kept).
DO $$
DECLARE
    allowed text;
BEGIN
    SELECT pg_get_constraintdef(oid) INTO allowed FROM pg_constraint
    WHERE conrelid = 'alert'::regclass AND conname = 'alert_kind_check';
    ALTER TABLE alert DROP CONSTRAINT alert_kind_check;
    EXECUTE 'ALTER TABLE alert ADD CONSTRAINT alert_kind_check '
        || replace(allowed, 'ARRAY[', 'ARRAY[''identity_proposed''::text, ');
END $$;
ALTER TABLE alert ADD CONSTRAINT alert_proposal_kind
    CHECK ((kind = 'identity_proposed') = (proposal_id IS NOT NULL));

CREATE UNIQUE INDEX alert_one_per_proposal ON alert (proposal_id, recipient_authority_id)
    WHERE proposal_id IS NOT NULL;
