-- Two-factor sign-in for the pages (licensing/pages/two_factor.py, registry/two_factor.py).
-- An account's authenticator: a TOTP secret (RFC 6238, 30-second steps) and the last step
-- accepted, so each code works once. The secret must be readable to check a code; it lives
-- only here, never in a log, and an administrator's reset removes it.
ALTER TABLE app_user
    ADD COLUMN totp_secret text CHECK (totp_secret ~ '^[A-Z2-7]{32}$'),
    ADD COLUMN totp_enrolled_at timestamptz,
    ADD COLUMN totp_last_step bigint,
    ADD CONSTRAINT app_user_totp_complete
        CHECK ((totp_secret IS NULL) = (totp_enrolled_at IS NULL));

-- One-time recovery codes, for a lost phone: each kept as a salted SHA-256 (the codes are
-- random, 60 bits each, so a slow hash adds nothing), and used at most once.
CREATE TABLE recovery_code (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id integer NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    salt bytea NOT NULL CHECK (length(salt) = 16),
    code_hash bytea NOT NULL CHECK (length(code_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at timestamptz
);
CREATE INDEX recovery_code_user ON recovery_code (user_id) WHERE used_at IS NULL;

-- A session is full only once the second factor is given: until then it says what it
-- awaits (a code from the authenticator, or setting one up), lives minutes, and signs in
-- to nothing but the pages that ask for it. The secret being set up waits here, not on the
-- account, so an abandoned set-up changes nothing.
ALTER TABLE web_session
    ADD COLUMN awaiting text CHECK (awaiting IN ('code', 'enrolment')),
    ADD COLUMN pending_totp_secret text CHECK (pending_totp_secret ~ '^[A-Z2-7]{32}$');

GRANT SELECT, INSERT, UPDATE, DELETE ON recovery_code TO crosscheck_app;
