"""Signing in and out, the page after a session ends, and the start page."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from litestar import Request, Response, get, post

from licensing import auth
from licensing.cli_accounts import DEMO_ACCOUNTS
from licensing.pages import fields as f
from licensing.pages import sessions, work
from licensing.pages.forms import Form, read_form
from licensing.pages.render import Conn, page, redirect
from registry import accounts, audit_log, two_factor
from registry.actor import Actor, acting
from registry.authorities import name_of

WRONG = "Enter a correct email address and password"
RESET_DONE = (
    "Your password has been changed and you have been signed out everywhere. "
    "Sign in with your new password."
)


def safe_next(value: str | None) -> str:
    """Only a path on this site (never //elsewhere or a full address) may follow sign-in."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


def with_next(path: str, next_path: str) -> str:
    return path if next_path == "/" else f"{path}?next={quote(next_path, safe='')}"


async def second_factor_needed(request: Request, conn, user: accounts.User) -> str | None:
    """What the sign-in still needs once the password is right: 'code' (from the account's
    authenticator), 'enrolment' (setting one up first) or None (MFA_OPTIONAL_FOR_OFFICERS
    lets this licensing officer sign in with the password alone)."""
    if (await two_factor.state(conn, user.id)).enrolled:
        return "code"
    settings = request.app.state.settings
    if two_factor.required(user.role, settings.mfa_optional_for_officers):
        return "enrolment"
    return None


def client_address(request: Request) -> str | None:
    return sessions.client_address(request.scope, request.app.state.settings.trusted_proxies)


def too_many(response: Response, wait: int) -> Response:
    response.headers["Retry-After"] = str(wait)
    return response


def _sign_in_page(request: Request, form: Form, status_code: int = 200) -> Response:
    settings = request.app.state.settings
    token = secrets.token_urlsafe(32)
    return page(
        "sign_in.html",
        request,
        status_code=status_code,
        title="Sign in",
        form=form,
        csrf_token=token,
        next_path=safe_next(request.query_params.get("next")),
        demo_accounts=DEMO_ACCOUNTS if settings.demo else (),
        banner=RESET_DONE if request.query_params.get("done") == "password_reset" else None,
        cookies=[sessions.signin_cookie(settings, token)],
    )


@get("/sign-in", sync_to_thread=False)
def sign_in_form(request: Request) -> Response:
    if request.user is not None:
        return redirect(safe_next(request.query_params.get("next")))
    return _sign_in_page(request, Form())


@post("/sign-in")
async def sign_in(request: Request, conn: Conn) -> Response:
    settings = request.app.state.settings
    data = await request.form()
    form = Form({key: data.getall(key) for key in ("email",) if key in data})
    sent_token = data.get("csrf_token")
    if not sessions.same_token(
        sent_token, request.cookies.get(sessions.signin_cookie_name(settings))
    ):
        form.add_error(
            "email", "Your sign-in page had expired. Enter your email address and password again"
        )
        return _sign_in_page(request, form, 400)
    email = form.required("email", "Enter your email address")
    password = data.get("password") or ""
    if not password:
        form.add_error("password", "Enter your password")
    if not form.ok:
        return _sign_in_page(request, form, 400)

    address = client_address(request)
    if wait := await sessions.seconds_to_wait(conn, email, address):
        form.add_error("email", sessions.wait_message(wait))
        return too_many(_sign_in_page(request, form, 429), wait)
    user = await accounts.verify_password(conn, email, password)
    if user is None:
        await sessions.note_attempt(conn, email, address, False)
        form.add_error("email", WRONG)
        return _sign_in_page(request, form, 400)

    next_path = safe_next(request.query_params.get("next"))
    if awaiting := await second_factor_needed(request, conn, user):
        # Not signed in yet: the success is noted after the second factor, so the account's
        # failures (wrong codes among them) go on counting until then.
        token = await sessions.start(conn, user.id, awaiting)
        return redirect(
            with_next(sessions.second_factor_path(awaiting), next_path),
            cookies=[sessions.session_cookie(settings, token)],
        )
    async with conn.transaction():
        await sessions.note_attempt(conn, email, address, True)
        await conn.execute(sessions.FORGET_ATTEMPTS)
        token = await sessions.start(conn, user.id)
    return redirect(
        next_path,
        cookies=[sessions.session_cookie(settings, token), sessions.signin_cookie(settings, None)],
    )


@post("/sign-out", guards=[auth.signed_in], opt=auth.NO_PERSONAL_DATA)
async def sign_out(request: Request, conn: Conn) -> Response:
    await read_form(request)
    if session := request.scope.get("web_session"):
        await sessions.end(conn, session.token_hash)
    return redirect(
        "/signed-out", cookies=[sessions.session_cookie(request.app.state.settings, None)]
    )


@get("/signed-out", sync_to_thread=False)
def signed_out(request: Request) -> Response:
    expired = request.query_params.get("expired") == "1"
    return page(
        "signed_out.html",
        request,
        title="You have been signed out" if expired else "You have signed out",
        expired=expired,
        idle_minutes=int(sessions.IDLE.total_seconds() // 60),
        absolute_hours=int(sessions.ABSOLUTE.total_seconds() // 3600),
        cookies=[sessions.session_cookie(request.app.state.settings, None)],
    )


# Changing one's own password -------------------------------------------------------------------
# The first password comes from an administrator; the person replaces it here. Every other
# session of theirs ends, so a password someone else knew stops working everywhere at once.

PASSWORD_FIELDS = [
    f.text(
        "current_password",
        "Your current password",
        secret=True,
        autocomplete="current-password",
        width="govuk-!-width-one-half",
    ),
    f.text(
        "new_password",
        "New password",
        secret=True,
        width="govuk-!-width-one-half",
        hint=f"At least {accounts.MIN_PASSWORD} characters. A few unrelated words make a good one.",
    ),
    f.text("confirm_password", "New password again", secret=True, width="govuk-!-width-one-half"),
]


def _password_page(request: Request, form: Form, status_code: int = 200) -> Response:
    return f.form_page(
        request,
        form,
        PASSWORD_FIELDS,
        status_code=status_code,
        title="Change your password",
        caption="Your account",
        back_href="/",
        action="/account/password",
        submit="Change password",
    )


@get("/account/password", guards=[auth.signed_in], opt=auth.NO_PERSONAL_DATA, sync_to_thread=False)
def password_form(request: Request) -> Response:
    return _password_page(request, Form())


def _typed(form: Form, name: str) -> str:
    # as typed: spaces at either end are part of a password
    return (form.values.get(name) or [""])[0]


def check_new_password(form: Form) -> str:
    """The new password typed twice, with an error on the form if it will not do."""
    new = _typed(form, "new_password")
    if not new:
        form.add_error("new_password", "Enter a new password")
    elif problem := accounts.check_password(new):
        form.add_error("new_password", problem)
    elif new != _typed(form, "confirm_password"):
        form.add_error("confirm_password", "Enter the same new password twice")
    return new


@post("/account/password", guards=[auth.signed_in], opt=auth.NO_PERSONAL_DATA)
async def change_password(request: Request, conn: Conn) -> Response:
    form = await read_form(request)
    current = _typed(form, "current_password")
    if not current:
        form.add_error("current_password", "Enter your current password")
    new = check_new_password(form)
    if not form.ok:
        return _password_page(request, form, 400)
    me = await accounts.get_user(conn, request.user.user_id)
    address = client_address(request)
    if wait := await sessions.seconds_to_wait(conn, me.email, address):
        form.add_error("current_password", sessions.wait_message(wait))
        return too_many(_password_page(request, form, 429), wait)
    if await accounts.verify_password(conn, me.email, current) is None:
        await sessions.note_attempt(conn, me.email, address, False)
        form.add_error("current_password", "Your current password is not right")
        return _password_page(request, form, 400)
    session = request.scope.get("web_session")
    async with acting(conn, Actor(me.id, me.authority_id)):
        await accounts.set_password(conn, me.id, new)
        await sessions.end_others(conn, me.id, session.token_hash if session else None)
        await audit_log.record(
            conn,
            action="password_changed",
            user_id=me.id,
            authority_id=me.authority_id,
            subject=f"user:{me.id}",
        )
    return redirect("/?done=password")


CARDS = {
    "licensing_officer": [
        (
            "Search the register",
            "/search",
            "Before granting or renewing a licence: by licence or NI number, or by name and date of birth.",
        ),
        ("Record a driver", "/drivers/new", "Add a driver who is not yet on the register."),
        (
            "Alerts",
            "/alerts",
            "Your residents licensed elsewhere, and adverse decisions about drivers you license.",
        ),
        (
            "Information requests",
            "/requests",
            "Requests to you and from you, with their 20 working day clocks.",
        ),
        (
            "Proposed changes to drivers' details",
            "/identity-proposals",
            "Changes other authorities propose to drivers you license, to accept or reject, "
            "and those you proposed.",
        ),
    ],
    "dpo": [("Audit log", "/audit", "Who searched and opened which records, and why.")],
    "dft_analyst": [
        (
            "Compliance summary",
            "/compliance",
            "Per authority and national figures, with a CSV download.",
        )
    ],
    "admin": [
        ("Users", "/admin/users", "Accounts and their roles."),
        ("Authorities", "/admin/authorities", "Alert mailboxes and how alerts are delivered."),
        ("Dead alerts", "/admin/dead-alerts", "Alerts that could not be delivered, to resend."),
    ],
}


@get("/", guards=[auth.signed_in], opt=auth.NO_PERSONAL_DATA | work.OWN_COUNTS)
async def home(request: Request, conn: Conn) -> Response:
    principal = request.user
    authority_name = await name_of(conn, principal.authority_id)
    cards = [{"title": t, "href": h, "text": x} for t, h, x in CARDS.get(principal.role, [])]
    banner = (
        "Your password has been changed. You have been signed out everywhere else."
        if request.query_params.get("done") == "password"
        else None
    )
    work_lists = (
        await work.officer_work(request, conn, principal.authority_id)
        if principal.role == "licensing_officer"
        else None
    )
    return page(
        "home.html",
        request,
        title="Your work" if work_lists else "Home",
        authority_name=authority_name,
        cards=cards,
        banner=banner,
        work=work_lists,
    )


@get("/accessibility", sync_to_thread=False)
def accessibility(request: Request) -> Response:
    return page("accessibility.html", request, title="Accessibility statement for Crosscheck")


@get("/privacy", sync_to_thread=False)
def privacy(request: Request) -> Response:
    return page("privacy.html", request, title="Privacy notice for Crosscheck")
