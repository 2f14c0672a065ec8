-- Search: name knowledge and the indexes that keep candidate generation index-only work.
--
-- Candidates for a name and date of birth search come from three index probes on
-- driver_name: the date of birth as given, the date with day and month swapped (both on
-- driver_name_dob), and the surname's sound on dates one keying slip away (below).
-- Scoring then runs on those few hundred rows at most. See registry/search.py.

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

-- The same surname sound on a nearby date of birth (a digit mistyped in the day or month).
CREATE INDEX driver_name_sound_dob ON driver_name (surname_sound, date_of_birth);

-- Identifier search looks drivers up by exact identifier; gb_licence_number, ni_licence_number
-- and ni_number already have unique indexes (0001).

-- A pattern matching names that a short form abbreviates by dropping letters but keeping its
-- first and last (Mohd for Mohammed, Wm for William, Chas for Charles): '^M.*O.*H.*D$'.
CREATE FUNCTION abbreviation_pattern(short text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT '^' || array_to_string(regexp_split_to_array(short, ''), '.*') || '$'
$$;
