"""Identifiers an officer types in: driving licence numbers, National Insurance
numbers and postcodes.

Each ``normalise_*`` function returns the canonical form or raises
``IdentifierError`` with a sentence that tells the officer what is wrong. Messages
refer to positions (counted without spaces) and never repeat what was typed: the
values are personal data and messages end up in logs.

A GB licence number's check letters use an algorithm DVLA does not publish, so we
validate the structure (DVSA's rule, see docs/domain.md) and, separately, report
inconsistencies with the person's details as warnings: a mismatch is a reason to
look closer, not proof of a false number (surnames change, records have typos).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date

from unidecode import unidecode

__all__ = [
    "IdentifierError",
    "gb_licence_for",
    "gb_licence_warnings",
    "identify",
    "normalise_eu_licence",
    "normalise_gb_licence",
    "normalise_ni_licence",
    "normalise_ni_number",
    "normalise_postcode",
]


class IdentifierError(ValueError):
    """An identifier that cannot be right. ``field`` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __reduce__(self) -> tuple[type[IdentifierError], tuple[str, str]]:
        # So it survives pickling, e.g. coming back from a bulk-import worker process.
        return type(self), (self.field, self.message)


LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
DIGITS = frozenset("0123456789")
ALPHANUMERIC = LETTERS | DIGITS

# People paste numbers from documents and emails, which bring typographic dashes.
_SEPARATORS = str.maketrans("", "", "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")


def _compact(raw: str | None) -> str:
    """Drop whitespace (any kind) and dashes; keep everything else for checking."""
    if raw is None:
        return ""
    return "".join(str(raw).split()).translate(_SEPARATORS)


def _first_non_alphanumeric(value: str) -> int | None:
    """1-based position of the first character that is not an ASCII letter or digit.

    Checked before upper-casing: str.upper() can change the length of non-ASCII
    text ("ß" -> "SS"), which would make position numbers wrong.
    """
    for position, char in enumerate(value, start=1):
        if char.upper() not in ALPHANUMERIC:
            return position
    return None


def _letters_and_numbers(raw: str | None, field: str, missing: str, form: str) -> str:
    """The value compacted and upper-cased; refused when empty (`missing`) or holding
    anything but letters and numbers (`form`: how to write it, with the position)."""
    value = _compact(raw)
    if not value:
        raise IdentifierError(field, missing)
    bad = _first_non_alphanumeric(value)
    if bad:
        raise IdentifierError(field, f"{form}: position {bad} can only be a letter or a number")
    return value.upper()


def _refuse(problem: str | None, field: str, form: str) -> None:
    """Refuse a value whose format check found `problem`, saying how to write it."""
    if problem:
        raise IdentifierError(field, f"{form}: {problem}")


# --- GB driving licence ---------------------------------------------------------

GB_FIELD = "gb_licence_number"
GB_EXAMPLE = "MORGA753116SM9IJ"  # DVLA's published sample number
_GB_FORMAT = f"Enter a GB driving licence number in the correct format, like {GB_EXAMPLE}"
_GB_POSITION_14_FORBIDDEN = frozenset("IOQYZ01")


def normalise_gb_licence(raw: str) -> str:
    """Return the 16-character GB driving licence number, upper case, no spaces.

    Accepts the 2-digit issue number printed after it, and drops it.
    """
    number = _gb_compact(raw, GB_FIELD)
    _refuse(_gb_licence_problem(number), GB_FIELD, _GB_FORMAT)
    return number


def _gb_compact(raw: str | None, field: str) -> str:
    value = _letters_and_numbers(raw, field, "Enter a GB driving licence number", _GB_FORMAT)
    if len(value) == 18 and value[16:].isdigit():
        value = value[:16]  # the issue number, not part of the driver number
    return value


def _gb_licence_problem(number: str) -> str | None:
    """What is wrong with an upper-case alphanumeric candidate, or None."""
    if len(number) == 18:
        return "positions 17 and 18 can only be the 2-digit issue number"
    if len(number) != 16:
        return f"it must be 16 characters, or 18 with the issue number, and this has {len(number)}"
    return (
        _gb_surname_problem(number[:5])
        or _gb_birth_date_problem(number[5:11])
        or _gb_initials_problem(number[11:13])
        or _gb_tail_problem(number[13:])
    )


