-- A name's whole sound, not cut short. PostgreSQL's dmetaphone stops at 4 letters, so a short
-- surname and a longer one that starts the same way share a code (Roberts / Robertson,
-- Christie / Christensen, Christopher / Christian). full_sound() is fuzzystrmatch's metaphone
-- at full length, with the differences that transliteration makes and double metaphone also
-- ignores taken out: a doubled letter read once (McCann, Mcann), voiced and voiceless pairs
-- (b/p, g/k/j) merged, and h, w and y dropped. Search calls a name "sounds the same" only when
-- both the double metaphone and this agree (registry/search.py).
CREATE FUNCTION full_sound(name_key text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT translate(metaphone(regexp_replace(name_key, '(.)\1+', '\1', 'g'), 32), 'BGJHWY', 'PKK')
$$;
