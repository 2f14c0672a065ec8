"""Field specs for form_page.html: each form page lists its fields once, and the template
renders every one the GOV.UK way (label, hint, inline error, what was typed)."""

from __future__ import annotations

from licensing.pages.render import page


def text(
    name: str,
    label: str,
    hint: str | None = None,
    *,
    width: str = "govuk-input--width-20",
    autocomplete: str | None = None,
    spellcheck: bool | None = None,
    heading: str | None = None,
    secret: bool = False,
) -> dict:
    """A text input; `secret` hides what is typed and never sends it back on an error."""
    return {
        "type": "text",
        "name": name,
        "label": label,
        "hint": hint,
        "classes": width,
        "autocomplete": autocomplete,
        "spellcheck": spellcheck,
        "heading": heading,
        "secret": secret,
    }


def date(name: str, label: str, hint: str | None = None, *, heading: str | None = None) -> dict:
    return {"type": "date", "name": name, "label": label, "hint": hint, "heading": heading}


def radios(
    name: str,
    label: str,
    options: list,
    hint: str | None = None,
    *,
    inline: bool = False,
    heading: str | None = None,
) -> dict:
    return {
        "type": "radios",
        "name": name,
        "label": label,
        "options": options,
        "hint": hint,
        "inline": inline,
        "heading": heading,
    }


def checkboxes(name: str, label: str, options: list, hint: str | None = None) -> dict:
    return {"type": "checkboxes", "name": name, "label": label, "options": options, "hint": hint}


def select(
    name: str,
    label: str,
    options: list,
    hint: str | None = None,
    *,
    empty: str = "Choose",
    heading: str | None = None,
) -> dict:
    return {
        "type": "select",
        "name": name,
        "label": label,
        "options": options,
        "hint": hint,
        "empty": empty,
        "heading": heading,
    }


def textarea(name: str, label: str, hint: str | None = None, *, rows: int = 5) -> dict:
    return {"type": "textarea", "name": name, "label": label, "hint": hint, "rows": rows}


def hidden(name: str) -> dict:
    return {"type": "hidden", "name": name}


def form_page(request, form, fields: list[dict], *, status_code: int = 200, **context):
    """form_page.html with these fields; the error summary follows their order."""
    form.fields = [spec["name"] for spec in fields if spec["type"] != "hidden"]
    return page(
        "form_page.html", request, status_code=status_code, form=form, fields=fields, **context
    )
