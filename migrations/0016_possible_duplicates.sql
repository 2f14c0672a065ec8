-- Possible duplicate records: two driver records that are probably one person
-- (registry/duplicates.py). The register-wide job (`crosscheck duplicates find`, the
-- scheduler's find_duplicates), the bulk import and re-screening raise pairs here with their
-- evidence; an officer decides. "Same person" links the two records (both kept, nothing
-- deleted); "different people" is remembered so the pair is never raised again. A decision
-- can be undone (the pair goes back to open); every decision leaves an audit row.
CREATE TABLE possible_duplicate (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    driver_a bigint NOT NULL REFERENCES driver (id) ON DELETE CASCADE,
    driver_b bigint NOT NULL REFERENCES driver (id) ON DELETE CASCADE,
    -- the calibrated match probability and its log2 odds (the sum of the evidence weights)
    probability double precision NOT NULL CHECK (probability BETWEEN 0 AND 1),
    weight double precision NOT NULL,
    -- [{"field": "surname", "level": "identical", "words": "...", "weight": 7.1}, ...]:
    -- comparison levels and weights, never names
    evidence jsonb NOT NULL CHECK (jsonb_typeof(evidence) = 'array'),
    raised_by text NOT NULL CHECK (raised_by IN ('job', 'import', 'rescreen')),
    status text NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'same_person', 'different_people')),
    raised_at timestamptz NOT NULL DEFAULT now(),
    evidence_at timestamptz NOT NULL DEFAULT now(),
    decided_at timestamptz,
    decided_by integer REFERENCES app_user (id),
    decided_by_authority_id integer REFERENCES authority (id),
    CHECK (driver_a < driver_b),
    CHECK ((status = 'open') = (decided_at IS NULL)),
    UNIQUE (driver_a, driver_b)
);
CREATE INDEX possible_duplicate_b ON possible_duplicate (driver_b);
CREATE INDEX possible_duplicate_open ON possible_duplicate (status, probability DESC, id);

GRANT INSERT, UPDATE ON possible_duplicate TO crosscheck_app;

-- The pair-scoring model the last duplicates job estimated (registry/duplicates/compare.py:
-- m and u per field and level, the prior, term frequencies), so the import and re-screening
-- score a pair the same way without estimating again. Only the newest row is read.
CREATE TABLE duplicate_model (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    estimated_at timestamptz NOT NULL DEFAULT now(),
    names integer NOT NULL CHECK (names >= 0),
    candidate_pairs bigint NOT NULL CHECK (candidate_pairs >= 0),
    model jsonb NOT NULL
);

GRANT INSERT ON duplicate_model TO crosscheck_app;
