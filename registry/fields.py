"""Reading submitted fields: every problem is collected, then raised together as Invalid.

Values arrive as text (JSON bodies, CSV cells) or already typed (tests, the importer); each
reader accepts both. Messages say what to do, never what was typed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, dataclass
from datetime import date, timedelta
from functools import cache
from typing import Annotated, Any, ClassVar, cast, get_args, get_origin, get_type_hints

import msgspec

from registry.errors import Invalid
from registry.identifiers import IdentifierError
from registry.today import london_today

Day = date  # inside Fields, `date` is the method

# The id of a record in a body (a licence, a register entry): a key PostgreSQL's bigint can
# hold, so a number past it is refused while the body is read, naming its field, rather than
# by the database as a value out of range naming none.
RecordId = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]

CATEGORIES = (
    "sexual_offence",
    "harassment",
    "harm",
    "offence_risk_of_harm",
    "equality_act",
    "road_safety",
)
LICENCE_KINDS = ("hackney_carriage", "private_hire", "dual")
EARLIEST = date(1900, 1, 2)

# Plausibility, the same for the API, the pages and the CSV import (docs/recording-api.md):
# a grant or a decision is dated at most FUTURE_MARGIN_DAYS after today (0: today or earlier;
# a licence may still *start* later than its grant); a driver is at least MIN_DRIVER_AGE years
# old; and no date at all lies more than LATEST_YEARS_AHEAD years ahead, so the 3-year term and
# every other date sum stay inside what Python and PostgreSQL can hold.
FUTURE_MARGIN_DAYS = 0
MIN_DRIVER_AGE = 18
LATEST_YEARS_AHEAD = 100


@dataclass(frozen=True)
class Spec:
    """How a field of a submitted struct is checked, declared once on the field itself:
    `granted_on: Annotated[str | None, EventDate("date the licence was granted",
    required=True)]`. Fields.read checks it, the same for the API and the pages; the pages
    make their input from it (licensing/pages/fields.py: the widget, its label and its
    options), the OpenAPI document its bounds (licensing/openapi.py), and the CSV import reads
    each column that is the same field through it (registry/importer.py). `label` names the
    field in messages ("Enter the licence number")."""

    label: str
    _: KW_ONLY
    required: bool = False

    def read(self, fields: Fields, name: str, value: object) -> Any:
        """The value checked as the registry takes it, adding its errors to fields."""
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Spec):
    max_length: int = 100

    def read(self, fields: Fields, name: str, value: object) -> str | None:
        return fields.text(
            name, value, self.label, required=self.required, max_length=self.max_length
        )


@dataclass(frozen=True)
class Choice(Spec):
    """One of the codes `choices`, which registry.labels names under `words`."""

    choices: tuple[str, ...]
    words: str

    def read(self, fields: Fields, name: str, value: object) -> str | None:
        return fields.choice(name, value, self.label, self.choices, required=self.required)


@dataclass(frozen=True)
class Identifier(Spec):
    """An identifier in its one written form, by a registry.identifiers normalise_* function;
    blank is not given."""

    normalise: Callable[[str], str]
    length: int = 20  # its length in its one written form: a page sizes its input to it

    def read(self, fields: Fields, name: str, value: object) -> str | None:
        return fields.identifier(name, value, self.normalise)


@dataclass(frozen=True, kw_only=True)
class Categories(Spec):
    """The s.1 categories a record relies on: at least one, always."""

    required: bool = True

    def read(self, fields: Fields, name: str, value: object) -> list[str] | None:
        return fields.categories(name, cast("str | Iterable[object] | None", value))


@dataclass(frozen=True, kw_only=True)
class Date(Spec):
    """A date written like 2024-03-31, read by the Fields method named `reader`; today when
    left blank if `or_today` (a report, a reply, an answer)."""

    reader: ClassVar[str] = "date"
    or_today: bool = False

    def read(self, fields: Fields, name: str, value: object) -> Any:
        day = getattr(fields, self.reader)(name, value, self.label, required=self.required)
        return day or london_today() if self.or_today else day


class PastDate(Date):
    reader = "past_date"


class EventDate(Date):
    reader = "event_date"


class BirthDate(Date):
    reader = "birth_date"


@cache
def specs(struct: type) -> dict[str, Spec]:
    """The struct's declared fields (Spec) by name, in the struct's order."""
    hints = get_type_hints(struct, include_extras=True)
    return {
        field.name: spec
        for field in msgspec.structs.fields(struct)
        if get_origin(hints[field.name]) is Annotated
        for spec in get_args(hints[field.name])[1:]
        if isinstance(spec, Spec)
    }


class Fields:
    """Collects field errors; `check()` raises them all at once."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []
        self.values: dict[str, Any] = {}

    def read(self, struct: msgspec.Struct, through: str | None = None) -> dict[str, Any]:
        """Check the struct's declared fields (Spec) in order, those not yet read, stopping
        after `through` (a check across fields may have to come before the rest's messages);
        every value read so far, by name."""
        for name, spec in specs(type(struct)).items():
            if name not in self.values:
                self.values[name] = spec.read(self, name, getattr(struct, name))
            if name == through:
                break
        return self.values

    def error(self, field: str, message: str) -> None:
        self.errors.append((field, message))

    def has_error(self, field: str) -> bool:
        return any(name == field for name, _ in self.errors)

    def check(self) -> None:
        if self.errors:
            raise Invalid(self.errors)

    def text(
        self,
        field: str,
        value: object,
        label: str,
        *,
        required: bool = False,
        max_length: int = 100,
    ) -> str | None:
        text = "" if value is None else str(value).strip()
        # "your case reference" already has its determiner: not "Enter the your ..."
        the = "" if label.startswith(("your ", "the ", "a ", "an ")) else "the "
        if not text:
            if required:
                self.error(field, f"Enter {the}{label}")
            return None
        if len(text) > max_length:
            message = f"{the}{label} must be {max_length} characters or fewer"
            self.error(field, message[:1].upper() + message[1:])
            return None
        return text

    def date(
        self,
        field: str,
        value: object,
        label: str,
        *,
        required: bool = False,
        not_after: Day | None = None,
        too_late: str | None = None,
    ) -> Day | None:
        if value is None or value == "":
            if required:
                self.error(field, f"Enter the {label}")
            return None
        if isinstance(value, date):
            day = value
        else:
            try:
                day = date.fromisoformat(str(value).strip())
            except ValueError:
                self.error(field, f"The {label} must be a real date, written like 2024-03-31")
                return None
        if day < EARLIEST:
            self.error(field, f"The {label} must be after 1 January 1900")
            return None
        latest = add_years(london_today(), LATEST_YEARS_AHEAD)
        if day > latest:
            self.error(field, f"The {label} must be before {latest.year}")
            return None
        if not_after and day > not_after:
            self.error(field, too_late or f"The {label} must be today or in the past")
            return None
        return day

    def past_date(
        self, field: str, value: object, label: str, *, required: bool = False
    ) -> Day | None:
        """A day today or earlier (a report, a reply, an answer)."""
        return self.date(field, value, label, required=required, not_after=london_today())

    def event_date(
        self,
        field: str,
        value: object,
        label: str,
        *,
        required: bool = False,
        today: Day | None = None,
    ) -> Day | None:
        """The day something was done (a grant, a decision): not after today plus the margin."""
        latest = (today or london_today()) + timedelta(days=FUTURE_MARGIN_DAYS)
        return self.date(field, value, label, required=required, not_after=latest)

    def birth_date(
        self,
        field: str,
        value: object,
        label: str,
        *,
        required: bool = False,
        today: Day | None = None,
    ) -> Day | None:
        """A driver's date of birth: at least MIN_DRIVER_AGE years ago."""
        return self.date(
            field,
            value,
            label,
            required=required,
            not_after=add_years(today or london_today(), -MIN_DRIVER_AGE),
            too_late=f"A driver must be at least {MIN_DRIVER_AGE} years old: check the {label}",
        )

    def choice(
        self,
        field: str,
        value: object,
        label: str,
        choices: Iterable[str],
        *,
        required: bool = False,
    ) -> str | None:
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                self.error(field, f"Select the {label}")
            return None
        choices = tuple(choices)
        if text not in choices:
            self.error(field, f"The {label} must be one of: {', '.join(choices)}")
            return None
        return text

    def categories(self, field: str, value: str | Iterable[object] | None) -> list[str] | None:
        """The s.1 categories: a list, or text separated by ; or , (CSV cells)."""
        if isinstance(value, str):
            value = list(value.replace(",", ";").split(";"))
        items = [str(item).strip() for item in (value or []) if str(item).strip()]
        if not items:
            self.error(
                field,
                "Select at least one category of relevant information (s.1): "
                + ", ".join(CATEGORIES),
            )
            return None
        unknown = [item for item in items if item not in CATEGORIES]
        if unknown:
            self.error(field, "Each category must be one of: " + ", ".join(CATEGORIES))
            return None
        return sorted(set(items), key=CATEGORIES.index)

    def identifier(self, field: str, value: object, normalise: Callable[[str], str]) -> str | None:
        """Run an identifiers.normalise_* function; blank means not given."""
        if value is None or not str(value).strip():
            return None
        try:
            return normalise(str(value))
        except IdentifierError as exc:
            self.error(field, exc.message)
            return None

    def after(self, field: str, later: Day | None, earlier: Day | None, message: str) -> None:
        if later and earlier and later < earlier:
            self.error(field, message)


def has_control(text: str) -> bool:
    """PostgreSQL text cannot hold NUL, and no name or reference needs a control character."""
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def name_error(value: str | None, label: str) -> str | None:
    """What is wrong with a name searched for (forenames, surname), if anything."""
    text = (value or "").strip()
    if not text:
        return f"Enter the {label}"
    if len(text) > 100:
        return f"The {label} must be 100 characters or fewer"
    if not any(c.isalpha() for c in text):
        return f"The {label} must contain at least one letter"
    if has_control(text):
        return f"The {label} can only contain printable characters"
    return None


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February (as PostgreSQL does)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