def _gb_surname_problem(part: str) -> str | None:
    if part[0] not in LETTERS:
        return "position 1 must be a letter, the first letter of the surname"
    for position in range(2, 6):
        char, before = part[position - 1], part[position - 2]
        if before == "9" and char != "9":
            return (
                f"position {position} must be 9, because a surname shorter than "
                "5 letters is padded with 9s to the end of the first 5 characters"
            )
        if char not in LETTERS and char != "9":
            return (
                f"position {position} must be a letter of the surname, "
                "or 9 as padding for a short surname"
            )
    return None


def _gb_birth_date_problem(part: str) -> str | None:
    """Positions 6-11: decade, month (+50 for women), day, year digit."""
    if part[0] not in DIGITS:
        return "position 6 must be a digit, the decade of the year of birth"
    if not part[1:3].isdigit():
        return "positions 7 and 8 must be digits, the month of birth"
    month = int(part[1:3]) % 50  # women's months are 51-62
    if not 1 <= month <= 12:
        return "positions 7 and 8 must be a month from 01 to 12, or 51 to 62 for women"
    if not part[3:5].isdigit():
        return "positions 9 and 10 must be digits, the day of birth"
    day = int(part[3:5])
    if not 1 <= day <= 31:
        return "positions 9 and 10 must be a day from 01 to 31"
    if part[5] not in DIGITS:
        return "position 11 must be a digit, the last digit of the year of birth"
    # The century is not encoded, so "00" may be 2000 (a leap year): any year
    # ending in a multiple of 4 can have 29 February.
    leap = int(part[0] + part[5]) % 4 == 0
    if day > _days_in_month(month, leap):
        return "positions 9 and 10 give a day that does not exist in the month and year of birth"
    return None


def _days_in_month(month: int, leap: bool) -> int:
    return calendar.monthrange(2000 if leap else 2001, month)[1]


def _gb_initials_problem(part: str) -> str | None:
    first, second = part[0], part[1]
    if first == "9":
        if second != "9":
            return "position 13 must be 9 when position 12 is 9 (no initials)"
        return None
    if first not in LETTERS:
        return "position 12 must be a letter, the first initial, or 9 if there is none"
    if second not in LETTERS and second != "9":
        return "position 13 must be a letter, the second initial, or 9 if there is no middle name"
    return None


def _gb_tail_problem(part: str) -> str | None:
    if part[0] in _GB_POSITION_14_FORBIDDEN:
        return "position 14 cannot be I, O, Q, Y, Z, 0 or 1"
    for position in (15, 16):
        if part[position - 14] not in LETTERS:
            return f"position {position} must be a letter (positions 15 and 16 are check letters)"
    return None


# --- GB licence consistency with the person ------------------------------------


def gb_licence_warnings(
    number: str,
    *,
    surname: str | None = None,
    date_of_birth: date | None = None,
    sex: str | None = None,
    forenames: str | None = None,
) -> list[str]:
    """Ways the licence number disagrees with the person's details.

    Details given as None are not checked. ``sex`` is "F", "M" or None (unknown).
    Raises IdentifierError if the number itself is not valid.
    """
    number = normalise_gb_licence(number)
    warnings = []
    if surname is not None:
        warnings += _surname_warnings(number, surname)
    if date_of_birth is not None:
        warnings += _birth_date_warnings(number, date_of_birth, _sex_code(sex))
    if forenames is not None:
        warnings += _initials_warnings(number, forenames)
    return warnings


def _surname_warnings(number: str, surname: str) -> list[str]:
    candidates = _surname_codes(surname)
    if not candidates or number[:5] in candidates:
        return []
    return [
        "Positions 1 to 5 do not match the surname given. The surname may have "
        "changed (DVLA issues a new number when it does), or one of them is mistyped."
    ]


