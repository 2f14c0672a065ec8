"""The second step of signing in (a code from an authenticator app, or a recovery code), the
first set-up of an authenticator, and an administrator's reset (registry/two_factor.py).

After the right password the browser holds a session that is waiting (sessions.AWAITING): it
opens no page but these. The right code makes it a full session under a new cookie value. A
wrong code counts as a failed sign-in for the account and the address, so the throttle that
slows password guessing (sessions.py) slows code guessing too.
"""

from __future__ import annotations

import segno
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from licensing import auth
from licensing.pages import sessions
from licensing.pages.account import client_address, safe_next, too_many, with_next
from licensing.pages.forms import Form, read_form
from licensing.pages.render import Conn, page, redirect
from registry import accounts, two_factor
from registry.actor import Actor

# No sign-in waiting here (ten minutes passed, or none began): say so, then sign in again.
EXPIRED = "/signed-out?expired=1"
WRONG_CODE = "Enter the code your authenticator app shows now, or an unused recovery code"


def _next(request: Request) -> str:
    return safe_next(request.query_params.get("next"))


async def _signed_in(request: Request, conn, waiting: sessions.Awaiting) -> str:
    """The second factor is given: note the success (it clears the account's failures) and
    make the session full; returns the new cookie value."""
    async with conn.transaction():
        await sessions.note_attempt(conn, waiting.email, client_address(request), True)
        await conn.execute(sessions.FORGET_ATTEMPTS)
        return await sessions.complete(conn, waiting.token_hash)


def _session_cookies(request: Request, token: str) -> list:
    settings = request.app.state.settings
    return [sessions.session_cookie(settings, token), sessions.signin_cookie(settings, None)]


async def _waiting(request: Request, conn, awaiting: str) -> sessions.Awaiting | None:
    waiting = await sessions.awaiting_session(conn, request.scope)
    return waiting if waiting is not None and waiting.awaiting == awaiting else None


# The code ----------------------------------------------------------------------------------


def _code_page(request: Request, form: Form, status_code: int = 200) -> Response:
    form.fields = ["code"]
    return page(
        "sign_in_code.html",
        request,
        status_code=status_code,
        title="Enter the code from your authenticator app",
        form=form,
        next_path=_next(request),
    )


@get("/sign-in/code")
async def code_form(request: Request, conn: Conn) -> Response:
    if await _waiting(request, conn, "code") is None:
        return redirect(EXPIRED)
    return _code_page(request, Form())


@post("/sign-in/code")
async def check_code(request: Request, conn: Conn) -> Response:
    waiting = await _waiting(request, conn, "code")
    if waiting is None:
        return redirect(EXPIRED)
    form = await read_form(request)
    code = form.get("code")
    if not code:
        form.add_error("code", "Enter the code from your authenticator app")
        return _code_page(request, form, 400)
    address = client_address(request)
    if wait := await sessions.seconds_to_wait(conn, waiting.email, address):
        form.add_error("code", sessions.wait_message(wait))
        return too_many(_code_page(request, form, 429), wait)
    if two_factor.looks_like_totp(code):
        right = await two_factor.check_code(conn, waiting.user_id, code)
    else:
        right = await two_factor.use_recovery_code(conn, waiting.user_id, code) is not None
    if not right:
        await sessions.note_attempt(conn, waiting.email, address, False)
        form.add_error("code", WRONG_CODE)
        return _code_page(request, form, 400)
    token = await _signed_in(request, conn, waiting)
    return redirect(_next(request), cookies=_session_cookies(request, token))


# Setting up an authenticator ---------------------------------------------------------------


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG: made here, so no request leaves the service, and with no
    style attribute, so the content security policy holds."""
    return segno.make(uri, error="m").svg_inline(
        scale=5, dark="#0b0c0c", light="#ffffff", title="QR code for your authenticator app"
    )


def _set_up_page(
    request: Request, form: Form, secret: str, email: str, status_code: int = 200
) -> Response:
    form.fields = ["code"]
    return page(
        "sign_in_set_up.html",
        request,
        status_code=status_code,
        title="Set up your authenticator app",
        form=form,
        qr_svg=qr_svg(two_factor.provisioning_uri(secret, email)),
        secret_groups=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        action=with_next("/sign-in/set-up", _next(request)),
    )


@get("/sign-in/set-up")
async def set_up_form(request: Request, conn: Conn) -> Response:
    waiting = await _waiting(request, conn, "enrolment")
    if waiting is None:
        return redirect(EXPIRED)
    secret = waiting.pending_secret
    if secret is None:  # one secret per waiting session: reloading shows the same QR code
        secret = two_factor.new_secret()
        await sessions.keep_pending_secret(conn, waiting.token_hash, secret)
    return _set_up_page(request, Form(), secret, waiting.email)


@post("/sign-in/set-up")
async def set_up(request: Request, conn: Conn) -> Response:
    waiting = await _waiting(request, conn, "enrolment")
    if waiting is None or waiting.pending_secret is None:
        return redirect(EXPIRED)
    form = await read_form(request)
    code = form.get("code")
    codes = await two_factor.enrol(conn, waiting.user_id, waiting.pending_secret, code)
    if codes is None:
        form.add_error(
            "code",
            "Enter the 6-digit code your authenticator app shows now"
            if code
            else "Enter the code from your authenticator app",
        )
        return _set_up_page(request, form, waiting.pending_secret, waiting.email, 400)
    token = await _signed_in(request, conn, waiting)
    return page(
        "recovery_codes.html",
        request,
        title="Your authenticator app is set up",
        codes=codes,
        next_path=_next(request),
        cookies=_session_cookies(request, token),
    )


# An administrator's reset ------------------------------------------------------------------
# The person has lost their phone and their recovery codes: after checking who they are (by
# phone, say), an administrator removes the authenticator; the person sets up a new one at
# their next sign-in. Shown on the account's sign-in page (/admin/users/{id}/sign-in).


@post("/admin/users/{user_id:int}/two-factor/reset", guards=[auth.admin])
async def reset(request: Request, conn: Conn, user_id: FromPath[int]) -> Response:
    await read_form(request)
    user = await accounts.get_user(conn, user_id) if 0 < user_id < 2**31 else None
    if user is None:
        raise NotFoundException()
    await two_factor.reset(conn, Actor(request.user.user_id, request.user.authority_id), user.id)
    return redirect("/admin/users?done=two_factor_reset")
