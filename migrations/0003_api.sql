-- The write API: idempotent POSTs, and events that say when they came from a bulk import.

-- A POST carrying an Idempotency-Key header claims its key here first, in the same
-- transaction as the change, and stores the response before committing. A retry finds the
-- stored response and replays it; a concurrent twin waits on the unique key until the first
-- commits (then replays) or rolls back (then does the work itself). Keys are per user: two
-- officers cannot collide, and a key is only as good as the token that sent it.
CREATE TABLE idempotency_key (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id integer NOT NULL REFERENCES app_user (id),
    authority_id integer REFERENCES authority (id),
    key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint bytea NOT NULL,          -- sha256 of method, path and body
    status integer CHECK (status BETWEEN 100 AND 599),
    location text,
    body bytea NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL DEFAULT now() + interval '24 hours',
    UNIQUE (user_id, key),
    CHECK (expires_at > created_at)
);
CREATE INDEX idempotency_key_expiry ON idempotency_key (expires_at);
GRANT INSERT, UPDATE, DELETE ON idempotency_key TO crosscheck_app;

-- Events raised while a bulk import runs say so (detail.source = 'import'), so alert rules
-- can tell years of history loaded on a council's first day from a grant made today. The
-- importer sets crosscheck.source for its transaction only.
--
-- Speed for bulk writes (100,000 rows a minute is the import's promise). Same results as
-- 0001's definitions, different languages:
-- * record_event in plpgsql: a LANGUAGE sql function called once per trigger firing is
--   parsed and planned afresh each time; plpgsql keeps its plan for the session. This
--   halves the cost of every event-raising insert.
-- * forename_tokens in plpgsql: the set-returning SQL version (unnest, array_agg) cost about
--   50 microseconds a call, most of a driver_name insert. tests/test_import.py checks the
--   two agree on awkward names.
CREATE OR REPLACE FUNCTION record_event(p_kind text, p_driver bigint, p_authority integer,
                                        p_subject bigint, p_detail jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO register_event (kind, driver_id, authority_id, subject_id, detail, actor_user_id)
    VALUES (p_kind, p_driver, p_authority, p_subject,
            CASE WHEN current_setting('crosscheck.source', true) = 'import'
                 THEN p_detail || '{"source": "import"}'::jsonb
                 ELSE p_detail END,
            actor());
END $$;

CREATE OR REPLACE FUNCTION forename_tokens(forenames text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    word text;
    key text;
    tokens text[] := '{}';
BEGIN
    FOREACH word IN ARRAY regexp_split_to_array(trim(coalesce(forenames, '')), '[\s\-\.]+') LOOP
        key := name_key(word);
        IF key <> '' THEN
            tokens := tokens || key;
        END IF;
    END LOOP;
    RETURN tokens;
END $$;
