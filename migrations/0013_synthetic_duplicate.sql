-- The truth about planted duplicates: `crosscheck seed --duplicates N` records N of its
-- synthetic drivers a second time as another driver (registry/synthetic/duplicates.py), and
-- says here which record duplicates which and how it differs (`kind`, such as `nickname` or
-- `typo_surname+dob_day_slip`), so that a job that looks for duplicate records can be scored.
-- Only the seed writes it; on a real register it stays empty.
CREATE TABLE synthetic_duplicate (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    driver_id bigint NOT NULL UNIQUE REFERENCES driver (id) ON DELETE CASCADE,
    duplicate_of bigint NOT NULL REFERENCES driver (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind ~ '^[a-z_]+(\+[a-z_]+)?$'),
    CHECK (driver_id <> duplicate_of)
);
CREATE INDEX synthetic_duplicate_of ON synthetic_duplicate (duplicate_of);