def _birth_date_warnings(number: str, born: date, sex: str | None) -> list[str]:
    warnings = []
    if number[5] + number[10] != f"{born.year % 100:02d}":
        warnings.append("Positions 6 and 11 do not match the year of birth given.")
    coded_month = int(number[6:8])
    if coded_month % 50 != born.month:
        warnings.append("Positions 7 and 8 do not match the month of birth given.")
    elif sex is not None and (coded_month > 50) != (sex == "F"):
        warnings.append(
            "Positions 7 and 8 do not match the sex recorded for the driver "
            "(DVLA adds 50 to the month of birth for women)."
        )
    if int(number[8:10]) != born.day:
        warnings.append("Positions 9 and 10 do not match the day of birth given.")
    return warnings


def _initials_warnings(number: str, forenames: str) -> list[str]:
    candidates = _initials_codes(forenames)
    if not candidates or number[11:13] in candidates:
        return []
    return ["Positions 12 and 13 do not match the initials of the forenames given."]


def _sex_code(sex: str | None) -> str | None:
    """'F' or 'M'; anything else is treated as unknown, so it is not checked."""
    code = (sex or "").strip().upper()
    return code if code in ("F", "M") else None


def _letters(text: str) -> str:
    """A-Z only, after transliterating accents (Ó -> O, ß -> SS)."""
    return "".join(c for c in unidecode(text).upper() if c in LETTERS)


def _surname_code(surname: str) -> str:
    """Positions 1-5 as DVLA builds them: MAC becomes MC (Mack -> MCK99)."""
    letters = _letters(surname)
    if letters.startswith("MAC"):
        letters = "MC" + letters[3:]
    return letters[:5].ljust(5, "9")


def _surname_codes(surname: str) -> set[str]:
    """Codes we accept for a surname, or an empty set if it has no letters.

    Both the DVLA MAC -> MC rule and the surname as written are accepted: the rule
    is documented only in DVLA guidance to form checkers, and older numbers or
    other sources may have used the letters as written.
    """
    letters = _letters(surname)
    if not letters:
        return set()
    return {letters[:5].ljust(5, "9"), _surname_code(surname)}


def _forename_initials(forenames: str, *, split_hyphens: bool) -> str:
    # Full stops and commas separate names ("J.R."); apostrophes do not ("D'Arcy").
    # unidecode turns typographic dashes into "-".
    separators = r"[\s.,\-]+" if split_hyphens else r"[\s.,]+"
    names = (_letters(word) for word in re.split(separators, unidecode(forenames)))
    return "".join(name[0] for name in names if name)


def _initials_code(forenames: str | None) -> str:
    initials = _forename_initials(forenames or "", split_hyphens=False)
    return initials[:2].ljust(2, "9")


def _initials_codes(forenames: str) -> set[str]:
    """Codes we accept: a hyphenated forename (Mary-Jane) may count as one name or two."""
    codes = set()
    for split_hyphens in (False, True):
        initials = _forename_initials(forenames, split_hyphens=split_hyphens)
        if initials:
            codes.add(initials[:2].ljust(2, "9"))
    return codes


def gb_licence_for(
    surname: str,
    forenames: str | None,
    date_of_birth: date,
    sex: str | None,
    *,
    position14: str = "A",
    check: str = "AA",
) -> str:
    """A structurally valid GB licence number consistent with the person.

    For synthetic data and tests: the check letters are made up, as DVLA's
    algorithm for them is not public.
    """
    if not _letters(surname):
        raise IdentifierError("surname", "The surname must contain at least one letter")
    month = date_of_birth.month + (50 if _sex_code(sex) == "F" else 0)
    year = f"{date_of_birth.year % 100:02d}"
    number = (
        _surname_code(surname)
        + year[0]
        + f"{month:02d}{date_of_birth.day:02d}"
        + year[1]
        + _initials_code(forenames)
        + position14
        + check
    )
    return normalise_gb_licence(number)


# --- Northern Ireland driving licence -------------------------------------------

NI_LICENCE_FIELD = "ni_licence_number"
_NI_LICENCE_FORMAT = (
    "Enter a Northern Ireland driving licence number in the correct format, like 12345678"
)


