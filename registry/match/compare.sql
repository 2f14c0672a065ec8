-- The comparison at the heart of the match model (registry/match/), shared by the name search
-- (registry/name_search.sql) and pair scoring (registry/match/pairs.sql): a piece of a
-- statement, completed by registry/match/__init__.py, never run alone.
--
-- It reads two CTEs its statement defines: q (one row per name asked about, q_id, with its keys
-- and codes) and cand (names on the register to compare with it: q_id, driver_id, kind, the
-- stored keys and codes of driver_name, and dob_match, the date of birth level), and gives
-- `scored`: one row per (q_id, candidate name) with the level of each comparison, its evidence
-- weight (match_weight, with the term-frequency adjustment from name_frequency) and the total
-- match weight. The levels and their words are in registry/match/__init__.py.
weights AS MATERIALIZED (
    SELECT jsonb_object_agg(comparison || '.' || level, weight) AS w,
           jsonb_object_agg(comparison || '.' || level, u) AS u,
           (SELECT min(share) FROM name_frequency WHERE field = 'surname') AS s_floor,
           (SELECT min(share) FROM name_frequency WHERE field = 'forename') AS f_floor,
           -- the prior: the chance that a record is the person asked about, one in the register
           -ln(greatest((SELECT reltuples FROM pg_class WHERE oid = 'driver_name'::regclass), :register_floor)::float8) / ln(2) AS prior
    FROM match_weight
),
surnames AS MATERIALIZED (
    SELECT c.*,
           CASE
               WHEN c.surname_key = q.s_key THEN
                   CASE WHEN lower(c.surname) = lower(q.s_raw) THEN 'identical' ELSE 'punctuation' END
               -- forename and surname the other way round, each as spelt or sounding the same,
               -- or the surname typed as forename being one part of a double-barrelled name
               WHEN (c.surname_key = q.f_first
                     OR (c.surname_sound IN (q.f_sound, q.f_alt)
                         AND levenshtein(c.surname_key, q.f_first) <= greatest(2, length(q.f_first) / 2))
                     OR (strpos(c.surname, '-') + strpos(c.surname, ' ') > 0
                         AND q.f_first = ANY(search_tokens(c.surname))))
                    AND (c.forename_key = ANY(q.s_tokens)
                         OR (c.forename_sound IN (q.s_sound, q.s_alt)
                             AND levenshtein(c.forename_key, q.s_key) <= greatest(2, length(q.s_key) / 2)))
                    THEN 'reversed'
               WHEN c.surname_key = ANY(q.s_parts) THEN 'part'
               WHEN strpos(c.surname, '-') + strpos(c.surname, ' ') + strpos(c.surname, '.') > 0
                    AND EXISTS (SELECT FROM unnest(search_tokens(c.surname)) AS t(part)
                                WHERE t.part = ANY(q.s_tokens) AND length(t.part) >= 3
                                  AND t.part <> ALL(q.particles)) THEN 'part'
               -- cheap tests first: most candidates are strangers and fall through to 'none'
               WHEN (c.surname_sound IN (q.s_sound, q.s_alt)
                     OR (left(c.surname_key, 1) = left(q.s_key, 1)
                         AND dmetaphone_alt(c.surname_key) IN (q.s_sound, q.s_alt)))
                    AND levenshtein_less_equal(c.surname_key, q.s_key, 3)
                        <= greatest(2, greatest(length(c.surname_key), length(q.s_key)) / 3)
                    -- the whole sound too: dmetaphone's 4 letters let Roberts pass for Robertson
                    AND full_sound(c.surname_key) = q.s_full THEN 'sound'
               WHEN least(length(c.surname_key), length(q.s_key)) >= 5
                    AND levenshtein_less_equal(c.surname_key, q.s_key, 1) = 1 THEN 'typo'
               WHEN length(c.surname_key) = length(q.s_key) AND length(q.s_key) >= 4
                    AND left(c.surname_key, 1) = left(q.s_key, 1)
                    AND levenshtein_less_equal(c.surname_key, q.s_key, 2) = 2
                    AND transposed(c.surname_key, q.s_key) THEN 'typo'
               WHEN levenshtein_less_equal(c.surname_key, q.s_key, 2)
                        <= CASE WHEN least(length(c.surname_key), length(q.s_key)) >= 6 THEN 2 ELSE 1 END THEN 'similar'
               WHEN left(c.surname_key, 1) = left(q.s_key, 1)
                    AND similarity(c.surname_key, q.s_key) >= 0.5 THEN 'similar'
               WHEN left(c.surname_key, 1) = left(q.s_key, 1)
                    AND c.surname_sound IN (q.s_sound, q.s_alt) THEN 'sound_far'
               -- the surname given is a forename on the record, or the other way round:
               -- Singh or Kaur given as the surname and the family name left off, or
               -- "Imran Mohammed" for Mohammed Imran Khan
               WHEN (c.middle_keys <> '' AND (q.s_key = ANY(string_to_array(c.middle_keys, ' '))
                                              OR c.forename_key = q.s_key))
                    OR c.surname_key = ANY(q.f_middle)
                    -- the names given the other way round with a nickname: "Soares Ze" for Jose Soares
                    OR c.surname_key = q.f_first THEN 'forenames'
               ELSE 'none'
           END AS s_level
    FROM cand c JOIN q ON q.q_id = c.q_id
),
-- In a search, forenames are compared only where the surname agrees in some way: most
-- candidates born on the day are strangers, and stop here.
levels AS MATERIALIZED (
    SELECT c.q_id, c.driver_id, c.kind, c.dob_match, c.forename_key, c.middle_keys, c.s_level,
           levenshtein(c.surname_key, q.s_key) + levenshtein(c.forename_key, q.f_first) AS distance,
           CASE
               WHEN q.f_first = '' OR c.forename_key = '' THEN 'none'
               WHEN c.s_level = 'reversed' THEN 'reversed'
               WHEN c.forename_key = q.f_first THEN 'identical'
               WHEN left(c.forename_key, 1) = left(q.f_first, 1)
                    AND joined_forenames(c.forename_key || replace(c.middle_keys, ' ', '')) = q.f_joined THEN 'spacing'
               -- before the variants: a name list may give the female form as a variant (Paul, Paula)
               WHEN female_form(c.forename_key, q.f_first) OR female_form(q.f_first, c.forename_key) THEN 'gendered'
               WHEN c.forename_key = ANY(q.f_variants)
                    -- a nickname of another spelling of the name (Kate: Katherine, so Catherine)
                    OR (length(c.forename_key) >= 5 AND cardinality(q.f_variants) > 0
                        AND EXISTS (SELECT FROM unnest(q.f_variants) AS v(name)
                                    WHERE length(v.name) >= 5 AND levenshtein(v.name, c.forename_key) <= 2
                                      AND dmetaphone(v.name) = c.forename_sound))
                    OR (length(q.f_first) >= 5
                        AND EXISTS (SELECT FROM name_variant v
                                    WHERE v.name = c.forename_key AND length(v.variant) >= 5
                                      AND levenshtein(v.variant, q.f_first) <= 2
                                      AND dmetaphone(v.variant) IN (q.f_sound, q.f_alt))) THEN 'variant'
               WHEN length(q.f_first) > 1 AND length(c.forename_key) > 1
                    AND (((c.forename_sound IN (q.f_sound, q.f_alt)
                           OR dmetaphone_alt(c.forename_key) IN (q.f_sound, q.f_alt))
                          AND levenshtein(c.forename_key, q.f_first)
                              <= greatest(2, greatest(length(c.forename_key), length(q.f_first)) / 2)
                          AND full_sound(c.forename_key) = q.f_full)
                         OR (dmetaphone(spoken(c.forename_key)) = q.f_spoken_sound
                             AND levenshtein(spoken(c.forename_key), q.f_spoken) <= 2
                             AND full_sound(spoken(c.forename_key)) = q.f_spoken_full)) THEN 'sound'
               WHEN (length(q.f_first) = 1 AND left(c.forename_key, 1) = q.f_first)
                    OR (length(c.forename_key) = 1 AND left(q.f_first, 1) = c.forename_key) THEN 'initial'
               -- initials run together: 'MA' for Mohammed Ali, either way round
               WHEN (cardinality(q.f_tokens) = 1 AND length(q.f_first) BETWEEN 2 AND 3 AND c.middle_keys <> ''
                     AND initials_of(c.forename_key, c.middle_keys) = q.f_first)
                    OR (c.middle_keys = '' AND length(c.forename_key) BETWEEN 2 AND 3
                        AND c.forename_key = q.f_initials) THEN 'initials'
               WHEN q.f_first = ANY(string_to_array(c.middle_keys, ' '))
                    OR c.forename_key = ANY(q.f_middle) THEN 'middle'
               WHEN length(q.f_first) > 1 AND length(c.forename_key) > 1
                    AND levenshtein(c.forename_key, q.f_first)
                        <= CASE WHEN least(length(c.forename_key), length(q.f_first)) >= 4 THEN 2 ELSE 1 END
                    THEN 'similar'
               WHEN length(q.f_first) > 1 AND length(c.forename_key) > 1
                    AND (c.forename_sound IN (q.f_sound, q.f_alt) OR dmetaphone(spoken(c.forename_key)) = q.f_spoken_sound)
                    THEN 'sound_far'
               WHEN least(length(c.forename_key), length(q.f_first)) >= 2
                    AND (left(c.forename_key, length(q.f_first)) = q.f_first
                         OR left(q.f_first, length(c.forename_key)) = c.forename_key) THEN 'abbreviation'
               WHEN left(c.forename_key, 1) = left(q.f_first, 1) AND right(c.forename_key, 1) = right(q.f_first, 1)
                    AND ((length(q.f_first) BETWEEN 2 AND 4 AND length(c.forename_key) >= length(q.f_first) + 2
                          AND c.forename_key ~ q.f_abbreviation)
                      OR (length(c.forename_key) BETWEEN 2 AND 4 AND length(q.f_first) >= length(c.forename_key) + 2
                          AND q.f_first ~ abbreviation_pattern(c.forename_key))) THEN 'abbreviation'
               ELSE 'none'
           END AS f_level
    FROM surnames c JOIN q ON q.q_id = c.q_id
    WHERE :surname_filter
),
scored AS MATERIALIZED (
    SELECT l.*, m.mid, x.*,
           x.w_dob + x.w_surname + x.w_forename + x.w_middle AS evidence
    FROM levels l
    JOIN q ON q.q_id = l.q_id
    CROSS JOIN weights,
         LATERAL (
             SELECT CASE
                 WHEN l.f_level IN ('spacing', 'reversed', 'middle', 'initials') THEN 'none'
                 WHEN cardinality(q.f_middle) = 0 AND l.middle_keys = '' THEN 'none'
                 WHEN cardinality(q.f_middle) = 0 OR l.middle_keys = '' THEN 'one_sided'
                 WHEN EXISTS (
                     SELECT 1 FROM unnest(q.f_middle) AS a(x), unnest(string_to_array(l.middle_keys, ' ')) AS b(y)
                     WHERE a.x = b.y
                        OR (left(a.x, 1) = left(b.y, 1) AND (length(a.x) = 1 OR length(b.y) = 1))
                        OR dmetaphone(a.x) = dmetaphone(b.y)) THEN 'agree'
                 ELSE 'differ'
             END AS mid
         ) AS m,
         LATERAL (
             SELECT
                 -- a common date (1 January) agreeing counts for less: its share of birthdays
                 -- against one day in 365.25
                 (weights.w ->> ('dob.' || l.dob_match))::float8
                 + CASE WHEN l.dob_match = 'same' AND q.birthday_share IS NOT NULL
                        THEN -ln(q.birthday_share * 365.25) / ln(2) ELSE 0 END AS w_dob,
                 -- agreeing on a common surname or forename counts for less: log2(m / share)
                 -- in place of log2(m / u). Logarithms in float8 (ln(x) / ln(2)): log(2, numeric)
                 -- costs about 50 microseconds a call, a hundred times more.
                 (weights.w ->> ('surname.' || l.s_level))::float8
                 + CASE WHEN l.s_level IN ('identical', 'punctuation')
                        THEN ln((weights.u ->> ('surname.' || l.s_level))::float8
                                / coalesce(q.s_share, weights.s_floor)) / ln(2)
                        ELSE 0 END AS w_surname,
                 (weights.w ->> ('forename.' || l.f_level))::float8
                 + CASE WHEN l.f_level IN ('identical', 'spacing')
                        THEN ln((weights.u ->> ('forename.' || l.f_level))::float8
                                / coalesce(q.f_share, weights.f_floor)) / ln(2)
                        ELSE 0 END AS w_forename,
                 (weights.w ->> ('middle.' || m.mid))::float8 AS w_middle,
                 weights.prior
         ) AS x
),
