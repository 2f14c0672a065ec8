-- A re-screening alert was one per possible-duplicate pair and authority, ever. When a grant
-- had already raised the pair, a later revocation of the other record told no one: the
-- adverse-decision rule follows the driver record, and an undecided pair is not linked.
-- Now the key is the pair, the authority and the register event the alert hangs on; the
-- rules job (alerts/rules.py QUEUE_RESCREEN_ALERTS) repeats a pair only for an adverse event.
DROP INDEX alert_one_per_pair;
CREATE UNIQUE INDEX alert_one_per_pair_and_event ON alert (duplicate_id, recipient_authority_id, event_id)
    WHERE duplicate_id IS NOT NULL;
