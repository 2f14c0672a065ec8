-- The match model (registry/match/): a Fellegi-Sunter evidence weight for each level of each
-- comparison (date of birth, surname, forename, middle names), estimated from data by
-- `crosscheck match train`, never typed by hand; and how common each name and birthday is on
-- the register, for the term-frequency adjustment (agreeing on Khan or on 1 January counts for
-- less than agreeing on Zielinski or on 17 June).

-- m: the share of true pairs (the same person recorded twice) at this level;
-- u: the share of pairs of different people at this level, counted on the register itself.
-- The evidence weight is log2(m / u): positive for evidence of one person, negative against.
CREATE TABLE match_weight (
    comparison text NOT NULL CHECK (comparison IN ('dob', 'surname', 'forename', 'middle')),
    level text NOT NULL CHECK (level ~ '^[a-z_]+$'),
    m double precision NOT NULL CHECK (m > 0 AND m <= 1),
    u double precision NOT NULL CHECK (u > 0 AND u <= 1),
    weight double precision GENERATED ALWAYS AS (ln(m / u) / ln(2)) STORED,
    trained_on text NOT NULL,
    PRIMARY KEY (comparison, level)
);

-- The share of the register's names with this surname or forename key, and of its dates of
-- birth on this day and month ('0101' for 1 January). Names rarer than the table's least
-- share are taken at that share.
CREATE TABLE name_frequency (
    field text NOT NULL CHECK (field IN ('surname', 'forename', 'birthday')),
    key text NOT NULL,
    share double precision NOT NULL CHECK (share > 0 AND share <= 1),
    PRIMARY KEY (field, key)
);
CREATE INDEX name_frequency_least ON name_frequency (field, share);

-- Two numbers below 100 one keying slip apart as two digits: one digit different (12 / 17,
-- 12 / 52) or the two digits swapped (12 / 21).
CREATE FUNCTION one_digit_away(a integer, b integer) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT a <> b AND (a / 10 = b / 10 OR a % 10 = b % 10 OR (a % 10) * 10 + a / 10 = b)
$$;

-- How a recorded date of birth compares with the one given: 'same', 'swapped' (day and month
-- the other way round), 'near' (one digit of the day or the month different, or its two digits
-- swapped), 'year_one_out' (1979 for 1980), 'year_digit' (the year's last digit different, or
-- its last two digits swapped), 'year_tens' (the tens digit different: 1964 for 1984), else
-- 'other'. The search's candidate dates (registry/search.py near_dates) are exactly the dates
-- at one of these levels.
CREATE FUNCTION dob_level(given date, recorded date) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN given = recorded THEN 'same'
        WHEN extract(day FROM given) <= 12 AND extract(day FROM given) <> extract(month FROM given)
             AND recorded = make_date(extract(year FROM given)::int, extract(day FROM given)::int,
                                      extract(month FROM given)::int) THEN 'swapped'
        WHEN extract(year FROM given) = extract(year FROM recorded)
             AND ((extract(month FROM given) = extract(month FROM recorded)
                   AND one_digit_away(extract(day FROM given)::int, extract(day FROM recorded)::int))
                  OR (extract(day FROM given) = extract(day FROM recorded)
                      AND one_digit_away(extract(month FROM given)::int, extract(month FROM recorded)::int)))
             THEN 'near'
        WHEN extract(month FROM given) <> extract(month FROM recorded)
             OR extract(day FROM given) <> extract(day FROM recorded) THEN 'other'
        WHEN abs(extract(year FROM given) - extract(year FROM recorded)) = 1 THEN 'year_one_out'
        WHEN extract(year FROM given)::int / 100 <> extract(year FROM recorded)::int / 100 THEN 'other'
        WHEN extract(year FROM given)::int / 10 = extract(year FROM recorded)::int / 10
             OR (one_digit_away(extract(year FROM given)::int % 100, extract(year FROM recorded)::int % 100)
                 AND extract(year FROM given)::int % 10 <> extract(year FROM recorded)::int % 10) THEN 'year_digit'
        WHEN extract(year FROM given)::int % 10 = extract(year FROM recorded)::int % 10 THEN 'year_tens'
        ELSE 'other'
    END
$$;

-- The service reads the model; `crosscheck match train` and `crosscheck db migrate` write it as
-- the owner.
GRANT SELECT ON match_weight, name_frequency TO crosscheck_app;
