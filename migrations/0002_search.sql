-- Search: name knowledge and the indexes that keep candidate generation index-only work.
--
-- Candidates for a name and date of birth search come from three index probes on
-- driver_name: the date of birth as given, the date with day and month swapped, and the
-- surname's sound on dates one keying slip away. Scoring then runs on those rows only (a
-- few hundred at most at a million drivers). See registry/search.py.

-- Forename variants and nicknames (Bill / William, Peggy / Margaret), both directions,
-- loaded by registry.names.load_name_reference from the `nicknames` package (Carlton
-- Northern's maintained dataset). Keys use name_key(): letters only, upper case.
CREATE TABLE name_variant (
    name text NOT NULL CHECK (name ~ '^[A-Z]+$'),
    variant text NOT NULL CHECK (variant ~ '^[A-Z]+$'),
    source text NOT NULL,
    PRIMARY KEY (name, variant),
    CHECK (name <> variant)
);

-- One index serves every candidate probe: the date of birth (as given, or swapped) alone,
-- and the date with both name sounds for the dates one keying slip away. The columns scoring
-- reads ride along, so candidates come from index-only scans, not a heap page visit each.
-- It replaces 0001's plain index on date_of_birth.
CREATE INDEX driver_name_search ON driver_name (date_of_birth, surname_sound, forename_sound)
    INCLUDE (driver_id, kind, surname, surname_key, forename_key, middle_keys);
DROP INDEX driver_name_dob;

-- forename_tokens() as one expression, declared STABLE (as unaccent() is) so that the planner
-- inlines it into the search statement: a function call per use costs more than the work
-- (an IMMUTABLE SQL function calling a STABLE one is even planned afresh in every statement).
-- forename_tokens stays the definition the keys are stored by; tests/test_search.py checks
-- the two agree on awkward names.
CREATE FUNCTION search_tokens(forenames text) RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT array_remove(regexp_split_to_array(
        upper(regexp_replace(
            public.unaccent('public.unaccent',
                regexp_replace(replace(trim(coalesce(forenames, '')), '|', ''), '[\s\-\.]+', '|', 'g')),
            '[^[:alpha:]|]', '', 'g')),
        '\|+'), '')
$$;

-- A pattern matching names that a short form abbreviates by dropping letters but keeping its
-- first and last (Mohd for Mohammed, Wm for William, Chas for Charles): '^M.*O.*H.*D$'.
CREATE FUNCTION abbreviation_pattern(short text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT '^' || array_to_string(regexp_split_to_array(short, ''), '.*') || '$'
$$;
