"""Form fields, each declared once. A declaration says how form_page.html renders the field
the GOV.UK way (label, hint, inline error, what was typed), how a submission of it is read
and checked (forms.Form), and which field of the registry's struct it fills."""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date as Date
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

import msgspec

from licensing.pages.render import page
from registry.fields import CATEGORIES, Categories, Choice, Identifier, Spec, Text, specs
from registry.fields import Date as DateSpec
from registry.labels import LABELS

if TYPE_CHECKING:
    from litestar import Request, Response

    from licensing.pages.forms import Form

Options = Sequence[tuple[str, ...]]
# options the page's record decides (a select of the driver's licences, the actions a licence's
# status allows): (conn, request, subject) -> options, asked each time the page is drawn or read
OptionsOf = Callable[..., Awaitable[Options]]

# widths of text inputs, and the hint of a date that defaults to the day it is recorded
WIDE = "govuk-!-width-two-thirds"
W20 = "govuk-input--width-20"
W10 = "govuk-input--width-10"
W3 = "govuk-input--width-3"
TODAY = "Leave blank for today"


class _AsStruct:
    """A field left blank fills the struct as the struct takes it (see `blank_in`)."""


AS_STRUCT: Any = _AsStruct()


@dataclass(frozen=True)
class Field:
    """One input: what the template needs, then how a submission of it is read."""

    type: str
    name: str
    label: str = ""
    hint: str | None = None
    heading: str | None = None
    # components
    classes: str | None = None
    autocomplete: str | None = None
    spellcheck: bool | None = None
    secret: bool = False
    options: Options | OptionsOf = ()
    inline: bool = False
    empty: str = "Choose"
    rows: int = 5
    # reading
    to: str | None = None  # the struct's field name when it differs; "" keeps it out
    required: str | None = None  # the message when it is left blank
    blank: Any = AS_STRUCT  # the value when it is left blank
    named: str | None = None  # a date's name in its error messages, when not the label
    number: str | None = None  # read as a whole number; the message when it is not one

    def read(self, form: Form, blank: Any = None) -> Any:
        """The value sent, as the registry takes it (`blank` when left blank), adding the
        page's own errors to form."""
        if self.type == "date":
            value = form.iso_date(self.name, self.named or self.label)
            return blank if value is None else value
        if self.number is not None:
            return form.integer(self.name, self.number, required=False)
        if self.type == "checkboxes":
            values = form.getall(self.name)
            if not values and self.required:
                form.add_error(self.name, self.required)
            return values
        value = form.get(self.name)
        if not value and self.required:
            form.add_error(self.name, self.required)
        return value or blank

    async def offered(self, conn: Any, request: Request, subject: Any) -> Field:
        """The field with its options, when the page's record decides them."""
        if not callable(self.options):
            return self
        return dataclasses.replace(self, options=await self.options(conn, request, subject))

    def blank_in(self, into: type | None) -> Any:
        """What this field left blank fills, unless declared: a choice None; typed text (or a
        date) None where the struct's field may be None, else "" (a change left blank is
        refused, not skipped). Without a struct, text is "" and a date None."""
        if self.blank is not AS_STRUCT:
            return self.blank
        if self.type not in ("text", "textarea", "date"):
            return None
        if into is None:
            return None if self.type == "date" else ""
        kinds = {field.name: field.type for field in msgspec.structs.fields(into)}
        return None if _admits_none(kinds[self.to or self.name]) else ""

    def filled(self, value: Any) -> dict[str, list[str]]:
        """The form values that show a stored value in this field."""
        if self.type == "date":
            if not isinstance(value, Date):
                return {}
            parts = {"day": value.day, "month": value.month, "year": value.year}
            return {f"{self.name}-{part}": [str(n)] for part, n in parts.items()}
        if self.type == "checkboxes":
            return {self.name: [str(v) for v in value or []]}
        return {self.name: ["" if value is None else str(value)]}


def _admits_none(kind: Any) -> bool:
    """Whether a struct field's type takes None: `str | None`, `Annotated[str | None, ...]`."""
    if get_origin(kind) in (Union, types.UnionType, Annotated):
        return any(_admits_none(arm) for arm in get_args(kind))
    return kind is type(None)


def read(form: Form, fields: Iterable[Field], into: type | None = None) -> dict[str, Any]:
    """Every field's value, by the struct's field names: into(**read(form, fields, into))."""
    return {
        field.to or field.name: field.read(form, field.blank_in(into))
        for field in fields
        if field.to != ""
    }


def filled(fields: Iterable[Field], record: Mapping[str, Any]) -> dict[str, list[str]]:
    """Form values showing a stored record (by the fields' struct names) in these fields."""
    values: dict[str, list[str]] = {}
    for field in fields:
        values.update(field.filled(record.get(field.to or field.name)))
    return values


def text(
    name: str, label: str = "", hint: str | None = None, *, width: str = W20, **more: Any
) -> Field:
    """A text input; `more` sets the Field's other settings (`secret` hides what is typed and
    never sends it back on an error)."""
    return Field("text", name, label, hint, classes=width, **more)


def exact(name: str, label: str = "", hint: str | None = None, **options: Any) -> Field:
    """A text input for what is typed exactly (a name, an identifier, a reference): never
    spell-checked."""
    return text(name, label, hint, spellcheck=False, **options)


def date(name: str, label: str, hint: str | None = None, **more: Any) -> Field:
    """A GOV.UK date input, read as the registry takes dates (2024-03-31). Its messages name
    it `named`, by default "The " and its label ("The date of the decision")."""
    more.setdefault("named", f"The {label[0].lower()}{label[1:]}")
    return Field("date", name, label, hint, **more)


