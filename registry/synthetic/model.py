"""How the synthetic register is drawn: places, people, licences, decisions (see seed.py).

`Generator.chunk(n)` makes n drivers and everything about them as COPY text, one string per
table, from a single `random.Random` consumed in a fixed order. Rows are COPY text rather
than tuples so that generation can run in another process and hand over plain bytes: the
loading process then only streams them to PostgreSQL.
"""

from __future__ import annotations

import itertools
import random
import zlib
from bisect import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar, cast

from unidecode import unidecode

from registry.identifiers import gb_licence_for
from registry.synthetic import duplicates, names
from registry.workdays import add_working_days

# Tables in load order (foreign keys point backwards), with the columns the seed writes.
COLUMNS: dict[str, tuple[str, ...]] = {
    "driver": (
        "id",
        "forenames",
        "surname",
        "date_of_birth",
        "sex",
        "gb_licence_number",
        "ni_licence_number",
        "eu_licence_number",
        "eu_licence_country",
        "ni_number",
        "address",
        "postcode",
        "home_authority_id",
        "recorded_by_authority_id",
        "created_at",
        "updated_at",
    ),
    "driver_name": (
        "id",
        "driver_id",
        "kind",
        "forenames",
        "surname",
        "date_of_birth",
        "recorded_by_authority_id",
    ),
    "licence": (
        "id",
        "driver_id",
        "authority_id",
        "licence_number",
        "kind",
        "status",
        "granted_on",
        "starts_on",
        "expires_on",
        "created_at",
        "updated_at",
    ),
    "licence_change": ("id", "licence_id", "action", "effective_on", "expires_on", "recorded_at"),
    "register_entry": (
        "id",
        "driver_id",
        "authority_id",
        "licence_id",
        "decision",
        "licence_kind",
        "decided_on",
        "effective_on",
        "categories",
        "narrative",
        "status",
        "status_changed_on",
        "first_entered_on",
        "recorded_at",
    ),
    "register_entry_change": ("id", "entry_id", "status", "changed_on", "reason", "recorded_at"),
    "information_request": (
        "id",
        "entry_id",
        "requesting_authority_id",
        "recording_authority_id",
        "case_reference",
        "reason",
        "requested_on",
        "due_on",
        "status",
        "responded_on",
        "response",
        "recorded_at",
    ),
    "concern": (
        "id",
        "driver_id",
        "reporting_authority_id",
        "recipient_authority_id",
        "licence_id",
        "categories",
        "narrative",
        "became_aware_on",
        "reported_on",
        "report_due_on",
        "reply_decision",
        "reply_on",
        "reply_reason",
        "first_entered_on",
        "recorded_at",
    ),
    # the truth about planted duplicates (registry/synthetic/duplicates.py)
    "synthetic_duplicate": ("id", "driver_id", "duplicate_of", "kind"),
}
TABLES = tuple(COLUMNS)
NULL = "\\N"

# --- rates (see the registry.synthetic.seed docstring for the reasoning) ----------------------

FEMALE = 0.05
HAS_GB_LICENCE = 0.96
HAS_NI_NUMBER = 0.93
HAS_NI_LICENCE = 0.004
HAS_POSTCODE = 0.985
ACTIVE = 0.90  # licensed now; the rest have a licence that ended
SURRENDERED = 0.25  # of those whose licence ended
MEDICAL_SUSPENSION = 0.003
SECOND_LICENCE = 0.05
PAST_LICENCE = 0.08
ENTRY = 0.011
CONCERN = 0.002
REQUEST = 0.4  # of entries
LICENSED_AGAIN = 0.33  # of drivers who lost a licence
ALIAS = 0.04
FORMER_FEMALE = 0.6
FORMER_MALE = 0.004
ONE_YEAR_TERM_AUTHORITIES = 0.08
DECISIONS = (("revoked", 35), ("refused", 30), ("suspended", 20), ("refused_renewal", 15))
CATEGORIES = (
    ("road_safety", 30),
    ("offence_risk_of_harm", 18),
    ("sexual_offence", 15),
    ("harm", 14),
    ("harassment", 13),
    ("equality_act", 10),
)
NARRATIVES = {
    "road_safety": (
        "Twelve penalty points in three years, including use of a hand-held phone.",
        "Collision while carrying passengers; driving record shows repeated speeding.",
        "Medical fitness to drive not established; failed to disclose a condition.",
    ),
    "offence_risk_of_harm": (
        "Conviction for dangerous driving.",
        "Caution for possession of an offensive weapon in the vehicle.",
    ),
    "sexual_offence": (
        "Arrested on suspicion of sexual assault of a passenger; investigation ongoing.",
        "Intelligence from the police about sexual exploitation of children.",
    ),
    "harm": (
        "Assault on a passenger after a fare dispute.",
        "Threatening behaviour towards a passenger and a licensing officer.",
    ),
    "harassment": (
        "Repeated complaints of inappropriate comments to lone female passengers.",
        "Sent unwanted messages to a passenger using details from a booking.",
    ),
    "equality_act": (
        "Refused to carry an assistance dog and its owner.",
        "Refused to carry a wheelchair user and charged a passenger extra.",
    ),
}
ENTRY_CHANGE_REASONS = {
    "reinstated": "Suspension lifted after the investigation closed.",
    "appeal_allowed": "Appeal allowed by the magistrates' court.",
    "later_granted": "Licence granted on a later application.",
    "withdrawn": "Entry withdrawn: recorded against the wrong driver.",
}
REQUEST_REASONS = (
    "Application for a private hire driver licence; the register search found this entry.",
    "Renewal of a dual driver licence; the register search found this entry.",
    "Application for a hackney carriage driver licence; the register search found this entry.",
)
REQUEST_RESPONSES = {
    "granted": "Decision notice and committee minutes sent by secure email.",
    "refused": "Refused: the police asked us not to disclose while they investigate.",
    "withdrawn": "",
}
CONCERN_REPLIES = (
    ("no_action", 40),
    ("warning", 25),
    ("suspended", 15),
    ("revoked", 10),
    ("other", 10),
)
CONCERN_REPLY = "Considered under s.6; decision taken by the licensing manager."
TERM = 1095  # 3 x 365 days: always within the 3-year limit whatever the leap years
EU_COUNTRY = {"polish": "PL", "romanian": "RO", "lithuanian": "LT"}


T = TypeVar("T")


def weighted(pairs: Iterable[tuple[T, int]]) -> tuple[T, ...]:
    return tuple(item for item, weight in pairs for _ in range(weight))


# --- places: authorities and the out-of-area model --------------------------------------------

