-- Self-service password reset (registry/password_resets.py): a link emailed to the account's
-- own address carries a random token; only its SHA-256 is kept here. A link works once, for
-- a short time, and asking for a new one retires the one before. `requested_by` is the
-- administrator who sent it, or NULL when the person asked for it themselves.
CREATE TABLE password_reset (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id integer NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    requested_by integer REFERENCES app_user (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    retired_at timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX password_reset_user ON password_reset (user_id, created_at);

GRANT INSERT, UPDATE, DELETE ON password_reset TO crosscheck_app;
