"""Rendering pages: one Jinja environment with the GOV.UK Frontend macros, and the headers
every page carries.

govuk-frontend-jinja's base template needs ChainableUndefined (it reads attributes of
parameters that may be missing), and a custom Environment must turn autoescaping on itself.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import asyncpg
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    Template,
    meta,
    select_autoescape,
)
from litestar import Request, Response
from litestar.di import NamedDependency
from litestar.response import Redirect
from markupsafe import Markup

from licensing.auth import Principal
from registry.entries import entry_number
from registry.labels import LABELS
from registry.today import LONDON, london_today

# The request's pooled connection (licensing.app.provide_conn), named explicitly.
Conn = NamedDependency[asyncpg.Connection]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SERVICE_NAME = "Crosscheck"

# What each role sees in the service navigation, in order: (text, href).
NAVIGATION = {
    "licensing_officer": [
        ("Search", "/search"),
        ("Record a driver", "/drivers/new"),
        ("Alerts", "/alerts"),
        ("Information requests", "/requests"),
        ("Possible duplicates", "/duplicates"),
    ],
    "dpo": [("Audit log", "/audit")],
    "dft_analyst": [("Compliance", "/compliance")],
    "admin": [
        ("Users", "/admin/users"),
        ("Authorities", "/admin/authorities"),
        ("Dead alerts", "/admin/dead-alerts"),
    ],
}
# In the demo, everyone signed in also sees the local mailbox.
DEMO_NAVIGATION = {
    role: [("Demo mailbox", "/demo/mailbox")]
    for role in ("licensing_officer", "dpo", "dft_analyst", "admin")
}


def long_date(value: date | datetime | str | None) -> str:
    """GOV.UK style: 5 January 2026 (and the time, for moments: 5 January 2026 at 2:05pm)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # an ISO date or moment, as some structs carry them
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        local = value.astimezone(LONDON)
        clock = local.strftime("%I:%M%p").lstrip("0").lower()
        return f"{local.day} {local:%B %Y} at {clock}"
    return f"{value.day} {value:%B %Y}"


def humanise(value: str | None) -> str:
    """A code such as 'private_hire' as words: 'Private hire'."""
    return (value or "").replace("_", " ").capitalize()


def sentence(value: str | None) -> str:
    """The first letter upper case and the rest as it is ('GB driving licence number
    identical' stays GB, where capitalize would make it Gb)."""
    value = value or ""
    return value[:1].upper() + value[1:]


def thousands(value: int | float | None, places: int = 1) -> str:
    """12345 -> '12,345' and 66.66 -> '66.7', as GOV.UK writes numbers; None -> '[c]'."""
    if value is None:
        return "[c]"
    if isinstance(value, float):
        return f"{value:,.{places}f}"
    return f"{value:,}"


def _environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES),
                PrefixLoader(
                    {"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}
                ),
            ]
        ),
        autoescape=select_autoescape(("html", "svg", "xml"), default_for_string=True),
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # templates change only with a release: no stat() of every template on every page
        auto_reload=False,
    )
    env.filters["long_date"] = long_date
    env.filters["humanise"] = humanise
    env.filters["sentence"] = sentence
    env.filters["entry_number"] = entry_number
    env.filters["thousands"] = thousands
    env.globals["labels"] = LABELS
    return env


ENV = _environment()
# The footer and the phase banner are the same on every page: drawn once (GOV.UK's footer
# macro alone is a fifth of the time a page takes to render).
ENV.globals["footer_html"] = Markup(ENV.get_template("_footer.html").render())
ENV.globals["phase_banner_html"] = Markup(ENV.get_template("_phase_banner.html").render())


# The navigation's counts for an officer: what each count means, for screen readers.
COUNTED = {
    "/alerts": ("unread_alerts", "not yet acknowledged"),
    "/requests": ("requests_due", "to answer"),
    "/duplicates": ("possible_duplicates", "to decide"),
}


def navigation(
    principal: Principal | None, path: str, demo: bool = False, counts: dict | None = None
) -> list[dict]:
    if principal is None:
        return []
    items = []
    links = NAVIGATION.get(principal.role, []) + (
        DEMO_NAVIGATION.get(principal.role, []) if demo else []
    )
    for text, href in links:
        current = path == href
        active = current or path.startswith(href + "/")
        item = {"text": text, "href": href, "current": current, "active": active}
        key, meaning = COUNTED.get(href, ("", ""))
        if counts and counts.get(key):
            item["html"] = Markup(
                '{} <span class="app-count">{:,}<span class="govuk-visually-hidden"> {}</span></span>'
            ).format(text, counts[key], meaning)
        items.append(item)
    return items


def security_headers(nonce: str) -> dict[str, str]:
    # Pages show personal data: nothing is cached, nothing frames them, scripts only from us.
    return {
        "Content-Security-Policy": (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
        ),
        "Cache-Control": "no-store",
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
    }


# The layout around a page (head, navigation, footer: the GOV.UK template) depends on a few
# values only (the title, the navigation, who is signed in, the banner), so pages that extend
# `layout` (a variable: "layout.html", or "_parts.html" for the page's own blocks alone) draw it
# once per distinct set of those values and keep it; each request then draws only its own back
# link and body, and the layout gets the request's CSP nonce by replacement.
BACK, BODY = "<!--app:back-->", "<!--app:body-->"
NONCE = "app-nonce-" + secrets.token_hex(8)  # stands for the request's nonce in a kept layout
PARTS = ENV.from_string("{% extends 'layout.html' %}{% block back %}" + BACK +
                        "{% endblock %}{% block body %}" + BODY + "{% endblock %}")  # fmt: skip