GREATER_MANCHESTER = (
    "Bolton",
    "Bury",
    "Manchester",
    "Oldham",
    "Rochdale",
    "Salford",
    "Stockport",
    "Tameside",
    "Trafford",
    "Wigan",
)
WEST_MIDLANDS = ("Birmingham", "Coventry", "Dudley", "Sandwell", "Solihull", "Walsall")
WEST_YORKSHIRE = ("Bradford", "Calderdale", "Kirklees", "Leeds", "Wakefield")
LANCASHIRE = (
    "Blackburn with Darwen",
    "Burnley",
    "Hyndburn",
    "Pendle",
    "Preston",
    "Chorley",
    "South Ribble",
    "Ribble Valley",
    "West Lancashire",
)
LIVERPOOL_AREA = ("Liverpool", "Wirral", "St. Helens")
HOME_COUNTIES = (
    "Slough",
    "Thurrock",
    "Dartford",
    "Epping Forest",
    "Watford",
    "Hertsmere",
    "Three Rivers",
    "Spelthorne",
    "Elmbridge",
    "Runnymede",
    "Reigate and Banstead",
    "Epsom and Ewell",
    "Broxbourne",
    "Basildon",
    "Brentwood",
    "Windsor and Maidenhead",
    "Sevenoaks",
    "Gravesham",
    "Tandridge",
    "Mole Valley",
    "Welwyn Hatfield",
    "St Albans",
    "Dacorum",
    "Harlow",
    "Castle Point",
    "Southend-on-Sea",
    "Medway",
)
# Drivers per head relative to a unitary authority: London and the metropolitan boroughs have
# far more than shire districts.
DENSITY = {
    "transport_for_london": 1.9,
    "metropolitan_district": 1.35,
    "unitary": 1.0,
    "shire_district": 0.6,
    "welsh_unitary": 0.8,
}
# Wolverhampton's own residents are few of its drivers (4% of 21,188 in 2023/24).
WOLVERHAMPTON_RESIDENTS = 0.5
WOLVERHAMPTON, ROSSENDALE, KNOWSLEY, SEFTON, TFL = (
    "Wolverhampton",
    "Rossendale",
    "Knowsley",
    "Sefton",
    "Transport for London",
)
NEIGHBOUR = "*"


def out_of_area(name: str, region: str) -> tuple[float, list[tuple[str, float]]]:
    """(share of residents licensed elsewhere, [(where, weight)]); '*' is a neighbour."""
    if name == WOLVERHAMPTON:
        return 0.03, [(NEIGHBOUR, 1.0)]
    if name in GREATER_MANCHESTER:
        return 0.45, [(WOLVERHAMPTON, 0.85), (ROSSENDALE, 0.08), (NEIGHBOUR, 0.07)]
    if name in WEST_MIDLANDS:
        return 0.18, [(WOLVERHAMPTON, 0.85), (NEIGHBOUR, 0.15)]
    if name in LANCASHIRE:
        return 0.30, [(ROSSENDALE, 0.60), (WOLVERHAMPTON, 0.30), (NEIGHBOUR, 0.10)]
    if name in LIVERPOOL_AREA:
        return 0.35, [(KNOWSLEY, 0.35), (SEFTON, 0.35), (WOLVERHAMPTON, 0.20), (NEIGHBOUR, 0.10)]
    if name in WEST_YORKSHIRE:
        return 0.10, [(WOLVERHAMPTON, 0.60), (NEIGHBOUR, 0.40)]
    if name in HOME_COUNTIES:
        return 0.25, [(TFL, 0.75), (WOLVERHAMPTON, 0.15), (NEIGHBOUR, 0.10)]
    if name == TFL:
        return 0.03, [(WOLVERHAMPTON, 0.5), (NEIGHBOUR, 0.5)]
    if region == "Wales":
        return 0.05, [(WOLVERHAMPTON, 0.3), (NEIGHBOUR, 0.7)]
    return 0.05, [(WOLVERHAMPTON, 0.25), (NEIGHBOUR, 0.75)]


@dataclass
class Place:
    id: int
    code: str
    name: str
    region: str
    kind: str
    abbr: str
    town_names: tuple[str, ...]
    postcode_areas: tuple[str, ...]
    origins: tuple[str, ...]
    number_format: int
    term: int
    kinds: tuple[str, ...]
    weight: float
    out_rate: float = 0.0
    # (destination names, their cumulative weights)
    destinations: tuple[tuple[str, ...], Sequence[float]] = ((), ())
    neighbours: tuple[Place, ...] = ()


def _stable(text: str) -> int:
    # crc32, not hash(): str hashes change from one process to the next
    return zlib.crc32(text.encode())


def _make_place(row: dict[str, Any]) -> Place:
    name, kind, region = row["name"], row["kind"], row["region"]
    profile = names.PROFILES[names.profile_for(name, kind, region)]
    if kind == "transport_for_london":
        kinds = weighted(
            (("private_hire", 82), ("hackney_carriage", 18))
        )  # TfL has no dual licence
    elif name == WOLVERHAMPTON:
        kinds = weighted((("private_hire", 96), ("dual", 2), ("hackney_carriage", 2)))
    else:
        kinds = weighted((("private_hire", 66), ("dual", 20), ("hackney_carriage", 14)))
    crc = _stable(row["code"])
    one_year = (crc % 1000) / 1000 < ONE_YEAR_TERM_AUTHORITIES and kind != "transport_for_london"
    density = DENSITY.get(kind, 1.0) * (1.3 if name in names.SOUTH_ASIAN_TOWNS else 1.0)
    if name == WOLVERHAMPTON:
        density = WOLVERHAMPTON_RESIDENTS
    return Place(
        id=row["id"],
        code=row["code"],
        name=name,
        region=region,
        kind=kind,
        abbr="TFL" if name == TFL else "".join(c for c in name.upper() if c.isalpha())[:3],
        town_names=names.LONDON_BOROUGHS if kind == "transport_for_london" else (name,),
        postcode_areas=names.POSTCODE_AREAS_BY_NAME.get(name)
        or names.POSTCODE_AREAS_BY_REGION.get(region, ("B",)),
        origins=weighted(sorted(profile.items())),
        number_format=crc % 5,
        term=365 if one_year else TERM,
        kinds=kinds,
        weight=max(row["population"], 1000) * density,
    )


def _cumulative(weights: Iterable[float]) -> list[float]:
    return list(itertools.accumulate(weights))


