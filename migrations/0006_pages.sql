-- Signed-in sessions for the officer pages, and sign-in attempts for rate limiting.

-- A session is known by the SHA-256 of the random value in the browser's cookie, so a copy
-- of this table cannot be replayed. A session ends at the first of: sign-out, its idle
-- timeout (last_seen_at + idle_minutes), or its absolute end (expires_at).
CREATE TABLE web_session (
    id bytea PRIMARY KEY CHECK (length(id) = 32),
    user_id integer NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    idle_minutes integer NOT NULL DEFAULT 30 CHECK (idle_minutes BETWEEN 1 AND 720),
    expires_at timestamptz NOT NULL,
    ended_at timestamptz,
    -- the synchroniser token every form of this session must send back
    csrf_token text NOT NULL CHECK (length(csrf_token) >= 32),
    CHECK (expires_at > created_at)
);
CREATE INDEX web_session_user ON web_session (user_id);
CREATE INDEX web_session_expires ON web_session (expires_at);

-- One row per attempt to sign in; failures within a window limit further attempts. The email
-- is kept as typed (lower-cased), whether or not an account has it, so the limit cannot tell
-- an attacker which addresses exist.
CREATE TABLE sign_in_attempt (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    email citext NOT NULL CHECK (length(email) <= 320),
    client_ip inet,
    succeeded boolean NOT NULL
);
CREATE INDEX sign_in_attempt_email ON sign_in_attempt (email, at);
CREATE INDEX sign_in_attempt_ip ON sign_in_attempt (client_ip, at);

GRANT INSERT, UPDATE, DELETE ON web_session TO crosscheck_app;
GRANT INSERT, DELETE ON sign_in_attempt TO crosscheck_app;
