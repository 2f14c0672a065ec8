"""Officers type identifiers from documents held up to a camera, photocopies and
emails. These tests follow what they type and what they should be told."""

import pickle
import re
from datetime import date

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from registry.identifiers import (
    IdentifierError,
    gb_licence_for,
    gb_licence_warnings,
    identify,
    normalise_eu_licence,
    normalise_gb_licence,
    normalise_ni_licence,
    normalise_ni_number,
    normalise_postcode,
)

SAMPLE = "MORGA753116SM9IJ"  # DVLA's sample: a woman, born 11 March 1976, initials S M

# The DVSA structural rule (docs/domain.md), restricted to ASCII like our validator.
DVSA_RULE = re.compile(
    r"^(?=.{16}$)[A-Za-z]{1,5}9{0,4}[0-9](?:[05][1-9]|[16][0-2])"
    r"(?:[0][1-9]|[12][0-9]|3[01])[0-9](?:99|[A-Za-z][A-Za-z9])"
    r"(?![IOQYZioqyz01_])\w[A-Za-z]{2}",
    re.ASCII,
)


def error_from(function, *args) -> IdentifierError:
    with pytest.raises(IdentifierError) as caught:
        function(*args)
    return caught.value


# --- GB driving licence: the officer types a number ----------------------------


def test_the_dvla_sample_number_is_accepted_as_it_is():
    assert normalise_gb_licence(SAMPLE) == SAMPLE


def test_an_officer_types_the_number_in_lower_case_with_spaces_and_the_issue_number():
    assert normalise_gb_licence("morga 753116 sm9ij 02") == SAMPLE


def test_a_number_pasted_from_an_email_with_dashes_and_a_non_breaking_space():
    assert normalise_gb_licence("MORGA\u00a0753116-SM9IJ") == SAMPLE


@pytest.mark.parametrize(
    ("typed", "told"),
    [
        (
            "MORGA753116SM9I",
            "it must be 16 characters, or 18 with the issue number, and this has 15",
        ),
        ("MORGA753116SM9IJ1", "this has 17"),
        ("MORGA753116SM9IJAB", "positions 17 and 18 can only be the 2-digit issue number"),
        ("1ORGA753116SM9IJ", "position 1 must be a letter"),
        ("MO9GA753116SM9IJ", "position 4 must be 9"),
        ("MORG7753116SM9IJ", "position 5 must be a letter of the surname, or 9"),
        ("MORGAX53116SM9IJ", "position 6 must be a digit"),
        ("MORGA7X3116SM9IJ", "positions 7 and 8 must be digits"),
        (
            "MORGA713116SM9IJ",
            "positions 7 and 8 must be a month from 01 to 12, or 51 to 62 for women",
        ),
        ("MORGA700116SM9IJ", "positions 7 and 8 must be a month"),
        ("MORGA763116SM9IJ", "positions 7 and 8 must be a month"),
        ("MORGA7531X6SM9IJ", "positions 9 and 10 must be digits"),
        ("MORGA753326SM9IJ", "positions 9 and 10 must be a day from 01 to 31"),
        ("MORGA753006SM9IJ", "positions 9 and 10 must be a day from 01 to 31"),
        ("MORGA75311XSM9IJ", "position 11 must be a digit"),
        ("MORGA7531167M9IJ", "position 12 must be a letter"),
        ("MORGA753116S89IJ", "position 13 must be a letter, the second initial, or 9"),
        ("MORGA75311698MIJ", "position 13 must be 9 when position 12 is 9"),
        ("MORGA753116S!9IJ", "position 13 can only be a letter or a number"),
        ("MORGA753116SM0IJ", "position 14 cannot be I, O, Q, Y, Z, 0 or 1"),
        ("MORGA753116SMQIJ", "position 14 cannot be"),
        ("MORGA753116SM9I7", "position 16 must be a letter"),
    ],
)
def test_the_officer_is_told_exactly_what_is_wrong(typed, told):
    error = error_from(normalise_gb_licence, typed)
    assert error.field == "gb_licence_number"
    assert error.message.startswith(
        "Enter a GB driving licence number in the correct format, like MORGA753116SM9IJ: "
    )
    assert told in error.message