def normalise_ni_licence(raw: str) -> str:
    """Return the 8-digit Northern Ireland driving licence number."""
    value = _compact(raw)
    if not value:
        raise IdentifierError(NI_LICENCE_FIELD, "Enter a Northern Ireland driving licence number")
    _refuse(_ni_licence_problem(value), NI_LICENCE_FIELD, _NI_LICENCE_FORMAT)
    return value


def _ni_licence_problem(value: str) -> str | None:
    for position, char in enumerate(value, start=1):
        if char not in DIGITS:
            return f"it must be 8 digits, and position {position} is not a digit"
    if len(value) != 8:
        return f"it must be 8 digits, and this has {len(value)}"
    return None


# --- National Insurance number --------------------------------------------------

NI_NUMBER_FIELD = "ni_number"
_NI_NUMBER_FORMAT = "Enter a National Insurance number in the correct format, like QQ 12 34 56 C"
_NI_NEVER_FIRST = frozenset("DFIQUV")
_NI_NEVER_SECOND = frozenset("DFIQUVO")
_NI_UNUSED_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def normalise_ni_number(raw: str) -> str:
    """Return the National Insurance number as 9 characters, like QQ123456C."""
    value = _letters_and_numbers(
        raw, NI_NUMBER_FIELD, "Enter a National Insurance number", _NI_NUMBER_FORMAT
    )
    _refuse(_ni_number_problem(value), NI_NUMBER_FIELD, _NI_NUMBER_FORMAT)
    return value


def _ni_number_problem(value: str) -> str | None:
    if len(value) != 9:
        return (
            "it must be 2 letters, 6 numbers and a letter A, B, C or D, "
            f"and this has {len(value)} characters"
        )
    if value[0] not in LETTERS or value[1] not in LETTERS:
        return "it must start with 2 letters"
    if value[0] in _NI_NEVER_FIRST:
        return "the first letter cannot be D, F, I, Q, U or V"
    if value[1] in _NI_NEVER_SECOND:
        return "the second letter cannot be D, F, I, O, Q, U or V"
    if value[:2] in _NI_UNUSED_PREFIXES:
        return "it cannot start with BG, GB, KN, NK, NT, TN or ZZ, which are not used"
    for position in range(3, 9):
        if value[position - 1] not in DIGITS:
            return f"positions 3 to 8 must be numbers, and position {position} is not"
    if value[8] not in "ABCD":
        return "the last character must be the letter A, B, C or D"
    return None


# --- Postcode -------------------------------------------------------------------

POSTCODE_FIELD = "postcode"
_POSTCODE_FORMAT = "Enter a full UK postcode, like SW1A 1AA"

# The outward-code shapes and the letters each position may hold, from the
# government data standard for postcodes (BS 7666).
_OUTWARD = re.compile(
    r"""
      [A-PR-UWYZ][0-9][0-9]?              # A9, A99
    | [A-PR-UWYZ][A-HK-Y][0-9][0-9]?      # AA9, AA99
    | [A-PR-UWYZ][0-9][ABCDEFGHJKPSTUW]   # A9A
    | [A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]  # AA9A
    """,
    re.VERBOSE,
)
_INWARD_LETTERS_NEVER = frozenset("CIKMOV")


def normalise_postcode(raw: str) -> str:
    """Return the postcode as outward code, space, inward code: "SW1A 1AA"."""
    value = _letters_and_numbers(raw, POSTCODE_FIELD, "Enter a postcode", _POSTCODE_FORMAT)
    _refuse(_postcode_problem(value), POSTCODE_FIELD, _POSTCODE_FORMAT)
    return f"{value[:-3]} {value[-3:]}"


def _postcode_problem(value: str) -> str | None:
    if not 5 <= len(value) <= 7:
        return f"a postcode has 5 to 7 letters and numbers, and this has {len(value)}"
    if value == "GIR0AA":  # Girobank's historic postcode, still in use
        return None
    inward, outward = value[-3:], value[:-3]
    if inward[0] not in DIGITS or inward[1] not in LETTERS or inward[2] not in LETTERS:
        return "the last part must be a number followed by 2 letters"
    if inward[1] in _INWARD_LETTERS_NEVER or inward[2] in _INWARD_LETTERS_NEVER:
        return "the last 2 letters cannot be C, I, K, M, O or V"
    if not _OUTWARD.fullmatch(outward):
        return "the first part, before the space, is not a UK postcode area and district"
    return None