@dataclass(frozen=True)
class Ask:
    """A field of the struct the page saves, its input made from the struct's declaration
    (registry.fields.Spec) once the page knows the struct (forms.FormPage): `ask("granted_on")`,
    or the name alone. The page's words for it (a hint, a question for a label, a date's name
    in its messages, a heading) are in the content catalogue; its settings (width, rows) here."""

    name: str
    page: dict[str, Any]

    def made(self, into: type | None, words: Mapping[str, Any]) -> Field:
        if into is None:
            raise TypeError(f"{self.name} is asked of a page that saves no struct")
        more = {**self.page, **words}
        return asked(specs(into)[self.name], self.name, more.pop("hint", None), **more)


def ask(name: str, **page: Any) -> Ask:
    return Ask(name, page)


Asked = Field | Ask | str  # a name alone asks the struct's field


def every(struct: type, *given: Field | Ask) -> list[Asked]:
    """Every field of the struct, in the struct's order: a declared one (registry.fields.Spec)
    asked by its name, or as the page gives it (its own input, or ask(name, ...) with its own
    settings); a field not declared only when the page gives it."""
    names: tuple[str, ...] = struct.__struct_fields__  # type: ignore[attr-defined]
    pages = {field.name: field for field in given}
    if stray := set(pages) - set(names):
        raise TypeError(f"{struct.__name__} has no field {', '.join(sorted(stray))}")
    return [pages.get(name, name) for name in names if name in pages or name in specs(struct)]


def made(
    fields: Iterable[Asked], into: type | None, words: Mapping[str, dict[str, Any]] | None = None
) -> list[Field]:
    """The fields, those asked of the struct `into` made from its declarations, each with its
    `words` from the content catalogue (by field name) where the page has any."""
    return [_made(field, into, words or {}) for field in fields]


def _made(field: Asked, into: type | None, words: Mapping[str, dict[str, Any]]) -> Field:
    field = ask(field) if isinstance(field, str) else field
    said = words.get(field.name, {})
    if isinstance(field, Ask):
        return field.made(into, said)
    return dataclasses.replace(field, **said) if said else field


def asked(spec: Spec, name: str, hint: str | None, *, label: str = "", **more: Any) -> Field:
    """A declared field's input: a choice's radios offer its codes in the register's words
    (`only` some of them), text longer than a line is a textarea, the rest typed exactly. The
    label is the declaration's, capitalised, unless the page asks in its own words. Its size
    is the declaration's too (`sized`), unless the page sets it (width=, rows=, inline=)."""
    label = label or spec.label[0].upper() + spec.label[1:]
    if isinstance(spec, Choice):  # the page's own words for them: {code: [text, hint]}
        options = [(code, *said) for code, said in more.pop("options", {}).items()]
        options = options or _labelled(spec.words, more.pop("only", spec.choices))
        short = not callable(options) and len(options) <= 2
        short = short and all(len(o) == 2 and " " not in o[1] for o in options)
        return radios(name, label, options, hint, **{"inline": short, **more})
    if isinstance(spec, Categories):  # the s.1 kinds of relevant information
        options = labelled("category", CATEGORIES)
        hint = "Section 1 of the 2022 Act. Select all that apply"
        required = "Select at least one kind of relevant information"
        return Field("checkboxes", name, label, hint, options=options, required=required)
    if isinstance(spec, DateSpec):
        return date(name, label, hint or (TODAY if spec.or_today else None), **more)
    if isinstance(spec, Text) and spec.max_length > 100:
        return textarea(name, label, hint, **{"rows": sized(spec.max_length, ROWS), **more})
    longest = spec.length if isinstance(spec, Identifier) else getattr(spec, "max_length", 100)
    return exact(name, label, hint, **{"width": sized(longest, WIDTHS), **more})


# The GOV.UK way, an input's size tells how much is expected: by the most characters the
# declaration takes, the first size that holds it. An identifier's known length (a postcode
# is W10), a number or reference W20, a name (100) two-thirds; longer text is a textarea
# whose rows grow with it: an address (300) 3, reasons (up to 5,000) 5, an account 8.
WIDTHS = ((3, W3), (10, W10), (60, W20), (100, WIDE))
ROWS = ((300, 3), (5000, 5), (10000, 8))


def sized(longest: int, sizes: Sequence[tuple[int, Any]]) -> Any:
    return next((size for most, size in sizes if longest <= most), sizes[-1][1])


def labelled(kind: str, codes: Iterable[str]) -> list[tuple[str, str]]:
    """Options for the register's codes of a kind, in the register's words (registry.labels)."""
    return [(code, LABELS[kind][code]) for code in codes]


def _labelled(kind: str, only: Iterable[str] | OptionsOf) -> Options | OptionsOf:
    """labelled(), or when the page's record decides which codes (`only` a function of (conn,
    request, subject)), a function giving those."""
    if not callable(only):
        return labelled(kind, only)

    async def options(*page: Any) -> Options:
        return labelled(kind, await only(*page))  # type: ignore[arg-type]

    return options


def radios(name: str, label: str, options: Options, hint: str | None = None, **more: Any) -> Field:
    return Field("radios", name, label, hint, options=options, **more)


def select(
    name: str, label: str = "", options: Options = (), hint: str | None = None, **more: Any
) -> Field:
    return Field("select", name, label, hint, options=options, **more)


def textarea(name: str, label: str, hint: str | None = None, **more: Any) -> Field:
    return Field("textarea", name, label, hint, **more)


def hidden(name: str) -> Field:
    return Field("hidden", name)


def form_page(
    request: Request,
    form: Form,
    fields: Sequence[Field],
    template: str = "form_page.html",
    *,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """form_page.html (or another template) with these fields; the error summary follows
    their order."""
    form.fields = [spec.name for spec in fields if spec.type != "hidden"]
    return page(template, request, status_code=status_code, form=form, fields=fields, **context)
