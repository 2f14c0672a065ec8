"""Administration: accounts, and each authority's alert mailbox and delivery preference."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from licensing import auth
from licensing.auth import actor_of
from licensing.pages import fields as f
from licensing.pages import password_reset, sessions
from licensing.pages.forms import Form, FormPage, read_form, saves
from licensing.pages.password_reset import send_in_background
from licensing.pages.render import Conn, page, redirect
from licensing.problems import Problem
from registry import accounts, audit_log, authority_settings, password_resets, two_factor
from registry.actor import Actor, acting
from registry.authorities import by_code, licensing
from registry.labels import LABELS

ROLE_LABELS = LABELS["role"]
ROLE_OPTIONS = [
    (
        "licensing_officer",
        ROLE_LABELS["licensing_officer"],
        "Searches and records for their authority",
    ),
    ("dpo", ROLE_LABELS["dpo"], "Reads their authority's audit log"),
    (
        "dft_analyst",
        ROLE_LABELS["dft_analyst"],
        "Reads compliance figures only, never personal data",
    ),
    ("admin", ROLE_LABELS["admin"], "Manages accounts, mailboxes and undelivered alerts"),
]
MAX_ID = 2**31 - 1


async def authority_options(conn: Any, *page: Any) -> list[tuple[str, str]]:
    """The licensing authorities, as a select's options (fields.OptionsOf)."""
    return [(r["code"], r["name"]) for r in await licensing(conn)]


# Users ---------------------------------------------------------------------------------------


@get("/admin/users", guards=[auth.admin])
async def users(request: Request, conn: Conn) -> Response:
    everyone = await accounts.list_users(conn)
    done = request.query_params.get("done")
    banner = {
        "created": "The account has been created.",
        "deactivated": "The account has been deactivated.",
        "unlocked": "The account can sign in again now.",
        "reset_sent": "We have emailed the person a link to choose a new password. It works "
        f"once, within {password_reset.MINUTES} minutes.",
        "two_factor_reset": "Two-factor sign-in has been reset. The person sets up their "
        "authenticator app again when they next sign in.",
    }.get(done)
    return page(
        "admin_users.html", request, title="Users", users=everyone, roles=ROLE_LABELS, banner=banner
    )


USER_FIELDS = [
    f.exact("display_name", "Full name", width=f.WIDE),
    f.exact("email", "Email address", width=f.WIDE),
    f.radios("role", "Role", ROLE_OPTIONS, required="Select the role"),
    f.select(
        "authority_code",
        "Licensing authority",
        authority_options,
        hint="Licensing officers and data protection officers only",
    ),
    f.exact(
        "password",
        "First password",
        width=f.WIDE,
        secret=True,
        blank=None,
        hint=f"At least {accounts.MIN_PASSWORD} characters. Give it to the person "
        "securely; leave it blank for an account that only uses API tokens.",
    ),
]


NEW_USER = FormPage(
    "/admin/users/new",
    title="Add a user",
    caption="Administration",
    button="Add user",
    fields=USER_FIELDS,
    words={"back_href": "/admin/users"},
    save=lambda conn, actor, _, values: accounts.create_user(
        conn, **values, actor_user_id=actor.user_id
    ),
    done=lambda request, _, user: "/admin/users?done=created",
    guards=[auth.admin],
)


async def _user(conn, user_id: int) -> accounts.User:
    user = await accounts.get_user(conn, user_id) if 0 < user_id <= MAX_ID else None
    if user is None:
        raise NotFoundException()
    return user


@get("/admin/users/{user_id:int}/deactivate", guards=[auth.admin])
async def deactivate_form(request: Request, conn: Conn, user_id: FromPath[int]) -> Response:
    user = await _user(conn, user_id)
    return page(
        "admin_deactivate.html",
        request,
        title=f"Deactivate {user.display_name}'s account",
        user=user,
        roles=ROLE_LABELS,
        own=user.id == request.user.user_id,
    )


@post("/admin/users/{user_id:int}/deactivate", guards=[auth.admin])
async def deactivate(request: Request, conn: Conn, user_id: FromPath[int]) -> Response:
    await read_form(request)
    user = await _user(conn, user_id)
    if user.id == request.user.user_id:
        raise Problem(409, "You cannot deactivate your own account", "Ask another administrator.")
    async with acting(conn, Actor(request.user.user_id, request.user.authority_id)):
        await accounts.deactivate_user(conn, user.id, actor_user_id=request.user.user_id)
    auth.forget_tokens(request.app)
    return redirect("/admin/users?done=deactivated")


# Sign-in throttle -----------------------------------------------------------------------------
# An officer slowed down by failed sign-ins (perhaps someone else's) calls the administrator,
# who can let them try again at once (licensing/pages/sessions.py has the throttle).


