-- Pair scoring: how probably each pair of driver records (a[i], b[i]) is one person, by the
-- match model (registry/match/compare.sql, put in place of the compare placeholder). Every name
-- of a (current, former, alias) is compared with every name of b and the pair takes its best;
-- with $3 true, current names only (training compares what was recorded, not what was learnt).
-- One row per pair given, in the order given (pair_no from 1); a pair whose date of birth
-- agrees in no way still gets its levels and weight (dob 'other').
WITH pairs AS (
    SELECT p.a, p.b, p.pair_no
    FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS p(a, b, pair_no)
),
q AS MATERIALIZED (
    SELECT row_number() OVER () AS q_id, pairs.pair_no, pairs.a, pairs.b,
           an.date_of_birth AS born, an.surname AS s_raw, s.key AS s_key, s.tokens AS s_tokens,
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
               ARRAY(SELECT t FROM unnest(s.tokens) AS t WHERE length(t) >= 3 AND t <> ALL($4::text[]))
           ELSE '{}' END AS s_parts,
           $4::text[] AS particles,
           (SELECT share FROM name_frequency WHERE field = 'surname' AND key = s.key) AS s_share,
           (SELECT share FROM name_frequency WHERE field = 'forename' AND key = f.tokens[1]) AS f_share,
           (SELECT share FROM name_frequency
            WHERE field = 'birthday' AND key = to_char(an.date_of_birth, 'MMDD')) AS birthday_share
    FROM pairs
    JOIN driver_name an ON an.driver_id = pairs.a AND (an.kind = 'current' OR NOT $3::boolean),
         LATERAL (SELECT search_tokens(an.surname) AS tokens) AS st,
         LATERAL (SELECT array_to_string(st.tokens, '') AS key, st.tokens) AS s,
         LATERAL (SELECT search_tokens(an.forenames) AS tokens) AS f
),
cand AS (
    SELECT q.q_id, bn.driver_id, bn.kind, bn.surname, bn.surname_key, bn.surname_sound,
           bn.forename_key, bn.middle_keys, bn.forename_sound, dob_level(q.born, bn.date_of_birth) AS dob_match
    FROM q JOIN driver_name bn ON bn.driver_id = q.b AND (bn.kind = 'current' OR NOT $3::boolean)
),
:compare
best AS (
    SELECT DISTINCT ON (q.pair_no) q.pair_no, scored.*, scored.prior + scored.evidence AS match_weight
    FROM scored JOIN q ON q.q_id = scored.q_id
    ORDER BY q.pair_no, scored.prior + scored.evidence DESC, scored.distance
)
SELECT pairs.pair_no, pairs.a, pairs.b, best.dob_match, best.s_level, best.f_level, best.mid,
       best.kind, best.w_dob, best.w_surname, best.w_forename, best.w_middle, best.prior,
       best.match_weight
FROM pairs LEFT JOIN best ON best.pair_no = pairs.pair_no
ORDER BY pairs.pair_no