class Places:
    """Every licensing authority, with cumulative weights for drawing homes and destinations."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.all = [_make_place(r) for r in rows]
        self.by_name = {p.name: p for p in self.all}
        self.home_cum = _cumulative(p.weight for p in self.all)
        by_region: dict[str, list[Place]] = {}
        for p in self.all:
            by_region.setdefault(p.region, []).append(p)
        for p in self.all:
            p.neighbours = tuple(q for q in by_region[p.region] if q is not p) or tuple(
                q for q in self.all if q is not p
            )
            rate, dests = out_of_area(p.name, p.region)
            known = [
                (d, w) for d, w in dests if d == NEIGHBOUR or (d in self.by_name and d != p.name)
            ]
            p.out_rate = rate if known else 0.0
            p.destinations = (tuple(d for d, _ in known), _cumulative(w for _, w in known))

    def home(self, r: float) -> Place:
        return self.all[bisect(self.home_cum, r * self.home_cum[-1])]

    def destination(self, home: Place, r1: float, r2: float) -> Place:
        dests, cum = home.destinations
        if not dests:
            return home.neighbours[int(r2 * len(home.neighbours))]
        d = dests[min(bisect(cum, r1 * cum[-1]), len(dests) - 1)]
        if d == NEIGHBOUR:
            return home.neighbours[int(r2 * len(home.neighbours))]
        return self.by_name[d]


# --- identifiers -----------------------------------------------------------------------------

POSITION_14 = "ABCDEFGHJKLMNPRSTUVWX23456789"  # never I, O, Q, Y, Z, 0 or 1
CHECK_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ"  # never D, F, I, Q, U, V
NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"  # nor O
NI_PREFIXES = tuple(
    a + b
    for a in NI_FIRST
    for b in NI_SECOND
    if a + b not in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")
)
_FIXED_BIRTH = date(1980, 1, 1)


class LicenceNumbers:
    """GB licence numbers consistent with the person, unique.

    Positions 1-5 come from gb_licence_for for the surname and 12-13 for the forenames (each
    cached: they depend on nothing else); the date part is built the same way here; position
    14 and the check letters are drawn until the number is unused.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self._heads: dict[str, str] = {}
        self._initials: dict[str, str] = {}

    def make(self, surname: str, forenames: str, born: date, sex: str) -> str:
        head = self._heads.get(surname)
        if head is None:
            head = self._heads[surname] = gb_licence_for(surname, "A", _FIXED_BIRTH, "M")[:5]
        initials = self._initials.get(forenames)
        if initials is None:
            initials = self._initials[forenames] = gb_licence_for(
                "A", forenames, _FIXED_BIRTH, "M"
            )[11:13]
        year = born.year % 100
        month = born.month + (50 if sex == "F" else 0)
        stem = f"{head}{year // 10}{month:02d}{born.day:02d}{year % 10}{initials}"
        r = self.rng.random
        while True:
            number = (
                stem
                + POSITION_14[int(r() * 29)]
                + CHECK_LETTERS[int(r() * 26)]
                + CHECK_LETTERS[int(r() * 26)]
            )
            if number not in self.used:
                self.used.add(number)
                return number


# --- the generator ---------------------------------------------------------------------------


Held = tuple[int, Place, str]  # a licence written: (id, authority, kind)
# a register entry to write: (decision, authority, licence id, licence kind, decided[, effective])
Entry = tuple[str, Place, int | None, str, int] | tuple[str, Place, int | None, str, int, int]


def _by_ordinal(lo: int, values: list[T]) -> Callable[[int], T]:
    """values[o - lo] looked up by the day ordinal o itself (the fastest lookup, for the hot
    loop): the list is padded with None below lo, where no day drawn falls."""
    padding = cast(list[T], [None] * lo)
    return (padding + values).__getitem__


