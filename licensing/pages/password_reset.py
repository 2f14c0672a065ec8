"""Forgotten passwords: ask for a link by email, then choose a new password through it
(registry/password_resets.py keeps the links; alerts/account_mail.py sends them).

Nobody is signed in on these pages, so their forms carry the sign-in form's double-submit
CSRF token (a cookie and a hidden field that must match). Asking for a link answers the same
page whether or not the email address has an account. Choosing a new password does not sign
the person in: they sign in with it and their second factor, as always.
"""

from __future__ import annotations

import secrets

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask

from alerts.account_mail import send_reset_email
from alerts.config import AlertConfig
from licensing.pages import fields as f
from licensing.pages import sessions
from licensing.pages.account import PASSWORD_FIELDS, check_new_password
from licensing.pages.forms import Form
from licensing.pages.render import Conn, page, redirect
from registry import accounts, password_resets

FORGOTTEN = "/sign-in/forgotten"
RESET = "/sign-in/reset"
MINUTES = int(password_resets.LINK_LIFETIME.total_seconds() // 60)


def send_in_background(request: Request, link: password_resets.Link | None) -> BackgroundTask:
    """Sends the email after the answer has gone, so how long the answer takes says nothing
    about whether an email was sent."""

    async def send() -> None:
        if link is not None:
            await send_reset_email(AlertConfig.from_settings(request.app.state.settings), link)

    return BackgroundTask(send)


def _with_token(request: Request, response: Response, token: str) -> Response:
    response.set_cookie(sessions.signin_cookie(request.app.state.settings, token))
    return response


async def _read(request: Request) -> Form | None:
    """The submitted form, or None when its CSRF token matches neither the cookie set with
    the form nor the session of a browser that is signed in."""
    data = await request.form()
    sent = data.get("csrf_token")
    cookie = request.cookies.get(sessions.signin_cookie_name(request.app.state.settings))
    session = request.scope.get("web_session")
    if not (
        sessions.same_token(sent, cookie)
        or (session is not None and sessions.same_token(sent, session.csrf_token))
    ):
        return None
    return Form({key: data.getall(key) for key in data if key != "csrf_token"})


EMAIL_FIELDS = [
    f.text(
        "email",
        "Email address",
        width="govuk-!-width-two-thirds",
        spellcheck=False,
        autocomplete="username",
        hint="The address you sign in with",
    )
]


def _ask_page(request: Request, form: Form, status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = f.form_page(
        request,
        form,
        EMAIL_FIELDS,
        status_code=status_code,
        title="Reset your password",
        back_href="/sign-in",
        action=FORGOTTEN,
        submit="Send me a link",
        intro=[
            "We will email you a link to choose a new password. "
            f"It works once, within {MINUTES} minutes.",
            "You will still need the code from your authenticator app to sign in.",
        ],
        csrf_token=token,
    )
    return _with_token(request, response, token)


@get(FORGOTTEN, sync_to_thread=False)
def forgotten_form(request: Request) -> Response:
    return _ask_page(request, Form())


@post(FORGOTTEN)
async def ask_for_link(request: Request, conn: Conn) -> Response:
    form = await _read(request)
    if form is None:
        form = Form()
        form.add_error("email", "Your page had expired. Enter your email address again")
        return _ask_page(request, form, 400)
    email = form.required("email", "Enter your email address")
    if form.ok and not accounts.EMAIL.match(email):
        form.add_error("email", "Enter an email address like name@council.gov.uk")
    if not form.ok:
        return _ask_page(request, form, 400)
    link = await password_resets.ask_for_link(conn, email)
    # the same page, whether or not there is an account (or a link was made)
    response = redirect(FORGOTTEN + "/sent")
    response.background = send_in_background(request, link)
    return response


@get(FORGOTTEN + "/sent", sync_to_thread=False)
def link_sent(request: Request) -> Response:
    return page(
        "reset_sent.html",
        request,
        title="Check your email",
        minutes=MINUTES,
        most=password_resets.MAX_LINKS_PER_HOUR,
    )


NEW_PASSWORD_FIELDS = [f.hidden("token"), *PASSWORD_FIELDS[1:]]


def _choose_page(request: Request, form: Form, status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = f.form_page(
        request,
        form,
        NEW_PASSWORD_FIELDS,
        status_code=status_code,
        title="Choose a new password",
        action=RESET,
        submit="Change password",
        intro=["You will be signed out everywhere, then sign in with your new password."],
        csrf_token=token,
    )
    return _with_token(request, response, token)


def _link_unusable(request: Request) -> Response:
    return page(
        "reset_link_unusable.html",
        request,
        status_code=400,
        title="This link cannot be used",
        minutes=MINUTES,
    )


@get(RESET)
async def choose_form(request: Request, conn: Conn) -> Response:
    token = request.query_params.get("token") or ""
    if await password_resets.link_user(conn, token) is None:
        return _link_unusable(request)
    return _choose_page(request, Form({"token": [token]}))


@post(RESET)
async def choose_password(request: Request, conn: Conn) -> Response:
    form = await _read(request)
    if form is None:
        return _link_unusable(request)
    token = form.get("token")
    if await password_resets.link_user(conn, token) is None:
        return _link_unusable(request)
    new = check_new_password(form)
    if not form.ok:
        return _choose_page(request, form, 400)
    if await password_resets.use_link(conn, token, new) is None:
        return _link_unusable(request)
    return redirect(
        "/sign-in?done=password_reset",
        cookies=[sessions.session_cookie(request.app.state.settings, None)],
    )