# --- EU driving licence ---------------------------------------------------------

EU_FIELD = "eu_licence_number"
EU_COUNTRY_FIELD = "eu_licence_country"
# ISO 3166-1 alpha-2 codes of the EU member states; EL is the EU's own code for Greece.
# fmt: off
EU_COUNTRIES = frozenset((
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "GR", "HR",
    "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
))
# fmt: on


def normalise_eu_licence(raw: str | None, country: str) -> str:
    """Return an EU driving licence number, upper case without spaces.

    Formats differ by member state, so only a loose check: 4 to 20 letters and
    numbers. A country that is not an EU member state is reported against the
    country field ("eu_licence_country").
    """
    if (country or "").strip().upper() not in EU_COUNTRIES:
        raise IdentifierError(
            EU_COUNTRY_FIELD, "Select the EU country that issued the driving licence"
        )
    value = _compact(raw)
    if not value:
        raise IdentifierError(EU_FIELD, "Enter the EU driving licence number")
    bad = _first_non_alphanumeric(value)
    if bad:
        raise IdentifierError(
            EU_FIELD,
            f"Enter the EU driving licence number using only letters and numbers: "
            f"position {bad} is neither",
        )
    if not 4 <= len(value) <= 20:
        raise IdentifierError(
            EU_FIELD,
            "Enter the EU driving licence number as shown on the licence: it must be "
            f"4 to 20 letters and numbers, and this has {len(value)}",
        )
    return value.upper()


# --- Search box -----------------------------------------------------------------

IDENTIFIER_FIELD = "identifier"
_NOT_AN_IDENTIFIER = (
    "That is not a GB or Northern Ireland driving licence number or a National Insurance number"
)


def identify(raw: str) -> tuple[str, str]:
    """Recognise what an officer typed into a search box.

    Returns (kind, normalised), kind being "gb_licence", "ni_licence" or
    "ni_number". When the input has the shape of one kind but breaks its rules,
    the message says what is wrong with it as that kind.
    """
    value = _compact(raw)
    bad = _first_non_alphanumeric(value)
    if bad:
        raise _not_an_identifier(f"position {bad} can only be a letter or a number")
    value = value.upper()
    likely = _likely_kind(value)
    if likely is None:
        raise _not_an_identifier("enter one, like MORGA753116SM9IJ, 12345678 or QQ 12 34 56 C")
    kind, problem_of = likely
    if kind == "gb_licence" and len(value) == 18 and value[16:].isdigit():
        value = value[:16]
    problem = problem_of(value)
    if problem:
        raise _not_an_identifier(f"it looks like {_KIND_NAMES[kind]}, but {problem}")
    return kind, value


_KIND_NAMES = {
    "gb_licence": "a GB driving licence number",
    "ni_licence": "a Northern Ireland driving licence number",
    "ni_number": "a National Insurance number",
}


def _likely_kind(value: str) -> tuple[str, Callable[[str], str | None]] | None:
    """Guess the kind from its shape, loosely enough to give a useful message.

    The three kinds have different lengths (16 or 18, 8, 9), so a well-formed
    value is never ambiguous; near misses are guessed from the characters.
    """
    if value.isdigit() and 6 <= len(value) <= 10:
        return "ni_licence", _ni_licence_problem
    if 8 <= len(value) <= 10 and value[:2].isalpha() and value[2:8].isdigit():
        return "ni_number", _ni_number_problem
    if 14 <= len(value) <= 18 and value[0] in LETTERS:
        return "gb_licence", _gb_licence_problem
    return None


def _not_an_identifier(detail: str) -> IdentifierError:
    return IdentifierError(IDENTIFIER_FIELD, f"{_NOT_AN_IDENTIFIER}: {detail}")
