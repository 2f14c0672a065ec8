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
-- first and last (Mohd for Mohammed, Wm for William, Chas for Charles): '^M.*H.*D$'. Vowels
-- after the first letter are left out of the pattern, as transliteration changes them (Mohd
-- for Muhammad).
CREATE FUNCTION abbreviation_pattern(short text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT '^' || array_to_string(regexp_split_to_array(
        left(short, 1) || regexp_replace(substr(short, 2), '[AEIOU]', '', 'g'), ''), '.*') || '$'
$$;

-- Spelling conventions that double metaphone does not know, rewritten before a forename is
-- coded, so that names spelt as they sound in another language sound alike: Gaelic bh and
-- mh (Siobhan / Shivaun, Niamh / Neve), Irish Se-, Si- and Ci- (Sean / Shaun, Ciaran /
-- Kieran), w for v in Punjabi and Polish spellings (Jaswinder / Jasvinder), y for i
-- (Tatyana / Tatiana). Used beside plain double metaphone, never instead of it.
CREATE FUNCTION spoken(name_key text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT translate(regexp_replace(regexp_replace(regexp_replace(name_key,
        '^S(EA|IA|IO)', 'SH\1'), '^CI([AE])', 'KI\1'), '([A-Z])[BM]H', '\1V', 'g'), 'WY', 'VI')
$$;

-- Forenames run together, with the many writings of Abdul- (Abdul Rahman, Abdulrahman,
-- Abdur Rahman, Abdel Rahman, Abd al-Rahman, Abdirahman) brought to one: the Arabic article
-- takes the sound of the letter after it (Abdur-Rahman, Abdus-Samad), and is transliterated
-- al, el, ul or not at all.
CREATE FUNCTION joined_forenames(joined text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT regexp_replace(joined,
        '^ABD[AEIOU]?(L|R(?=R)|S(?=S)|N(?=N)|Z(?=Z)|D(?=D)|T(?=T)|SH(?=SH))?(?=[A-Z]{3})', 'ABDUL')
$$;

-- The male and female forms of one name (Karim / Karima, Paul / Paula, Daniel / Danielle,
-- Ali / Aliya, Louis / Louise): in one family these are often twins or siblings, so such a
-- pair is never taken for a spelling of the same name. One expression, so that it is inlined.
CREATE FUNCTION female_form(male text, female text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT length(male) >= 3 AND left(female, length(male)) = male
       AND CASE substr(female, length(male) + 1)
               WHEN 'A' THEN right(male, 1) NOT IN ('A', 'H', 'E')
               WHEN 'YA' THEN right(male, 1) = 'I'
               WHEN 'LE' THEN right(male, 1) = 'L'
               WHEN 'E' THEN right(male, 1) = 'S'
               ELSE false END
$$;

-- Two letters typed the wrong way round (Smtih for Smith): Levenshtein counts that as two
-- changes, which would treat a slip like a different name. Called only for pairs already
-- two changes apart (the search checks that first, in C).
CREATE FUNCTION transposed(a text, b text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF length(a) <> length(b) OR a = b THEN
        RETURN false;
    END IF;
    FOR i IN 1 .. length(a) - 1 LOOP
        IF substr(a, i, 1) <> substr(b, i, 1) THEN
            RETURN substr(a, i, 1) = substr(b, i + 1, 1) AND substr(a, i + 1, 1) = substr(b, i, 1)
               AND substr(a, i + 2) = substr(b, i + 2);
        END IF;
    END LOOP;
    RETURN false;
END $$;

-- The first letters of a forename and its middle names run together ('MA' for Mohammed Ali).
CREATE FUNCTION initials_of(forename_key text, middle_keys text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT left(forename_key, 1) || regexp_replace(middle_keys, '(\S)\S*\s*', '\1', 'g')
$$;