ENV.globals["layout"] = "layout.html"
KEEP_LAYOUTS = True
ROWS = "<!--app:rows-->"


class Kept:
    """The last `size` things made, by key: the longest unused goes first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        found = self.items.get(key)
        if found is None:
            found = self.items[key] = make()
            if len(self.items) > self.size:
                self.items.popitem(last=False)
        else:
            self.items.move_to_end(key)
        return found


_layouts = Kept(1_000)
_bodies = Kept(1_000)


def _layout_names() -> tuple[str, ...]:
    """The context values the layout reads (besides the nonce and the environment's globals)."""
    names: set[str] = set()
    for name in ("layout.html", "govuk_frontend_jinja/template.html"):
        source = ENV.loader.get_source(ENV, name)[0]  # type: ignore[union-attr]
        names |= meta.find_undeclared_variables(ENV.parse(source))
    # less the nonce, the environment's globals and the macros the templates import
    names -= {*ENV.globals, "cspNonce"}
    return tuple(sorted(n for n in names if not n.startswith(("govuk", "_"))))


LAYOUT_NAMES = _layout_names()


def _layout(context: dict) -> tuple[str, str, str]:
    """The layout for these values, kept: the HTML before the back link, between it and the
    body, and after the body."""

    def draw() -> tuple[str, str, str]:
        before, rest = PARTS.render({**context, "cspNonce": NONCE}).split(BACK, 1)
        between, after = rest.split(BODY, 1)
        return before, between, after

    return _layouts.get(repr([context.get(name) for name in LAYOUT_NAMES]), draw)


def _own_blocks(drawn: Template, context: dict) -> tuple[str, str]:
    """The page's back link and body. A page that passes `body_key` (everything its back link
    and body show but its `rows_html` and the CSRF token) has them kept, and its rows put in."""
    key = context.pop("body_key", None)
    if key is None:
        back, body = drawn.render(**context, layout="_parts.html").split(BODY, 1)
        return back, body

    def draw() -> tuple[str, str, str | None]:
        html = drawn.render(**{**context, "rows_html": Markup(ROWS)}, layout="_parts.html")
        back, body = html.split(BODY, 1)
        before, rows, after = body.partition(ROWS)
        return back, before, after if rows else None  # None: the body shows no rows

    back, before, after = _bodies.get((drawn.name, key, context["csrf_token"]), draw)
    # str(): a Markup added to a str would escape the str
    return back, before if after is None else before + str(context["rows_html"]) + after


@cache
def _extends_layout(template: str) -> bool:
    """Whether the page extends `layout` and has no blocks but its back link and body."""
    source = ENV.loader.get_source(ENV, template)[0]  # type: ignore[union-attr]
    blocks = ENV.get_template(template).blocks.keys()
    return source.startswith("{% extends layout %}") and blocks <= {"back", "body"}


def _render(template: str, context: dict) -> str:
    drawn = ENV.get_template(template)
    if not (KEEP_LAYOUTS and _extends_layout(template)) or context.get("form") is not None:
        return drawn.render(**context)
    back, body = _own_blocks(drawn, context)
    before, between, after = _layout(context)
    return before.replace(NONCE, context["cspNonce"]) + back + between + body + after


def _form_address(request: Request | None) -> str | None:
    """Where the form of a page drawn in answer to a POST lives: the address it was sent to."""
    if request is None or request.method != "POST":
        return None
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def render_html(template: str, request: Request | None = None, **context) -> str:
    principal = request.scope.get("user") if request is not None else None
    session = request.scope.get("web_session") if request is not None else None
    path = request.url.path if request is not None else "/"
    base = {
        "serviceName": SERVICE_NAME,
        "principal": principal,
        "csrf_token": session.csrf_token if session else context.pop("csrf_token", ""),
        "navigation": navigation(
            principal,
            path,
            request is not None and request.app.state.settings.demo_mailbox,
            request.scope.get("nav_counts") if request is not None else None,
        ),
        "current_path": path,
        "today": london_today(),
        "form_address": _form_address(request),
    }
    base.update(context)
    if "cspNonce" in base:
        return _render(template, base)
    return ENV.get_template(template).render(**base)


def page(
    template: str,
    request: Request | None = None,
    *,
    status_code: int = 200,
    cookies: list | None = None,
    **context,
) -> Response:
    """A full page as an HTML response, with the security headers."""
    nonce = secrets.token_urlsafe(16)
    html = render_html(template, request, cspNonce=nonce, **context)
    return Response(
        content=html,
        status_code=status_code,
        media_type="text/html; charset=utf-8",
        headers=security_headers(nonce),
        cookies=cookies or [],
    )


def redirect(path: str, *, cookies: list | None = None) -> Redirect:
    """After a POST, always 303 See Other, so a refresh never repeats the POST."""
    return Redirect(
        path=path, status_code=303, cookies=cookies or [], headers={"Cache-Control": "no-store"}
    )
