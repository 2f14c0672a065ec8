-- Claiming a webhook delivery rewrites its row in place (a HOT update: no new index entries),
-- so that a delivery costs one insert, one small in-page update and one update when delivered.
-- PostgreSQL can only do that when the update changes no column that an index keys on or
-- names in its predicate, and when the row's page has room for the new version. So:
--   * the due index no longer names status (which a claim changes): a delivery waits while
--     it is neither delivered nor dead, and the claim and the sweep filter on status;
--   * the index of deliveries being sent goes (the sweep walks the due index instead);
--   * new pages are filled to 40%, leaving room for each row's claimed version beside it.
ALTER TABLE webhook_delivery
    ADD CONSTRAINT webhook_delivery_waiting_check
    CHECK (status NOT IN ('pending', 'sending') OR (delivered_at IS NULL AND dead_at IS NULL));

DROP INDEX webhook_delivery_due;
DROP INDEX webhook_delivery_sending;
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at, id)
    WHERE delivered_at IS NULL AND dead_at IS NULL;

ALTER TABLE webhook_delivery SET (fillfactor = 40);