@get("/admin/users/{user_id:int}/sign-in", guards=[auth.admin])
async def sign_in_state(request: Request, conn: Conn, user_id: FromPath[int]) -> Response:
    user = await _user(conn, user_id)
    return page(
        "admin_sign_in.html",
        request,
        title=f"{user.display_name}'s sign-in",
        user=user,
        roles=ROLE_LABELS,
        wait=await sessions.seconds_to_wait(conn, user.email, None),
        two_factor=await two_factor.state(conn, user.id),
        reset_minutes=password_reset.MINUTES,
    )


@post("/admin/users/{user_id:int}/sign-in", guards=[auth.admin])
async def unlock_sign_in(request: Request, conn: Conn, user_id: FromPath[int]) -> Response:
    await read_form(request)
    user = await _user(conn, user_id)
    async with acting(conn, Actor(request.user.user_id, request.user.authority_id)):
        forgotten = await sessions.forget_failures(conn, user.email)
        await audit_log.record(
            conn,
            action="sign_in_unlocked",
            user_id=request.user.user_id,
            subject=f"user:{user.id}",
            detail={"failures_forgotten": forgotten},
        )
    return redirect("/admin/users?done=unlocked")


@post("/admin/users/{user_id:int}/password-reset", guards=[auth.admin])
async def send_password_reset(request: Request, conn: Conn, user_id: FromPath[int]) -> Response:
    """Email the person a link to choose a new password (the administrator never sees it)."""
    await read_form(request)
    user = await _user(conn, user_id)
    link = await password_resets.send_link(conn, actor_of(request), user.id)
    if link is None:
        raise Problem(409, "This account is deactivated", "A deactivated account cannot sign in.")
    response = redirect("/admin/users?done=reset_sent")
    response.background = send_in_background(request, link)
    return response


# API tokens ----------------------------------------------------------------------------------
# For a council's back-office system, which acts as one of the council's accounts. The token is
# shown once, on the page that issues it, and kept only as a hash (as `crosscheck token create`
# and POST /api/v1/users/{id}/tokens).


