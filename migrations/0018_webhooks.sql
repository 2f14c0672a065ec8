-- Webhooks (registry/webhooks.py, alerts/webhooks.py): an authority's subscriptions to kinds
-- of register event, and one delivery per (subscription, event), through an outbox with the
-- same claim, lease and backoff columns as alert.
CREATE TABLE webhook_subscription (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id integer NOT NULL REFERENCES authority (id),
    url text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    event_types text[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 50),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    -- "whsec_" and base64; the previous one stays valid for a while after a rotation
    secret text NOT NULL CHECK (secret LIKE 'whsec\_%'),
    previous_secret text,
    previous_secret_until timestamptz,
    secret_rotated_at timestamptz,
    -- where fan-out has read the authority's change feed up to (registry/paging.py cursor)
    feed_cursor text,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
    paused_reason text,
    failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),  -- in a row, since a success
    failing_since timestamptz,
    created_by integer REFERENCES app_user (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'paused') = (paused_reason IS NOT NULL))
);
CREATE INDEX webhook_subscription_authority ON webhook_subscription (authority_id, id);

CREATE TABLE webhook_delivery (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id bigint NOT NULL REFERENCES webhook_subscription (id) ON DELETE CASCADE,
    event_id bigint NOT NULL,
    event_type text NOT NULL,
    payload text NOT NULL,  -- the exact body signed and sent: ids and kinds, no personal data
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'delivered', 'dead')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claim_id uuid,
    lease_until timestamptz,
    claimed_by integer,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    dead_at timestamptz,
    resent_at timestamptz,
    resent_by integer REFERENCES app_user (id),
    UNIQUE (subscription_id, event_id),
    CHECK ((status = 'sending') = (claim_id IS NOT NULL))
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_delivery_sending ON webhook_delivery (id) WHERE status = 'sending';
CREATE INDEX webhook_delivery_subscription ON webhook_delivery (subscription_id, id);

GRANT INSERT, UPDATE, DELETE ON webhook_subscription TO crosscheck_app;
GRANT INSERT, UPDATE, DELETE ON webhook_delivery TO crosscheck_app;