def born(year: int, month: str, day: str) -> str:
    """The sample number with another date of birth written into positions 6-11."""
    decade, last = f"{year % 100:02d}"
    return SAMPLE[:5] + decade + month + day + last + SAMPLE[11:]


@pytest.mark.parametrize(
    "typed",
    [
        born(1976, "04", "30"),
        born(1976, "53", "31"),  # a woman born 31 March
        born(1984, "02", "29"),  # leap year
        born(2000, "52", "29"),  # "00" may be 2000, a leap year: the century is not encoded
        born(1999, "12", "31"),
    ],
)
def test_real_dates_of_birth_are_accepted(typed):
    assert normalise_gb_licence(typed) == typed


@pytest.mark.parametrize(
    "typed",
    [
        born(1976, "04", "31"),
        born(1976, "54", "31"),  # the same for a woman
        born(1984, "02", "30"),
        born(1983, "02", "29"),  # not a leap year
        born(1983, "52", "29"),
    ],
)
def test_days_that_do_not_exist_in_the_month_are_rejected(typed):
    error = error_from(normalise_gb_licence, typed)
    assert "positions 9 and 10 give a day that does not exist" in error.message


def test_an_empty_box_asks_for_the_number():
    assert error_from(normalise_gb_licence, "   ").message == "Enter a GB driving licence number"


def test_error_messages_never_repeat_the_number():
    error = error_from(normalise_gb_licence, "JONES802305AB2CD")  # 30 February
    for message in (error.message, str(error)):
        assert "JONES" not in message and "8023" not in message


def test_the_error_survives_a_trip_to_a_worker_process():
    error = error_from(normalise_gb_licence, "nonsense")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.field, copy.message) == (error.field, error.message)
    assert isinstance(copy, ValueError)


# --- GB driving licence: does it belong to this person? -----------------------


def test_the_sample_number_matches_its_holder():
    assert (
        gb_licence_warnings(
            SAMPLE,
            surname="Morgan",
            forenames="Sarah Meredith",
            date_of_birth=date(1976, 3, 11),
            sex="F",
        )
        == []
    )


def test_every_disagreement_is_named_by_its_positions():
    warnings = gb_licence_warnings(
        SAMPLE,
        surname="Jones",
        forenames="Tom",
        date_of_birth=date(1981, 4, 12),
        sex="F",
    )
    assert [w.split(" do not")[0] for w in warnings] == [
        "Positions 1 to 5",
        "Positions 6 and 11",
        "Positions 7 and 8",
        "Positions 9 and 10",
        "Positions 12 and 13",
    ]
    assert "surname may have changed" in warnings[0]
    assert not any("Jones" in w or "Tom" in w or "1981" in w for w in warnings)


def test_a_man_whose_month_is_coded_for_a_woman_is_flagged_not_rejected():
    warnings = gb_licence_warnings(SAMPLE, date_of_birth=date(1976, 3, 11), sex="M")
    assert warnings == [
        "Positions 7 and 8 do not match the sex recorded for the driver "
        "(DVLA adds 50 to the month of birth for women)."
    ]


def test_when_sex_is_not_recorded_either_month_coding_is_fine():
    assert gb_licence_warnings(SAMPLE, date_of_birth=date(1976, 3, 11), sex=None) == []


def test_details_not_given_are_not_checked():
    assert gb_licence_warnings(SAMPLE) == []


def test_apostrophes_are_dropped_from_the_surname():
    number = "OCARR" + SAMPLE[5:]
    assert gb_licence_warnings(number, surname="O'Carroll") == []
    assert gb_licence_for("O'Carroll", "Siobhán", date(1976, 3, 11), "F").startswith("OCARR")


def test_short_surnames_are_padded_with_nines():
    assert gb_licence_for("Lee", "Ann", date(1990, 1, 2), "F").startswith("LEE99")
    assert gb_licence_warnings("LEE99" + SAMPLE[5:], surname="Lee") == []


