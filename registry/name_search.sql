-- Name and date of birth search: one statement that finds, scores and ranks, writes the audit
-- rows and reads each driver's summary. registry/search.py explains the levels and bands and
-- completes this template: the summary placeholder becomes registry.records.SUMMARY, the limit
-- placeholder the page size.
WITH q AS MATERIALIZED (
    SELECT s.raw AS s_raw, s.key AS s_key, s.tokens AS s_tokens,
           dmetaphone(s.key) AS s_sound, dmetaphone_alt(s.key) AS s_alt,
           full_sound(s.key) AS s_full,
           f.tokens AS f_tokens,
           coalesce(f.tokens[1], '') AS f_first,
           coalesce(f.tokens[2:], '{}') AS f_middle,
           joined_forenames(array_to_string(f.tokens, '')) AS f_joined,
           initials_of(coalesce(f.tokens[1], ''), array_to_string(f.tokens[2:], ' ')) AS f_initials,
           dmetaphone(coalesce(f.tokens[1], '')) AS f_sound,
           dmetaphone_alt(coalesce(f.tokens[1], '')) AS f_alt,
           spoken(coalesce(f.tokens[1], '')) AS f_spoken,
           dmetaphone(spoken(coalesce(f.tokens[1], ''))) AS f_spoken_sound,
           full_sound(coalesce(f.tokens[1], '')) AS f_full,
           full_sound(spoken(coalesce(f.tokens[1], ''))) AS f_spoken_full,
           abbreviation_pattern(coalesce(f.tokens[1], '')) AS f_abbreviation,
           ARRAY(SELECT v.variant FROM name_variant v WHERE v.name = f.tokens[1]) AS f_variants,
           CASE WHEN cardinality(s.tokens) > 1 THEN
               ARRAY(SELECT t FROM unnest(s.tokens) AS t WHERE length(t) >= 3 AND t <> ALL($11::text[]))
           ELSE '{}' END AS s_parts
    -- name_key(x) is the concatenation of forename_tokens(x) (search_tokens is the same, inlined):
    -- one call gives both.
    FROM (SELECT t.raw, array_to_string(t.tokens, '') AS key, t.tokens
          FROM (SELECT $2::text AS raw, search_tokens($2) AS tokens) AS t) AS s,
         (SELECT search_tokens($1) AS tokens) AS f
),
cand AS (
    SELECT dn.driver_id, dn.kind, dn.surname, dn.surname_key, dn.surname_sound, dn.forename_key,
           dn.middle_keys, dn.forename_sound, 'same' AS dob_match
    FROM driver_name dn WHERE dn.date_of_birth = $3
    UNION ALL
    SELECT dn.driver_id, dn.kind, dn.surname, dn.surname_key, dn.surname_sound, dn.forename_key,
           dn.middle_keys, dn.forename_sound, 'swapped'
    FROM driver_name dn WHERE dn.date_of_birth = $4
    UNION ALL
    SELECT dn.driver_id, dn.kind, dn.surname, dn.surname_key, dn.surname_sound, dn.forename_key,
           dn.middle_keys, dn.forename_sound,
           CASE WHEN date_part('year', dn.date_of_birth) = date_part('year', $3::date) THEN 'near' ELSE 'year' END
    FROM driver_name dn, q
    WHERE dn.date_of_birth = ANY($5::date[])
      -- a mistyped date with a variation in one name: the other name still sounds the same
      -- (or the two are given the other way round)
      AND (dn.surname_sound IN (q.s_sound, q.s_alt) OR dn.forename_sound IN (q.f_sound, q.f_alt)
           OR dn.surname_sound IN (q.f_sound, q.f_alt))
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
                                  AND t.part <> ALL($11::text[])) THEN 'part'
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
                    OR c.surname_key = ANY(q.f_middle) THEN 'forenames'
               ELSE 'none'
           END AS s_level
    FROM cand c, q
),
-- Forenames are compared only where the surname agrees in some way: most candidates born
-- on the day are strangers, and stop here.
levels AS MATERIALIZED (
    SELECT c.driver_id, c.kind, c.dob_match, c.forename_key, c.middle_keys, c.s_level,
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
    FROM surnames c, q
    WHERE c.s_level <> 'none'
),
scored AS MATERIALIZED (
    SELECT l.*, m.mid,
           (CASE l.dob_match WHEN 'same' THEN 40 WHEN 'swapped' THEN 32 ELSE 20 END
            + CASE l.s_level WHEN 'identical' THEN 35 WHEN 'punctuation' THEN 35 WHEN 'reversed' THEN 33
                             WHEN 'part' THEN 28 WHEN 'sound' THEN 27 WHEN 'typo' THEN 26 ELSE 18 END
            + CASE l.f_level WHEN 'identical' THEN 25 WHEN 'spacing' THEN 25 WHEN 'reversed' THEN 23
                             WHEN 'variant' THEN 22 WHEN 'sound' THEN 21 WHEN 'middle' THEN 17
                             WHEN 'initial' THEN 15 WHEN 'initials' THEN 15 WHEN 'abbreviation' THEN 14
                             WHEN 'gendered' THEN 8 ELSE 12 END
            + CASE m.mid WHEN 'differ' THEN -12 WHEN 'one_sided' THEN -1 ELSE 0 END
            + CASE l.kind WHEN 'alias' THEN -1 WHEN 'former' THEN -2 ELSE 0 END) AS points,
           (l.dob_match IN ('same', 'swapped')
            AND l.s_level IN ('identical', 'punctuation', 'reversed', 'part', 'sound', 'typo')
            AND l.f_level NOT IN ('similar', 'sound_far', 'abbreviation', 'gendered') AND m.mid <> 'differ') AS strong
    FROM levels l, q,
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
         ) AS m
    WHERE l.f_level <> 'none'
),
-- The score keeps the bands apart: strong 71-99, possible scaled to 69 or below, so ranking
-- by score puts every strong match above every possible one; 100 is left for an identical
-- identifier.
ranked AS (
    SELECT *, CASE WHEN strong THEN greatest(71, least(points, 99)) ELSE (points * 7 + 5) / 10 END AS score
    FROM scored
),
best AS (
    SELECT DISTINCT ON (driver_id) *
    FROM ranked
    ORDER BY driver_id, score DESC, distance
),
top AS (
    SELECT * FROM best ORDER BY score DESC, distance, driver_id LIMIT :limit
),
audit AS (
    INSERT INTO audit_log (user_id, authority_id, action, purpose, case_reference, driver_id,
                           search_id, subject, detail)
    SELECT $6, $7, 'search', $8, $9, t.driver_id, $10, 'name', jsonb_build_object('results', n.total)
    FROM (SELECT count(*) AS total FROM top) AS n LEFT JOIN top t ON true
)
SELECT top.driver_id, top.score, top.strong, top.dob_match, top.s_level,
       top.f_level, top.mid, top.kind, :summary AS summary
FROM top JOIN driver d ON d.id = top.driver_id
ORDER BY top.score DESC, top.distance, top.driver_id
