-- The change feed (GET /api/v1/events) reads register_event in the order its transactions
-- are known to be finished, not in id order: ids are handed out when a row is inserted, so a
-- long transaction can commit an event with a lower id after a reader has already passed it.
-- Each event keeps the id of the transaction that wrote it; the feed only returns events of
-- transactions older than the oldest one still running (pg_current_snapshot()'s xmin), in
-- (txid, id) order. Nothing can appear behind a reader's cursor afterwards.
-- Rows from before this migration all take this migration's transaction id: they are in the
-- past of every running transaction, and id order among them is their order.
ALTER TABLE register_event ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX register_event_feed ON register_event (txid, id);