def test_accents_are_read_as_plain_letters():
    number = gb_licence_for("Núñez", "José", date(1985, 6, 7), "M")
    assert number.startswith("NUNEZ")
    assert gb_licence_warnings(number, surname="NUNEZ", forenames="jose") == []


def test_mac_surnames_are_accepted_as_dvla_writes_them_or_as_spelt():
    # DVLA's guidance: a surname beginning "Mac" is coded "MC" (Mack -> MCK99).
    assert gb_licence_for("MacDonald", "Iain", date(1970, 1, 1), "M").startswith("MCDON")
    for number in ("MCDON" + SAMPLE[5:], "MACDO" + SAMPLE[5:]):
        assert gb_licence_warnings(number, surname="MacDonald") == []
    assert gb_licence_warnings("MCDON" + SAMPLE[5:], surname="McDonald") == []


def test_a_single_forename_gives_an_initial_and_a_nine():
    number = gb_licence_for("Smith", "Jane", date(1990, 5, 17), "F")
    assert number[11:13] == "J9"
    assert gb_licence_warnings(number, forenames="Jane Alice") != []


def test_no_forenames_gives_99():
    assert gb_licence_for("Smith", None, date(1990, 5, 17), "F")[11:13] == "99"


def test_a_hyphenated_forename_may_count_as_one_name_or_two():
    for initials in ("MA", "MJ"):
        number = SAMPLE[:11] + initials + SAMPLE[13:]
        assert gb_licence_warnings(number, forenames="Mary-Jane Alice") == []


def test_a_number_that_breaks_the_format_cannot_be_checked_for_warnings():
    with pytest.raises(IdentifierError):
        gb_licence_warnings("MORGA713116SM9IJ", surname="Morgan")


names = st.text(
    alphabet=st.characters(categories=("Lu", "Ll", "Zs"), include_characters="'-."),
    min_size=1,
    max_size=30,
)


@settings(max_examples=300)
@given(
    surname=names,
    forenames=st.none() | names,
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    sex=st.sampled_from(["F", "M", None]),
    position14=st.sampled_from("ABCDEFGHJKLMNPRSTUVWX23456789"),
    check=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
)
@example(
    surname="MacDonald",
    forenames="Mary-Jane",
    born=date(2000, 2, 29),
    sex="F",
    position14="9",
    check="IJ",
)
def test_every_number_built_for_a_person_is_valid_and_matches_them(
    surname, forenames, born, sex, position14, check
):
    assume(any(c.isalpha() for c in surname))
    try:
        number = gb_licence_for(surname, forenames, born, sex, position14=position14, check=check)
    except IdentifierError as error:
        # Letters that unidecode cannot turn into A-Z leave no surname to code.
        assert error.field == "surname"
        return
    assert normalise_gb_licence(number) == number
    assert DVSA_RULE.match(number)
    assert (
        gb_licence_warnings(
            number, surname=surname, forenames=forenames, date_of_birth=born, sex=sex
        )
        == []
    )


TRICKY = "ABIOQYZ0123456789"


def typo(number: str, position: int, char: str) -> str:
    return number[:position] + char + number[position + 1 :]


# Mostly valid numbers with one or two typos, so both sides of the rule get tested.
near_misses = st.builds(
    lambda number, typos: _apply(number, typos),
    st.sampled_from([SAMPLE, "LEE99802294J9ACB", "NG999001318996XZ", "OCARR052290S9AAA"]),
    st.lists(st.tuples(st.integers(0, 15), st.sampled_from(TRICKY)), max_size=2),
)


def _apply(number, typos):
    for position, char in typos:
        number = typo(number, position, char)
    return number


@settings(max_examples=500)
@given(near_misses | st.text(alphabet=TRICKY, min_size=16, max_size=16))
def test_the_validator_agrees_with_the_dvsa_rule(candidate):
    # DVSA's rule does not know that 31 April does not exist; ours does, so it may
    # only be stricter than the rule, and only about the day.
    try:
        normalise_gb_licence(candidate)
        accepted = True
    except IdentifierError as error:
        accepted = False
        stricter = "does not exist" in error.message
    if accepted:
        assert DVSA_RULE.match(candidate)
    elif DVSA_RULE.fullmatch(candidate):
        # The published rule has no end anchor, so it also "matches" numbers whose parts are
        # out of position (a 4-letter surname not padded with 9); only a full match is a
        # number the rule really admits.
        assert stricter


