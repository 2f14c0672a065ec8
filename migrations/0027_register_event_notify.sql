-- New register events wake the webhook sender at once (alerts/webhooks.py, Listener): a
-- statement trigger NOTIFYs the channel `register_event`, which PostgreSQL delivers when the
-- transaction commits (and never if it rolls back). One notice per statement, folded into one
-- per transaction; it carries nothing, the sender reads the change feed as before.
CREATE FUNCTION notify_register_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('register_event', '');
    RETURN NULL;
END $$;

CREATE TRIGGER register_event_notify AFTER INSERT ON register_event
    FOR EACH STATEMENT EXECUTE FUNCTION notify_register_event();
