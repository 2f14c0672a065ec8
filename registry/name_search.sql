-- Name and date of birth search: one statement that finds, scores and ranks, writes the audit
-- rows and reads each driver's summary. registry/search.py says how candidates are found;
-- the comparison and its weights are the match model's (registry/match/compare.sql, put in
-- place of the compare placeholder). registry/search.py completes the template: the summary
-- placeholder becomes registry.records.SUMMARY, the limit placeholder the page size.
WITH q AS MATERIALIZED (
    SELECT 1 AS q_id, s.raw AS s_raw, s.key AS s_key, s.tokens AS s_tokens,
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
           ELSE '{}' END AS s_parts,
           $11::text[] AS particles,
           (SELECT share FROM name_frequency WHERE field = 'surname' AND key = s.key) AS s_share,
           (SELECT share FROM name_frequency WHERE field = 'forename' AND key = f.tokens[1]) AS f_share,
           (SELECT share FROM name_frequency WHERE field = 'birthday' AND key = to_char($3::date, 'MMDD')) AS birthday_share
    -- name_key(x) is the concatenation of forename_tokens(x) (search_tokens is the same, inlined):
    -- one call gives both.
    FROM (SELECT t.raw, array_to_string(t.tokens, '') AS key, t.tokens
          FROM (SELECT $2::text AS raw, search_tokens($2) AS tokens) AS t) AS s,
         (SELECT search_tokens($1) AS tokens) AS f
),
cand AS (
    SELECT 1 AS q_id, dn.driver_id, dn.kind, dn.surname, dn.surname_key, dn.surname_sound, dn.forename_key,
           dn.middle_keys, dn.forename_sound, 'same' AS dob_match
    FROM driver_name dn WHERE dn.date_of_birth = $3
    UNION ALL
    SELECT 1, dn.driver_id, dn.kind, dn.surname, dn.surname_key, dn.surname_sound, dn.forename_key,
           dn.middle_keys, dn.forename_sound, 'swapped'
    FROM driver_name dn WHERE dn.date_of_birth = $4
    UNION ALL
    SELECT 1, dn.driver_id, dn.kind, dn.surname, dn.surname_key, dn.surname_sound, dn.forename_key,
           dn.middle_keys, dn.forename_sound, dob_level($3::date, dn.date_of_birth)
    FROM driver_name dn, q
    WHERE dn.date_of_birth = ANY($5::date[])
      -- a mistyped date with a variation in one name: the other name still sounds the same
      -- (or the two are given the other way round)
      AND (dn.surname_sound IN (q.s_sound, q.s_alt) OR dn.forename_sound IN (q.f_sound, q.f_alt)
           OR dn.surname_sound IN (q.f_sound, q.f_alt))
),
:compare
-- The match weight is the prior (one in the register) plus the evidence; the band and the score
-- follow from the match probability it gives (registry/match/__init__.py): strong at or above
-- the strong probability when every comparison is at a same-name level, with the score 71-99 by
-- probability; otherwise possible, 0-69; 100 is left for an identical identifier. Strong
-- matches rank first, then by weight.
ranked AS (
    SELECT scored.*, mw.match_weight, p.probability, p.probability >= :strong_probability AND :same_name AS strong,
           CASE WHEN p.probability >= :strong_probability AND :same_name
                THEN least(99, 71 + floor(29 * (p.probability - :strong_probability) / (1 - :strong_probability)))::int
                ELSE floor(69 * least(p.probability, :strong_probability) / :strong_probability)::int END AS score
    FROM scored,
         LATERAL (SELECT scored.prior + scored.evidence AS match_weight) AS mw,
         LATERAL (SELECT 1 / (1 + power(2::float8, -mw.match_weight)) AS probability) AS p
),
best AS (
    SELECT DISTINCT ON (driver_id) *
    FROM ranked
    WHERE match_weight >= :least_weight
    ORDER BY driver_id, strong DESC, match_weight DESC, distance
),
top AS (
    SELECT * FROM best ORDER BY strong DESC, match_weight DESC, distance, driver_id LIMIT :limit
),
audit AS (
    INSERT INTO audit_entry (user_id, authority_id, action, purpose, case_reference, driver_id,
                           search_id, subject, detail)
    SELECT acting_as($6, $7), $7, 'search', $8, $9, t.driver_id, $10, 'name', jsonb_build_object('results', n.total)
    FROM (SELECT count(*) AS total FROM top) AS n LEFT JOIN top t ON true
)
SELECT top.driver_id, top.score, top.strong, top.dob_match, top.s_level, top.f_level, top.mid,
       top.kind, top.w_dob, top.w_surname, top.w_forename, top.w_middle, top.match_weight,
       top.probability, :summary AS summary
FROM top JOIN driver d ON d.id = top.driver_id
ORDER BY top.strong DESC, top.match_weight DESC, top.distance, top.driver_id
