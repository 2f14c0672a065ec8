-- Recovery inside the promise (docs/alerts.md "When a sender dies").
-- claimed_by: the sending process's liveness key. While the process lives it holds the
-- session advisory lock (ALERT_LIVENESS_CLASS, claimed_by) on a connection of its own;
-- when it dies its session ends, the lock goes, and sweep_leases re-queues its claims at
-- once instead of after the lease.
-- waiting_on_transport: the last attempt failed because of the mail server or the route to
-- it (not the recipient's address); the first success afterwards sends these at once
-- rather than leaving them to their backoff.
ALTER TABLE alert ADD COLUMN claimed_by integer CHECK (claimed_by > 0),
                  ADD COLUMN waiting_on_transport boolean NOT NULL DEFAULT false;
CREATE INDEX alert_waiting_on_transport ON alert (next_attempt_at)
    WHERE status = 'pending' AND waiting_on_transport;