def token_status(token: accounts.TokenInfo, now: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= now else "active"


@get("/admin/users/{user_id:int}/tokens", guards=[auth.admin])
async def tokens(request: Request, conn: Conn, user_id: FromPath[int]) -> Response:
    user = await _user(conn, user_id)
    now = datetime.now(UTC)
    listed = [(t, token_status(t, now)) for t in await accounts.list_tokens(conn, user.id)]
    banner = {"revoked": "The token has been revoked: it no longer works."}.get(
        request.query_params.get("done")
    )
    return page(
        "admin_tokens.html",
        request,
        title=f"API tokens for {user.display_name}",
        user=user,
        roles=ROLE_LABELS,
        tokens=listed,
        banner=banner,
    )


INACTIVE = "This account is deactivated: tokens cannot be issued to it"
TOKEN_FIELDS = [
    f.text(
        "label",
        "What the token is for",
        width="govuk-!-width-two-thirds",
        hint="For example, the name of the licensing system that will use it",
    ),
    f.text(
        "days",
        "How many days it lasts",
        width="govuk-input--width-4",
        hint=f"From 1 to {accounts.MAX_TOKEN_DAYS}. Leave blank for 365.",
    ),
]


async def _token_words(request: Request, conn: Any, user: accounts.User) -> dict[str, Any]:
    return {
        "title": f"Issue an API token for {user.display_name}",
        "back_href": f"/admin/users/{user.id}/tokens",
    }


async def _issue(
    conn: Any, actor: Actor, user: accounts.User, values: dict[str, Any]
) -> tuple[accounts.TokenInfo, str]:
    days_text = values["days"] or "365"
    days = int(days_text) if days_text.isdigit() else 0
    errors = [] if user.active else [("label", INACTIVE)]
    try:
        accounts.check_token_request(values["label"], days)
    except accounts.AccountError as exc:
        errors += exc.errors
    if errors:
        raise accounts.AccountError(errors)
    token_id, token = await auth.create_token(conn, user.id, values["label"], timedelta(days=days))
    return await accounts.token_issued(conn, token_id, actor_user_id=actor.user_id), token


def _token_issued(request: Request, user: accounts.User, issued: Any) -> Response:
    info, token = issued
    return page(
        "admin_token_issued.html",
        request,
        title="Copy the token now",
        user=user,
        info=info,
        token=token,
    )


NEW_TOKEN = FormPage(
    "/admin/users/{user_id:int}/tokens/new",
    caption="Administration",
    button="Issue token",
    load=lambda request, conn: _user(conn, request.path_params["user_id"]),
    fields=TOKEN_FIELDS,
    words=_token_words,
    save=_issue,
    done=_token_issued,
    guards=[auth.admin],
)


@post("/admin/users/{user_id:int}/tokens/{token_id:int}/revoke", guards=[auth.admin])
async def revoke_token(
    request: Request, conn: Conn, user_id: FromPath[int], token_id: FromPath[int]
) -> Response:
    await read_form(request)
    user = await _user(conn, user_id)
    token = await accounts.get_token(conn, token_id) if 0 < token_id <= MAX_ID else None
    if token is None or token.user_id != user.id:
        raise NotFoundException()
    async with acting(conn, Actor(request.user.user_id, request.user.authority_id)):
        await accounts.revoke_token(conn, token.id, actor_user_id=request.user.user_id)
    auth.forget_tokens(request.app)
    return redirect(f"/admin/users/{user.id}/tokens?done=revoked")


# Authorities' alert settings -----------------------------------------------------------------


@get("/admin/authorities", guards=[auth.admin])
async def authorities(request: Request, conn: Conn) -> Response:
    rows = await licensing(conn)
    banner = (
        "The authority's alert settings have been saved."
        if request.query_params.get("done") == "saved"
        else None
    )
    return page(
        "admin_authorities.html",
        request,
        title="Authorities' alert settings",
        authorities=rows,
        banner=banner,
    )


DELIVERY = [
    (
        "immediate",
        "As soon as each alert is ready",
        "Alerts are grouped into one email a few minutes apart",
    ),
    ("digest", "Once a day, in a digest", "One email a day at the time below"),
]
HHMM = re.compile(r"^([01]?[0-9]|2[0-3])[:.]([0-5][0-9])$")

AUTHORITY_FIELDS = [
    f.exact(
        "alert_email",
        "Alert mailbox",
        width=f.WIDE,
        hint="A shared licensing team mailbox, for example licensing@council.gov.uk. Leave it "
        "blank to stop alert emails.",
    ),
    f.exact(
        "dpo_email",
        "Data protection officer's email address",
        width=f.WIDE,
        hint="Told when an officer passes an hourly limit or opens a record none of their "
        "searches returned. The email names no one. Leave it blank to stop these emails.",
    ),
    f.radios("alert_delivery", "How should alerts be delivered?", DELIVERY),
    f.text(
        "digest_time",
        "Digest time",
        width="govuk-input--width-5",
        hint="UK time, for example 08:00",
    ),
    f.radios(
        "alert_identity",
        "What should alert emails say about the driver?",
        [
            (
                "no",
                "Nothing: officers sign in to see who an alert is about (recommended)",
                "The email says what happened, what to do and by when, with the entry number",
            ),
            (
                "yes",
                "One line with the driver's name and date of birth",
                "Only if your mailbox is restricted to your licensing team",
            ),
        ],
    ),
    f.textarea(
        "information_contact",
        "How other authorities can ask for information",
        hint="Shown with your register entries: a team, an email address or a phone number",
        rows=3,
    ),
]


async def _authority(
    request: Request, conn: Any
) -> tuple[Any, authority_settings.AuthoritySettings]:
    """The licensing authority the path names (or the 404 page), with its settings."""
    code = request.path_params["code"]
    found = await by_code(conn, code) if len(code) <= 20 else None
    if found is None or not found.licenses_drivers:
        raise NotFoundException()
    return found, await authority_settings.read(conn, found.id)


def _settings_shown(subject: tuple[Any, Any]) -> dict[str, Any]:
    settings = subject[1]
    shown = "yes" if settings.alert_identity else "no"
    return {**msgspec.structs.asdict(settings), "alert_identity": shown}


def _check_settings(form: Form, values: dict[str, Any]) -> None:
    """Choices the radios offer, and a digest time read as HH:MM (8.00 is 08:00)."""
    if values["alert_delivery"] not in ("immediate", "digest"):
        form.add_error("alert_delivery", "Select how alerts should be delivered")
        values["alert_delivery"] = "immediate"
    if values["alert_identity"] not in (None, "no", "yes"):
        form.add_error("alert_identity", "Select what alert emails should say about the driver")
    values["alert_identity"] = values["alert_identity"] == "yes"
    digest = HHMM.match(values["digest_time"])
    if not digest:
        form.add_error("digest_time", "Enter the digest time as hours and minutes, like 08:00")
    values["digest_time"] = f"{int(digest.group(1)):02d}:{digest.group(2)}" if digest else "08:00"


async def _authority_words(request: Request, conn: Any, subject: tuple[Any, Any]) -> dict[str, Any]:
    return {"title": subject[0].name, "back_href": "/admin/authorities"}


AUTHORITY_SETTINGS = FormPage(
    "/admin/authorities/{code:str}",
    caption="Alert settings",
    button="Save settings",
    load=_authority,
    fields=AUTHORITY_FIELDS,
    words=_authority_words,
    shows=_settings_shown,
    check=_check_settings,
    save=saves(
        authority_settings.change, authority_settings.AuthorityPatch, lambda subject: subject[0].id
    ),
    done=lambda request, subject, _: "/admin/authorities?done=saved",
    guards=[auth.admin],
)