class Generator:
    """Makes drivers and everything about them, chunk by chunk, from one random stream.

    Dates are day ordinals while drawing; `day(o)` gives the COPY text of a date, `ts(o)` of
    that day at 10:00 UTC, `date(o)` the date object. Ids are handed out in order from the
    first free id of each table (`self.next_driver()` etc.).
    """

    # the id counters, set from first_ids
    next_driver: Callable[[], int]
    next_driver_name: Callable[[], int]
    next_licence: Callable[[], int]
    next_licence_change: Callable[[], int]
    next_register_entry: Callable[[], int]
    next_register_entry_change: Callable[[], int]
    next_information_request: Callable[[], int]
    next_concern: Callable[[], int]
    next_synthetic_duplicate: Callable[[], int]

    def __init__(
        self,
        seed: int,
        places: Places,
        today: date,
        first_ids: dict[str, int],
        drivers: int = 0,
        duplicates: int = 0,
        fresh_addresses: bool = False,
    ) -> None:
        self.rng = random.Random(seed)
        self.drivers, self.duplicates, self.drawn, self.owed = drivers, duplicates, 0, 0
        self.planted_count = self.passed_over = 0
        self.duplicate_rng = random.Random(f"{seed}/duplicates")
        # where a duplicate lives: its own stream, so the duplicates' names and dates are the
        # same whether their homes are drawn afresh or not (fresh_addresses)
        self.home_rng = random.Random(f"{seed}/duplicates/homes")
        self.fresh_addresses = fresh_addresses
        self.lives_at = ("", NULL)  # the address and postcode of the driver last drawn
        self.places = places
        self.t = today.toordinal()
        for table, first in first_ids.items():
            setattr(self, f"next_{table}", itertools.count(first).__next__)
        self.gb = LicenceNumbers(self.rng)
        self.ni_used: set[str] = set()
        self.ni_licences_used: set[str] = set()
        self.licence_counter: dict[int, int] = {}
        self.case_counter = 0
        lo, hi = self.t - 80 * 366, self.t + 2 * TERM
        dates = [date.fromordinal(o) for o in range(lo, hi)]
        self.date = _by_ordinal(lo, dates)
        self.day = _by_ordinal(lo, [d.isoformat() for d in dates])
        self.ts = _by_ordinal(lo, [f"{d.isoformat()} 10:00:00+00" for d in dates])
        self.decisions = weighted(DECISIONS)
        self.categories = weighted(CATEGORIES)
        self.replies = weighted(CONCERN_REPLIES)
        self.alias_kinds = weighted(sorted(names.ALIAS_KINDS.items()))
        self.rows: dict[str, list[str]] = {}

    def chunk(self, n: int) -> dict[str, bytes]:
        """The next n drivers, as COPY text per table."""
        self.rows = {t: [] for t in TABLES}
        for _ in range(n):
            self.driver()
        return {t: "".join(lines).encode() for t, lines in self.rows.items()}

    # -- people --
    def person(self, home: Place) -> tuple[str, str, str, str, str | None]:
        """(forenames, surname, sex, origin, former surname or None)."""
        r = self.rng.random
        origin_name = home.origins[int(r() * len(home.origins))]
        origin = names.ORIGINS[origin_name]
        sex = "F" if r() < FEMALE else "M"
        first_pool = origin.female if sex == "F" else origin.male
        forenames = first_pool[int(r() * len(first_pool))]
        if r() < origin.middle_rate or (sex == "M" and forenames in names.MUHAMMAD and r() < 0.5):
            middles = origin.female if sex == "F" else origin.middles
            middle = middles[int(r() * len(middles))]
            if middle not in forenames.split():
                forenames = f"{forenames} {middle}"
        surnames = origin.female_surnames if sex == "F" else origin.surnames
        surname = surnames[int(r() * len(surnames))]
        if origin_name == "sikh":
            forenames, surname = self._sikh(forenames, surname, sex)
        elif origin_name == "polish" and sex == "F":
            surname = _polish_feminine(surname)
        elif origin_name == "english" and r() < 0.02:
            surname = names.ENGLISH_DOUBLE[int(r() * len(names.ENGLISH_DOUBLE))]
        former = None
        if r() < (FORMER_FEMALE if sex == "F" else FORMER_MALE):
            other = origin.surnames[int(r() * len(origin.surnames))]
            if origin_name == "polish" and sex == "F":
                other = _polish_feminine(other)
            if other != surname:
                former = other
        return forenames, surname, sex, origin_name, former

    def _sikh(self, forenames: str, clan: str, sex: str) -> tuple[str, str]:
        u = self.rng.random()
        title = "Kaur" if sex == "F" else "Singh"
        if u < 0.45:
            return forenames, title  # Gurpreet Singh
        if u < 0.85:
            return f"{forenames} {title}", clan  # Gurpreet Singh Gill
        return forenames, clan  # Gurpreet Gill

    def birth(self) -> int:
        age_days = int(self.rng.triangular(21, 76, 50) * 365.25)
        return self.t - max(age_days, 21 * 366)

    def postcode(self, place: Place) -> str:
        r = self.rng.random
        areas = place.postcode_areas
        area = areas[int(r() * len(areas))]
        district = 1 + int(r() * (9 if len(area) == 2 and r() < 0.5 else 30))
        letters = names.INWARD_LETTERS
        return f"{area}{district} {int(r() * 10)}{letters[int(r() * 20)]}{letters[int(r() * 20)]}"

    def address(self, place: Place) -> str:
        r = self.rng.random
        street = names.STREETS[int(r() * len(names.STREETS))]
        kind = names.STREET_TYPES[int(r() * len(names.STREET_TYPES))]
        town = place.town_names[int(r() * len(place.town_names))]
        return f"{1 + int(r() * 240)} {street} {kind}, {town}"

    def ni_number(self) -> str:
        r = self.rng.random
        while True:
            n = f"{NI_PREFIXES[int(r() * len(NI_PREFIXES))]}{int(r() * 1_000_000):06d}{'ABCD'[int(r() * 4)]}"
            if n not in self.ni_used:
                self.ni_used.add(n)
                return n

    def ni_licence(self) -> str:
        r = self.rng.random
        while True:
            n = f"{int(r() * 100_000_000):08d}"
            if n not in self.ni_licences_used:
                self.ni_licences_used.add(n)
                return n

    def licence_number(self, place: Place, granted: int) -> str:
        n = self.licence_counter.get(place.id, 0) + 1
        self.licence_counter[place.id] = n
        f = 0 if place.kind == "transport_for_london" else place.number_format
        if f == 0:
            return f"{n:06d}"
        if f == 1:
            return f"DL{n:06d}"
        if f == 2:
            return f"{place.abbr}/{n:05d}"
        if f == 3:
            return f"{place.abbr}{n:06d}"
        return f"D/{self.date(granted).year}/{n:05d}"

    # -- licences --
    def licence(
        self,
        driver_id: int,
        place: Place,
        kind: str,
        granted: int,
        status: str,
        end: int | None = None,
    ) -> int:
        """Write a licence and its history; returns its id.

        Live licences (current, suspended) run from their latest renewal; `end` is when a
        licence stopped (expired, surrendered, revoked) or was suspended.
        """
        term = place.term
        if end is not None and end <= granted:
            end = granted + 1
        if status == "expired":  # the last term ran out on `end`
            assert end is not None  # an expired licence is given its last day
            renewals = max(0, (end - granted - 1) // term)
            starts = granted + renewals * term
            expires = end
        else:
            last = self.t if status in ("current", "suspended") or end is None else end
            renewals = max(0, (last - granted) // term)
            starts = granted + renewals * term
            expires = starts + term
            if end is not None:
                end = max(end, starts)
        licence_id = self.next_licence()
        day, ts, nxt = self.day, self.ts, self.next_licence_change
        changes = self.rows["licence_change"]
        changes.append(
            f"{nxt()}\t{licence_id}\tgranted\t{day(granted)}\t"
            f"{day(granted + term if renewals else expires)}\t{ts(granted)}\n"
        )
        # renewals within three years of the latest term's start (the register's own history)
        for k in range(max(1, renewals - TERM // term + 1), renewals + 1):
            s = granted + k * term
            e = expires if k == renewals else s + term
            changes.append(f"{nxt()}\t{licence_id}\trenewed\t{day(s)}\t{day(e)}\t{ts(s)}\n")
        updated = starts
        if status != "current" and end is not None:
            changes.append(f"{nxt()}\t{licence_id}\t{status}\t{day(end)}\t{NULL}\t{ts(end)}\n")
            updated = end
        self.rows["licence"].append(
            f"{licence_id}\t{driver_id}\t{place.id}\t{self.licence_number(place, granted)}\t{kind}\t"
            f"{status}\t{day(granted)}\t{day(starts)}\t{day(expires)}\t{ts(granted)}\t"
            f"{ts(max(updated, granted))}\n"
        )
        return licence_id

    # -- one driver --
    def driver(self) -> None:
        r = self.rng.random
        places = self.places
        home = places.home(r())
        forenames, surname, sex, origin, former = self.person(home)
        born = self.birth()
        born_date = self.date(born)
        driver_id = self.next_driver()
        licensing = home
        if r() < home.out_rate:
            licensing = places.destination(home, r(), r())

        earliest = born + 7671  # 21st birthday, give or take a day
        years = min(self.rng.expovariate(1 / 6.5), 25.0)
        granted = min(self.t - 1, max(earliest, self.t - int(years * 365.25) - int(r() * 30)))
        decision = self.decisions[int(r() * len(self.decisions))] if r() < ENTRY else None
        kind = licensing.kinds[int(r() * len(licensing.kinds))]
        recorded_by = licensing
        licences: list[Held] = []
        entry: Entry | None = None

        if decision == "refused" and r() < 0.4:
            # refused a first licence, and never licensed anywhere
            recorded_by = home
            entry = ("refused", home, None, kind, self._decided_on(earliest))
        elif decision is not None:
            entry = self._adverse(
                driver_id, decision, home, licensing, kind, granted, earliest, licences
            )
        else:
            status, end = "current", None
            if r() >= ACTIVE:
                end = self.t - 1 - int(r() * 1400)
                granted = min(granted, end - 30)
                status = "surrendered" if r() < SURRENDERED else "expired"
                if granted < earliest:
                    granted, end, status = max(earliest, self.t - 400), None, "current"
            elif r() < MEDICAL_SUSPENSION:
                status, end = "suspended", self.t - int(r() * 60)  # medical: not s.1 information
                granted = min(granted, end - 1)
            licences.append(
                (self.licence(driver_id, licensing, kind, granted, status, end), licensing, kind)
            )

        if licences and r() < SECOND_LICENCE:
            other = home if licensing is not home else places.destination(home, r(), r())
            if all(other is not p for _, p, _ in licences):
                kind2 = other.kinds[int(r() * len(other.kinds))]
                g2 = min(self.t - 1, max(earliest, self.t - int(r() * 2000)))
                licences.append(
                    (self.licence(driver_id, other, kind2, g2, "current"), other, kind2)
                )
        first_granted = granted
        if licences and r() < PAST_LICENCE and granted - earliest > 400:
            old = home.neighbours[int(r() * len(home.neighbours))]
            end = granted - int(r() * 60) - 1
            g0 = max(earliest, end - int(r() * 3000) - 200)
            if old is not licensing and end - g0 > 60:
                self.licence(
                    driver_id,
                    old,
                    old.kinds[int(r() * len(old.kinds))],
                    g0,
                    "surrendered" if r() < 0.5 else "expired",
                    end,
                )
                first_granted, recorded_by = g0, old

        east_european = origin in EU_COUNTRY
        gb = NULL
        if r() < HAS_GB_LICENCE and not (east_european and r() < 0.1):
            gb = self.gb.make(surname, forenames, born_date, sex)
        eu_number = eu_country = NULL
        if east_european and r() < 0.2:
            eu_country = EU_COUNTRY[origin]
            eu_number = f"{eu_country}{int(r() * 10**10):010d}"
        ni_licence = self.ni_licence() if r() < HAS_NI_LICENCE else NULL
        ni = self.ni_number() if r() < HAS_NI_NUMBER else NULL
        postcode = self.postcode(home) if r() < HAS_POSTCODE else NULL
        address = self.address(home)
        created = self.ts(min(first_granted, self.t))
        born_text = self.day(born)
        self.rows["driver"].append(
            f"{driver_id}\t{forenames}\t{surname}\t{born_text}\t{sex}\t{gb}\t{ni_licence}\t{eu_number}\t"
            f"{eu_country}\t{ni}\t{address}\t{postcode}\t{home.id}\t{recorded_by.id}\t"
            f"{created}\t{created}\n"
        )

        name_rows = self.rows["driver_name"]
        name_rows.append(
            f"{self.next_driver_name()}\t{driver_id}\tcurrent\t{forenames}\t{surname}\t"
            f"{born_text}\t{recorded_by.id}\n"
        )
        if former:
            name_rows.append(
                f"{self.next_driver_name()}\t{driver_id}\tformer\t{forenames}\t{former}\t"
                f"{born_text}\t{recorded_by.id}\n"
            )
        if r() < ALIAS:
            self._aliases(
                driver_id, forenames, surname, born_date, origin, home, licences, recorded_by
            )
        if entry:
            self._entry(driver_id, home, licences, *entry)
        if licences and r() < CONCERN:
            self._concern(driver_id, home, licences)
        if self.duplicates:
            self.owed += duplicates.planted(self.drawn, self.drivers, self.duplicates)
            person = (driver_id, forenames, surname, sex, origin, born_date, home, licences)
            self.lives_at = (address, postcode)
            last = self.drawn == self.drivers - 1  # the last driver takes all that are owed
            while self.owed and self._duplicate(*person, force=last):
                self.owed -= 1
                if not last:
                    break
        self.drawn += 1

    # -- adverse decisions (s.2) --
    def _decided_on(self, earliest: int) -> int:
        # recent decisions more likely; none older than about 8 years (retention is 11)
        return min(
            self.t - 1, max(earliest + 30, self.t - int(self.rng.random() ** 1.4 * 2900) - 1)
        )

    def _adverse(
        self,
        driver_id: int,
        decision: str,
        home: Place,
        licensing: Place,
        kind: str,
        granted: int,
        earliest: int,
        licences: list[Held],
    ) -> Entry:
        """Write the licences as the decision shaped them; return the entry to record."""
        r = self.rng.random
        decided = self._decided_on(earliest)
        if decision == "refused":
            # refused by one authority (often the home one), licensed by another afterwards
            refuser = (
                home if licensing is not home else home.neighbours[int(r() * len(home.neighbours))]
            )
            later = min(self.t - 1, decided + 30 + int(r() * 700))
            licences.append(
                (self.licence(driver_id, licensing, kind, later, "current"), licensing, kind)
            )
            return ("refused", refuser, None, kind, decided)
        granted = max(earliest, min(granted, decided - 60))
        if decided - granted < 30:
            decided = min(self.t - 1, granted + 30)
        if decision == "revoked":
            # immediately in the interests of public safety, else after the 21 days for appeal
            effective = decided if r() < 0.4 or decided + 21 > self.t else decided + 21
            lid = self.licence(driver_id, licensing, kind, granted, "revoked", effective)
            licences.append((lid, licensing, kind))
            self._licensed_again(driver_id, home, licensing, effective, licences)
            return ("revoked", licensing, lid, kind, decided, effective)
        if decision == "suspended":
            in_force = decided > self.t - 120  # older suspensions were lifted
            lid = self.licence(
                driver_id,
                licensing,
                kind,
                granted,
                "suspended" if in_force else "current",
                decided if in_force else None,
            )
            licences.append((lid, licensing, kind))
            return ("suspended", licensing, lid, kind, decided)
        # refused renewal: the licence lapsed at the end of its term
        end = min(self.t - 1, decided + int(r() * 60))
        lid = self.licence(driver_id, licensing, kind, granted, "expired", end)
        licences.append((lid, licensing, kind))
        self._licensed_again(driver_id, home, licensing, end, licences)
        return ("refused_renewal", licensing, lid, kind, decided, max(end, decided))

    def _licensed_again(
        self, driver_id: int, home: Place, previous: Place, after: int, licences: list[Held]
    ) -> None:
        """A third of drivers who lost a licence got one elsewhere, mostly Wolverhampton."""
        r = self.rng.random
        if r() >= LICENSED_AGAIN or after >= self.t - 60:
            return
        wolverhampton = self.places.by_name.get(WOLVERHAMPTON)
        other = (
            wolverhampton
            if wolverhampton and r() < 0.7
            else self.places.destination(home, r(), r())
        )
        if other is previous:
            other = home if home is not previous else home.neighbours[0]
        granted = min(self.t - 1, after + 30 + int(r() * 500))
        kind = other.kinds[int(r() * len(other.kinds))]
        licences.append((self.licence(driver_id, other, kind, granted, "current"), other, kind))

    def _categories(self) -> str:
        r = self.rng.random
        first = self.categories[int(r() * len(self.categories))]
        if r() < 0.3:
            second = self.categories[int(r() * len(self.categories))]
            if second != first:
                return f"{{{first},{second}}}"
        return f"{{{first}}}"

    def _narrative(self, categories: str) -> str:
        options = NARRATIVES[categories[1:-1].split(",")[0]]
        return options[int(self.rng.random() * len(options))]

    def _entry(
        self,
        driver_id: int,
        home: Place,
        licences: list[Held],
        decision: str,
        authority: Place,
        licence_id: int | None,
        kind: str,
        decided: int,
        effective: int | None = None,
    ) -> None:
        r = self.rng.random
        day = self.day
        effective = decided if effective is None else effective
        status = "in_force"
        u = r()
        if decision == "suspended" and decided <= self.t - 120:
            status = "reinstated"
        elif decision != "suspended" and u < 0.06:
            status = "appeal_allowed"
        elif decision == "refused" and u < 0.1:
            status = "later_granted"
        elif u > 0.97:
            status = "withdrawn"
        changed = min(self.t, decided + 14 + int(r() * 200)) if status != "in_force" else None
        categories = self._categories()
        entry_id = self.next_register_entry()
        entered = min(self.t, decided + int(r() * 10))
        self.rows["register_entry"].append(
            f"{entry_id}\t{driver_id}\t{authority.id}\t{NULL if licence_id is None else licence_id}\t"
            f"{decision}\t{kind}\t{day(decided)}\t{day(effective)}\t{categories}\t"
            f"{self._narrative(categories)}\t{status}\t{NULL if changed is None else day(changed)}\t"
            f"{day(entered)}\t{self.ts(entered)}\n"
        )
        if changed is not None:
            self.rows["register_entry_change"].append(
                f"{self.next_register_entry_change()}\t{entry_id}\t{status}\t{day(changed)}\t"
                f"{ENTRY_CHANGE_REASONS[status]}\t{self.ts(changed)}\n"
            )
        if r() < REQUEST and decided < self.t - 14:
            self._request(entry_id, authority, decided, licences, home)

    def _request(
        self, entry_id: int, recording: Place, decided: int, licences: list[Held], home: Place
    ) -> None:
        """An s.3 request from an authority that found the entry; due in 20 working days."""
        r = self.rng.random
        others = [p for _, p, _ in licences if p is not recording]
        requester = (
            others[-1]
            if others
            else (
                home
                if home is not recording
                else recording.neighbours[int(r() * len(recording.neighbours))]
            )
        )
        requested = min(self.t, decided + 14 + int(r() ** 2 * 1000))
        due = add_working_days(self.date(requested), 20).toordinal()
        self.case_counter += 1
        reference = f"{requester.abbr}-{self.date(requested).year}-{self.case_counter:05d}"
        reason = REQUEST_REASONS[int(r() * len(REQUEST_REASONS))]
        status, responded = "open", None
        if requested < self.t - 28 or r() < 0.4:
            u = r()
            status = "granted" if u < 0.85 else "refused" if u < 0.9 else "withdrawn"
            responded = min(self.t, requested + 1 + int(r() * (due - requested + 8)))
        self.rows["information_request"].append(
            f"{self.next_information_request()}\t{entry_id}\t{requester.id}\t{recording.id}\t{reference}\t"
            f"{reason}\t{self.day(requested)}\t{self.day(due)}\t{status}\t"
            f"{NULL if responded is None else self.day(responded)}\t{REQUEST_RESPONSES.get(status, '')}\t"
            f"{self.ts(requested)}\n"
        )

    def _concern(self, driver_id: int, home: Place, licences: list[Held]) -> None:
        """An s.5 report to the licensing authority; due 10 working days after becoming aware."""
        r = self.rng.random
        licence_id, recipient, _ = licences[0]
        reporter = (
            home
            if home is not recipient
            else recipient.neighbours[int(r() * len(recipient.neighbours))]
        )
        aware = self.t - 1 - int(r() * 1000)
        due = add_working_days(self.date(aware), 10).toordinal()
        reported = min(self.t, aware + int(self.rng.expovariate(1 / 6)))  # some are late
        categories = self._categories()
        decision, reply_on, reply = NULL, NULL, ""
        if reported < self.t - 30 and r() < 0.75:
            decision = self.replies[int(r() * len(self.replies))]
            reply_on = self.day(min(self.t, reported + 3 + int(r() * 90)))
            reply = CONCERN_REPLY
        self.rows["concern"].append(
            f"{self.next_concern()}\t{driver_id}\t{reporter.id}\t{recipient.id}\t{licence_id}\t"
            f"{categories}\t{self._narrative(categories)}\t{self.day(aware)}\t{self.day(reported)}\t"
            f"{self.day(due)}\t{decision}\t{reply_on}\t{reply}\t{self.day(reported)}\t{self.ts(reported)}\n"
        )

    # -- planted duplicates (registry/synthetic/duplicates.py) --
    def _duplicate(
        self,
        original: int,
        forenames: str,
        surname: str,
        sex: str,
        origin: str,
        born: date,
        home: Place,
        licences: list[Held],
        force: bool = False,
    ) -> bool:
        """The same person recorded again as another driver, with a current licence from the
        council that recorded them; drawn from the duplicates' own random stream. False if
        the next kind's variation does not apply to this person (diacritics for a name
        without any, day and month swapped for a day after the 12th): the duplicate is then
        made of a later driver, unless `force`d or passed over MAX_PASSED_OVER times already
        (then another variation is made)."""
        main, self.rng = self.rng, self.duplicate_rng
        try:
            r = self.rng.random
            name_kind, date_kind = duplicates.KINDS[self.planted_count % len(duplicates.KINDS)]
            wait = not force and self.passed_over < duplicates.MAX_PASSED_OVER
            way, name = duplicates.SAME_NAME, (forenames, surname)
            if name_kind != duplicates.SAME_NAME:
                fallback = () if wait else duplicates.NAME_FALLBACK
                way, name = variant_of(name_kind, forenames, surname, origin, self.rng, fallback)
            slipped, recorded_born = duplicates.slip_date(
                date_kind, born, self.date(self.t), self.rng
            )
            if wait and (way, slipped) != (name_kind, date_kind):
                self.passed_over += 1
                return False
            name_kind, date_kind = way, slipped
            self.planted_count += 1
            self.passed_over = 0
            by = home
            if r() < duplicates.OTHER_AUTHORITY:
                taken = {p.id for _, p, _ in licences} | {home.id}
                for _ in range(5):
                    by = self.places.destination(home, r(), r())
                    if by.id not in taken:
                        break
            driver_id = self.next_driver()
            kind = by.kinds[int(r() * len(by.kinds))]
            granted = self.t - 1 - int(r() * 1000)
            self.licence(driver_id, by, kind, granted, "current")
            born_text, created = recorded_born.isoformat(), self.ts(granted)
            # a home drawn afresh in the same area (drawn always, so that the duplicates'
            # own stream, and with it every later duplicate, is the same either way)
            postcode = self.postcode(home) if r() < HAS_POSTCODE else NULL
            moved = (home, self.address(home), postcode)
            lives = moved if self.fresh_addresses else self._home_again(home, moved)
            self.rows["driver"].append(
                f"{driver_id}\t{name[0]}\t{name[1]}\t{born_text}\t{sex}\t{NULL}\t{NULL}\t"
                f"{NULL}\t{NULL}\t{NULL}\t{lives[1]}\t{lives[2]}\t{lives[0].id}\t"
                f"{by.id}\t{created}\t{created}\n"
            )
            self.rows["driver_name"].append(
                f"{self.next_driver_name()}\t{driver_id}\tcurrent\t{name[0]}\t{name[1]}\t"
                f"{born_text}\t{by.id}\n"
            )
            self.rows["synthetic_duplicate"].append(
                f"{self.next_synthetic_duplicate()}\t{driver_id}\t{original}\t"
                f"{duplicates.kind_name(name_kind, date_kind)}\n"
            )
            return True
        finally:
            self.rng = main

    def _home_again(self, home: Place, moved: tuple[Place, str, str]) -> tuple[Place, str, str]:
        """Where the duplicate record says the person lives (duplicates.SAME_HOME and on):
        the home the first record gives, perhaps written a little differently; or `moved`,
        a home drawn afresh in the same area; or a home in another area. Drawn from a stream
        of its own."""
        main, self.rng = self.rng, self.home_rng
        try:
            r = self.rng.random
            address, postcode = self.lives_at
            u = r()
            if u < duplicates.SAME_HOME:
                if postcode != NULL and r() >= HAS_POSTCODE:
                    postcode = NULL  # this council did not record it
                return home, duplicates.written_otherwise(address, self.rng), postcode
            if u < duplicates.SAME_HOME + duplicates.MOVED_IN_AREA:
                return moved
            elsewhere = self.places.destination(home, r(), r())
            postcode = self.postcode(elsewhere) if r() < HAS_POSTCODE else NULL
            return elsewhere, self.address(elsewhere), postcode
        finally:
            self.rng = main

    # -- name variants --
    def _aliases(
        self,
        driver_id: int,
        forenames: str,
        surname: str,
        born: date,
        origin: str,
        home: Place,
        licences: list[Held],
        recorded_by: Place,
    ) -> None:
        """The same person as another authority recorded them."""
        r = self.rng.random
        recorders = [p for _, p, _ in licences if p is not recorded_by] + [home]
        made = {(forenames, surname)}
        for _ in range(1 if r() < 0.8 else 2):
            kind = self.alias_kinds[int(r() * len(self.alias_kinds))]
            variant = alias(kind, forenames, surname, origin, self.rng)
            if variant in made:
                variant = alias("initials", forenames, surname, origin, self.rng)
            if variant in made:
                continue
            made.add(variant)
            dob = born
            if r() < names.SWAPPED_DATE_OF_BIRTH and born.day <= 12 and born.day != born.month:
                dob = born.replace(month=born.day, day=born.month)
            by = recorders[int(r() * len(recorders))]
            self.rows["driver_name"].append(
                f"{self.next_driver_name()}\t{driver_id}\talias\t{variant[0]}\t{variant[1]}\t"
                f"{dob.isoformat()}\t{by.id}\n"
            )


Name = tuple[str, str]  # (forenames, surname)


def _polish_feminine(surname: str) -> str:
    for male, female in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if surname.endswith(male):
            return surname[: -len(male)] + female
    return surname


def alias(
    kind: str, forenames: str, surname: str, origin: str, rng: random.Random
) -> tuple[str, str]:
    """One other way a council wrote this name.

    kind is one of VARIANTS["alias_kinds"]; where it does not apply to this name, the next
    way that does is used: a spelling variant, a dropped middle name, the names swapped
    round, and last of all initials (which always differ from a full name).
    """
    return variant_of(
        kind, forenames, surname, origin, rng, ("spelling", "dropped_middle", "swapped_names")
    )[1]


def variant_of(
    kind: str,
    forenames: str,
    surname: str,
    origin: str,
    rng: random.Random,
    fallback: tuple[str, ...],
) -> tuple[str, tuple[str, str]]:
    """(the way used, the name written that way): `kind` if it applies to this name, else
    the first of `fallback` that does, and last of all initials."""
    for way in (kind, *fallback, "initials"):
        variant = _ALIAS_WAYS[way](forenames, surname, origin, rng)
        if variant and variant != (forenames, surname):
            return way, variant
    return kind, (forenames, surname)


def _spelling(forenames: str, surname: str, origin: str, rng: random.Random) -> Name | None:
    tokens = forenames.split()
    for i, token in enumerate(tokens):
        options = names.variants_of(token)
        if options:
            tokens[i] = options[int(rng.random() * len(options))]
            return " ".join(tokens), surname
    options = names.variants_of(surname, surname=True)
    if options:
        return forenames, options[int(rng.random() * len(options))]
    # no listed variant: a common transliteration, in the first name or the surname
    which = int(rng.random() * 2)
    for target in (tokens[0], surname) if which == 0 else (surname, tokens[0]):
        lower = target.lower()
        for old, new in names.SPELLING_RULES:
            at = lower.find(old, 1)
            if at > 0:
                changed = target[:at] + new + target[at + len(old) :]
                if target == surname:
                    return forenames, changed
                return " ".join([changed] + tokens[1:]), surname
    return None


def _punctuation(forenames: str, surname: str, origin: str, rng: random.Random) -> Name | None:
    if "'" in surname:
        return forenames, surname.replace("'", "" if rng.random() < 0.6 else " ")
    if "-" in surname:
        return forenames, surname.replace("-", " " if rng.random() < 0.7 else "")
    return None


def _diacritics(forenames: str, surname: str, origin: str, rng: random.Random) -> Name | None:
    plain = unidecode(forenames), unidecode(surname)
    return plain if plain != (forenames, surname) else None


def _dropped_middle(forenames: str, surname: str, origin: str, rng: random.Random) -> Name | None:
    tokens = forenames.split()
    if len(tokens) < 2:
        return None
    if tokens[0] in names.MUHAMMAD and rng.random() < 0.5:
        return " ".join(tokens[1:]), surname  # Mohammed Imran -> Imran
    return tokens[0], surname


def _initials(forenames: str, surname: str, origin: str, rng: random.Random) -> Name | None:
    initials = [t[0] for t in forenames.split()]
    if rng.random() < 0.5:
        return " ".join(f"{i}." for i in initials), surname
    return " ".join(initials), surname


def _swapped_forenames(
    forenames: str, surname: str, origin: str, rng: random.Random
) -> Name | None:
    tokens = forenames.split()
    return (" ".join(tokens[1:] + tokens[:1]), surname) if len(tokens) >= 2 else None


def _swapped_names(forenames: str, surname: str, origin: str, rng: random.Random) -> Name | None:
    if " " in surname or "-" in surname:
        return None
    tokens = forenames.split()
    return " ".join([surname] + tokens[1:]), tokens[0]  # Imran Khan -> Khan Imran


def _singh_kaur(forenames: str, surname: str, origin: str, rng: random.Random) -> Name | None:
    if origin != "sikh":
        return None
    tokens = forenames.split()
    title = "Kaur" if "Kaur" in tokens or surname == "Kaur" else "Singh"
    if title in tokens and len(tokens) > 1:  # Gurpreet Singh Gill ->
        rest = " ".join(t for t in tokens if t != title)
        return rest, (title if rng.random() < 0.5 else surname)  # Gurpreet Singh / Gurpreet Gill
    if surname == title:  # Gurpreet Singh -> Gurpreet Singh Gill
        clans = names.SIKH_SURNAMES
        return f"{forenames} {title}", clans[int(rng.random() * len(clans))]
    return f"{forenames} {title}", surname  # Gurpreet Gill -> Gurpreet Singh Gill


def _nickname(forenames: str, surname: str, origin: str, rng: random.Random) -> Name | None:
    tokens = forenames.split()
    short = names.NICKNAMES.get(tokens[0])
    if not short:
        return None
    return " ".join([short[int(rng.random() * len(short))], *tokens[1:]]), surname


def _typo_forename(forenames: str, surname: str, origin: str, rng: random.Random) -> Name | None:
    tokens = forenames.split()
    slipped = duplicates.slip(tokens[0], rng)
    return (" ".join([slipped, *tokens[1:]]), surname) if slipped else None


def _typo_surname(forenames: str, surname: str, origin: str, rng: random.Random) -> Name | None:
    slipped = duplicates.slip(surname, rng)
    return (forenames, slipped) if slipped else None


def _middle(origin: str, rng: random.Random, besides: str) -> str | None:
    middles = names.ORIGINS[origin].middles
    middle = middles[int(rng.random() * len(middles))]
    return None if middle in besides.split() else middle


def _middle_as_forename(
    forenames: str, surname: str, origin: str, rng: random.Random
) -> Name | None:
    """Known by the middle name: Mohammed Imran Khan recorded as Imran Khan, or the other way
    (a name in front added) when there is only one forename."""
    tokens = forenames.split()
    if len(tokens) >= 2:
        return " ".join(tokens[1:]), surname
    middle = _middle(origin, rng, forenames)
    return (f"{middle} {forenames}", surname) if middle else None


def _middle_one_side(forenames: str, surname: str, origin: str, rng: random.Random) -> Name | None:
    """A middle name on one record only: dropped, or added where there is none."""
    tokens = forenames.split()
    if len(tokens) >= 2:
        return tokens[0], surname
    middle = _middle(origin, rng, forenames)
    return (f"{forenames} {middle}", surname) if middle else None


def _compound_part(forenames: str, surname: str, origin: str, rng: random.Random) -> Name | None:
    """One part of a compound surname, or a second family name added to a single one."""
    parts = surname.replace("-", " ").split()
    if len(parts) >= 2:
        return forenames, parts[int(rng.random() * len(parts))]
    surnames = names.ORIGINS[origin].surnames
    other = surnames[int(rng.random() * len(surnames))]
    if other == surname or " " in other or "-" in other:
        return None
    return forenames, f"{surname}-{other}" if rng.random() < 0.6 else f"{other} {surname}"


_ALIAS_WAYS: dict[str, Callable[[str, str, str, random.Random], Name | None]] = {
    "spelling": _spelling,
    "punctuation": _punctuation,
    "diacritics": _diacritics,
    "dropped_middle": _dropped_middle,
    "initials": _initials,
    "swapped_forenames": _swapped_forenames,
    "swapped_names": _swapped_names,
    "singh_kaur": _singh_kaur,
    "nickname": _nickname,
    "typo_forename": _typo_forename,
    "typo_surname": _typo_surname,
    "middle_as_forename": _middle_as_forename,
    "middle_one_side": _middle_one_side,
    "compound_part": _compound_part,
}


def _check_pools() -> None:
    """COPY text needs no escaping as long as no name holds a tab, newline or backslash."""
    for value in vars(names).values():
        if isinstance(value, tuple) and value and isinstance(value[0], str):
            for text in value:
                if any(c in text for c in "\t\n\r\\"):
                    raise ValueError(f"seed name pool entry needs COPY escaping: {text!r}")


_check_pools()


def main() -> None:
    """`python -m registry.synthetic.model`: the worker process. Reads its orders as one JSON line
    on stdin; writes, per chunk, a JSON line of byte lengths per table and then the bytes;
    finally {"done": true} (or {"error": "..."})."""
    import json
    import sys

    out = sys.stdout.buffer
    try:
        orders = json.loads(sys.stdin.readline())
        generator = Generator(
            orders["seed"],
            Places(orders["places"]),
            date.fromisoformat(orders["today"]),
            orders["first_ids"],
            orders.get("drivers", 0),
            orders.get("duplicates", 0),
            orders.get("fresh_addresses", False),
        )
        for n in orders["sizes"]:
            chunk = generator.chunk(n)
            out.write(json.dumps({"chunk": [len(chunk[t]) for t in TABLES]}).encode() + b"\n")
            for table in TABLES:
                out.write(chunk[table])
            out.flush()
        out.write(b'{"done": true}\n')
    except Exception as exc:  # noqa: BLE001 (reported by the loading process, which raises it)
        out.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode() + b"\n")
    out.flush()


if __name__ == "__main__":
    main()