@settings(max_examples=300)
@given(st.text(max_size=30))
@example("MORGA753116SM9IJ02")
def test_normalising_a_gb_number_twice_changes_nothing(typed):
    try:
        once = normalise_gb_licence(typed)
    except IdentifierError:
        return
    assert normalise_gb_licence(once) == once


# --- Anything at all typed into any box ---------------------------------------

everything = [
    normalise_gb_licence,
    normalise_ni_licence,
    normalise_ni_number,
    normalise_postcode,
    identify,
    lambda raw: normalise_eu_licence(raw, "FR"),
]


@settings(max_examples=200)
@given(st.text(max_size=40), st.sampled_from(everything))
@example("ß" * 16, normalise_gb_licence)
@example("１２３４５６７８", normalise_ni_licence)  # full-width digits
@example("\x00", identify)
def test_garbage_only_ever_raises_identifier_error(typed, function):
    try:
        function(typed)
    except IdentifierError as error:
        assert error.message and error.field


@settings(max_examples=200)
@given(
    st.text(alphabet=st.characters(codec="ascii", categories=("L", "N")), min_size=8, max_size=20),
    st.sampled_from(everything),
)
def test_error_messages_never_contain_what_was_typed(typed, function):
    try:
        function(typed)
    except IdentifierError as error:
        # Mixing letters and digits keeps it from being an ordinary word of the message.
        assume(any(c.isdigit() for c in typed) and any(c.isalpha() for c in typed))
        assume(typed.upper() not in "MORGA753116SM9IJ 12345678")
        assert typed.upper() not in error.message.upper()


# --- Northern Ireland driving licence -----------------------------------------


def test_a_northern_ireland_licence_number_is_8_digits_and_spaces_are_fine():
    assert normalise_ni_licence("1234 5678") == "12345678"


@pytest.mark.parametrize(
    ("typed", "told"),
    [
        ("1234567", "it must be 8 digits, and this has 7"),
        ("123456789", "this has 9"),
        ("1234S678", "position 5 is not a digit"),
        ("１２３４５６７８", "position 1 is not a digit"),
    ],
)
def test_a_wrong_northern_ireland_number_is_explained(typed, told):
    error = error_from(normalise_ni_licence, typed)
    assert error.field == "ni_licence_number"
    assert told in error.message


# --- National Insurance number --------------------------------------------------


def test_a_national_insurance_number_typed_as_printed_on_the_card():
    assert normalise_ni_number("ab 12 34 56 c") == "AB123456C"


@pytest.mark.parametrize(
    ("typed", "told"),
    [
        ("QQ123456C", "the first letter cannot be D, F, I, Q, U or V"),  # HMRC's placeholder
        ("DA123456C", "the first letter cannot be"),
        ("AO123456C", "the second letter cannot be D, F, I, O, Q, U or V"),
        ("AV123456C", "the second letter cannot be"),
        ("AB123456E", "the last character must be the letter A, B, C or D"),
        ("AB12345CC", "position 8 is not"),
        ("A1123456C", "it must start with 2 letters"),
        ("AB123456", "and this has 8 characters"),
    ],
)
def test_a_wrong_national_insurance_number_is_explained(typed, told):
    error = error_from(normalise_ni_number, typed)
    assert error.field == "ni_number"
    assert told in error.message


@given(
    st.sampled_from(["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"]),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.sampled_from("ABCD"),
)
def test_unused_prefixes_are_rejected(prefix, digits, suffix):
    error = error_from(normalise_ni_number, prefix + digits + suffix)
    assert "not used" in error.message


