"""Name knowledge for matching: where each piece comes from, and loading it.

Search recognises the same person under another spelling with these sources, none of
them a hand-typed list in this project:

- Nicknames and spelling variants of English forenames (Bill / William, Peggy / Margaret,
  Kate / Kathryn): the `nicknames` package on PyPI, Carlton Northern's hand-curated and
  maintained dataset (https://github.com/carltonnorthern/nicknames, Apache-2.0). It is
  loaded into the `name_variant` table, both directions, by `load_name_reference`, which
  `crosscheck db migrate` runs after the migrations, so a newer release of the package
  reaches the register on the next migrate.
- Short forms of first names across European languages (Arek / Arkadiusz, Petya / Pyotr,
  Józsi / József, Sasha / Alexander): the equivalent-name lines of Jörg Michael's
  nam_dict.txt (GNU Free Documentation License 1.2 or later), vendored unchanged with its
  notice as registry/data/name_equivalents.txt from the gender-guesser package on PyPI (the
  licence's full text beside it, name_equivalents.LICENSE);
  loaded into `name_variant` beside the nicknames, both directions, each row naming its source.
- Welsh forms and their English equivalents (Dafydd / David / Dai, Ioan / Sion / John, Gwilym
  / William), the short and English names British Punjabi and Sikh people go by (Gurpreet /
  Preet, Harjinder / Harry), Polish familiar forms (Wojciech / Wojtek, Malgorzata / Gosia,
  Katarzyna / Kasia) and English equivalents of Eastern European forenames (Piotr / Peter,
  Krzysztof / Christopher, Jan / John): registry/data/name_forms.txt, written and curated by
  this project under its own licence, since no maintained dataset with a copying licence
  was found for them. Loaded the same way, both directions.
- Sound: PostgreSQL's fuzzystrmatch extension, double metaphone (`dmetaphone` and
  `dmetaphone_alt`, Lawrence Philips' algorithm as shipped in PostgreSQL contrib). It
  catches transliterations and spellings that keep the consonants (Mohammed / Muhammad /
  Mohammad, Yusuf / Yousaf, Steven / Stephen, Catherine / Kathryn, Hussain / Hussein).
  The driver_name_keys trigger (migration 0001) stores the primary code of every name.
  Double metaphone cuts its code to 4 letters, so a name "sounds the same" only when the
  whole sound agrees too: `full_sound()` (migration 0010), fuzzystrmatch's metaphone at full
  length with the differences transliteration makes taken out (Roberts / Robertson and
  Christopher / Christian share a cut code, not a full one).
- Spelling: pg_trgm trigram similarity and fuzzystrmatch's Levenshtein distance, for
  typing slips that change the sound (a dropped or doubled letter).

Punctuation, spacing, case and accents (O'Neill / ONeill, Smith-Jones / Smith Jones,
Zoë / Zoe) are removed by `name_key()` (migration 0001, using PostgreSQL's unaccent).

A few spelling rules, not lists, sit beside these in migration 0002 (each names its cases):
`spoken()` rewrites conventions double metaphone does not know before coding a forename
(Gaelic bh/mh, Irish Se-/Si-/Ci-, w for v, y for i); `joined_forenames()` brings the writings
of Abdul- together (Abdur Rahman, Abdel Rahman, Abdulrahman); `abbreviation_pattern()` reads
a short form by its consonants (Mohd, Md for Muhammad); `female_form()` tells the male and
female forms of a name apart (Karim / Karima); `transposed()` finds two letters swapped.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg
import nicknames
from unidecode import unidecode

SOURCE = f"nicknames {nicknames.__version__} (github.com/carltonnorthern/nicknames)"
# Short forms across European languages (Arek / Arkadiusz, Petya / Pyotr, Józsi / József):
# Jörg Michael's nam_dict.txt, vendored from the gender-guesser package (GFDL 1.2 or later;
# the file keeps the original notice and says how it was extracted).
EQUIVALENTS = Path(__file__).resolve().parent / "data" / "name_equivalents.txt"
EQUIVALENTS_SOURCE = "nam_dict.txt 1.2 (Joerg Michael, via gender-guesser 0.4.0)"
# Welsh, Punjabi/Sikh, Polish and Eastern European forms: this project's own curated list.
FORMS = Path(__file__).resolve().parent / "data" / "name_forms.txt"
FORMS_SOURCE = "name_forms.txt (Crosscheck's own curated list)"


def _key(name: str) -> str:
    """Letters only, upper case: the same shape name_key() gives in the database."""
    return "".join(c for c in unidecode(name).upper() if "A" <= c <= "Z")


def variant_pairs() -> set[tuple[str, str]]:
    """(name, variant) pairs from the nicknames dataset, in both directions."""
    pairs = set()
    for triplet in nicknames.name_triplets():
        a, b = _key(triplet.name1), _key(triplet.name2)
        if a and b and a != b:
            pairs.add((a, b))
            pairs.add((b, a))
    return pairs


def equivalent_pairs(path: Path = EQUIVALENTS) -> set[tuple[str, str]]:
    """(name, variant) pairs from the vendored equivalents file, in both directions."""
    pairs = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        short, long = (_key(word) for word in line.split("#")[0].split()[:2])
        if short and long and short != long:
            pairs.update({(short, long), (long, short)})
    return pairs


def reference_pairs() -> dict[tuple[str, str], str]:
    """Every (name, variant) pair and the source it is credited to (the nicknames dataset
    first, where both have it)."""
    found = dict.fromkeys(equivalent_pairs(FORMS), FORMS_SOURCE)
    found.update(dict.fromkeys(equivalent_pairs(), EQUIVALENTS_SOURCE))
    found.update(dict.fromkeys(variant_pairs(), SOURCE))
    return found


REPLACE_SOURCE = "DELETE FROM name_variant WHERE source <> ALL($1::text[])"
INSERT_VARIANTS = """
INSERT INTO name_variant (name, variant, source)
SELECT name, variant, source FROM unnest($1::text[], $2::text[], $3::text[]) AS v(name, variant, source)
ON CONFLICT (name, variant) DO UPDATE SET source = EXCLUDED.source
"""


async def load_name_reference(conn: asyncpg.Connection) -> int:
    """Load (or refresh) the forename variant table from every source above. Idempotent."""
    pairs = sorted(reference_pairs().items())
    async with conn.transaction():
        await conn.execute(REPLACE_SOURCE, [SOURCE, EQUIVALENTS_SOURCE, FORMS_SOURCE])
        await conn.execute(
            INSERT_VARIANTS,
            [p[0][0] for p in pairs],
            [p[0][1] for p in pairs],
            [p[1] for p in pairs],
        )
    return len(pairs)
