-- Accounts, tokens and the audit log's reading side.

-- An administrator lists a user's tokens; the principal look-up already uses token_hash.
CREATE INDEX api_token_user ON api_token (user_id);

-- When an account was switched off (kept, never deleted: the audit log points at it).
ALTER TABLE app_user ADD COLUMN deactivated_at timestamptz;
ALTER TABLE app_user ADD CONSTRAINT app_user_deactivated_when_inactive
    CHECK (active OR deactivated_at IS NOT NULL);

-- A data protection officer pages through their authority's audit log newest first, by id
-- (the cursor), optionally within dates.
CREATE INDEX audit_log_authority_id ON audit_log (authority_id, id DESC);