@given(
    st.sampled_from("ABCEGHJKLMNOPRSTWXYZ"),
    st.sampled_from("ABCEGHJKLMNPRSTWXYZ"),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.sampled_from("abcd"),
)
def test_other_national_insurance_numbers_are_accepted(first, second, digits, suffix):
    prefix = first + second
    assume(prefix not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
    typed = f"{prefix.lower()} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    assert normalise_ni_number(typed) == prefix + digits + suffix.upper()


# --- Postcodes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("cf10 1ep", "CF10 1EP"),  # Cardiff
        ("M1 1AE", "M1 1AE"),
        ("b33 8th", "B33 8TH"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("  ll57  2pw ", "LL57 2PW"),  # Bangor, with stray spaces
        ("gir0aa", "GIR 0AA"),
    ],
)
def test_postcodes_are_written_the_standard_way(typed, canonical):
    assert normalise_postcode(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "told"),
    [
        ("SW1A", "a postcode has 5 to 7 letters and numbers, and this has 4"),
        ("SW1A1AAA", "this has 8"),
        ("SW1A AAA", "the last part must be a number followed by 2 letters"),
        ("SW1A 1AC", "the last 2 letters cannot be C, I, K, M, O or V"),
        ("QW1A 1AA", "the first part, before the space, is not a UK postcode area"),
        ("S1I 1AA", "the first part"),
        ("SW1A 1A!", "position 7 can only be a letter or a number"),
    ],
)
def test_a_wrong_postcode_is_explained(typed, told):
    error = error_from(normalise_postcode, typed)
    assert error.field == "postcode"
    assert told in error.message


@given(st.from_regex(r"[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}", fullmatch=True))
def test_normalising_a_postcode_twice_changes_nothing(typed):
    try:
        once = normalise_postcode(typed)
    except IdentifierError:
        return
    assert normalise_postcode(once) == once
    assert re.fullmatch(r"[A-Z0-9]{2,4} [0-9][A-Z]{2}", once)


# --- EU driving licences ----------------------------------------------------------


def test_an_eu_licence_number_is_checked_loosely():
    assert normalise_eu_licence("b072rrE2i55", "de") == "B072RRE2I55"
    assert normalise_eu_licence("12-345 678", "FR") == "12345678"


def test_an_eu_licence_number_of_the_wrong_length_is_explained():
    error = error_from(normalise_eu_licence, "123", "FR")
    assert error.field == "eu_licence_number"
    assert "4 to 20 letters and numbers, and this has 3" in error.message


def test_a_licence_from_outside_the_eu_is_reported_against_the_country():
    error = error_from(normalise_eu_licence, "B072RRE2I55", "GB")
    assert error.field == "eu_licence_country"


# --- The search box -------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("morga 753116 sm9ij 02", ("gb_licence", SAMPLE)),
        ("1234 5678", ("ni_licence", "12345678")),
        ("ab 12 34 56 c", ("ni_number", "AB123456C")),
    ],
)
def test_the_search_box_recognises_what_was_typed(typed, found):
    assert identify(typed) == found


@pytest.mark.parametrize("typed", ["", "hello", "SW1A 1AA", "12", "Morgan, Sarah"])
def test_the_search_box_says_when_it_is_none_of_them(typed):
    error = error_from(identify, typed)
    assert error.field == "identifier"
    assert (
        "not a GB or Northern Ireland driving licence number or a National Insurance number"
        in error.message
    )


@pytest.mark.parametrize(
    ("typed", "told"),
    [
        ("MORGA713116SM9IJ", "it looks like a GB driving licence number, but positions 7 and 8"),
        (
            "1234567",
            "it looks like a Northern Ireland driving licence number, but it must be 8 digits",
        ),
        ("KN123456A", "it looks like a National Insurance number, but it cannot start with"),
    ],
)
def test_the_search_box_explains_a_near_miss(typed, told):
    error = error_from(identify, typed)
    assert error.field == "identifier"
    assert told in error.message


@settings(max_examples=200)
@given(st.text(max_size=25))
def test_whatever_the_search_box_accepts_normalises_the_same_way(typed):
    try:
        kind, value = identify(typed)
    except IdentifierError:
        return
    normalise = {
        "gb_licence": normalise_gb_licence,
        "ni_licence": normalise_ni_licence,
        "ni_number": normalise_ni_number,
    }[kind]
    assert normalise(typed) == value
