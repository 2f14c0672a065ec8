"""`crosscheck user ...` and `crosscheck token ...`: accounts and API tokens from the shell,
plus the demo accounts `crosscheck serve --demo` creates."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import asyncpg
import click

from licensing import auth
from licensing.cli import UserError, friendly, load_settings, main
from licensing.cli_service import Secret
from licensing.db import connect, urls
from licensing.settings import Settings
from registry import accounts, authorities, two_factor
from registry.accounts import ROLES, AccountError

T = TypeVar("T")

# How the command's options are called, for messages about registry fields.
OPTION_NAMES = {
    "display_name": "--name",
    "authority_code": "--authority",
    "email": "--email",
    "role": "--role",
    "password": "password",
    "label": "--label",
    "days": "--days",
}


def _explain(exc: AccountError) -> UserError:
    return UserError("; ".join(f"{OPTION_NAMES.get(f, f)}: {m}" for f, m in exc.errors))


async def _with_conn(settings: Settings, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    url, _ = await urls(settings)
    conn = await connect(url)
    try:
        return await work(conn)
    except AccountError as exc:
        raise _explain(exc) from None
    except asyncpg.UndefinedTableError:
        raise UserError(
            "the database has no tables yet: run `crosscheck db migrate` first"
        ) from None
    except asyncpg.PostgresError as exc:
        raise UserError(f"the database refused the change ({type(exc).__name__})") from None
    finally:
        await conn.close()


def _run(work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    return asyncio.run(_with_conn(load_settings(), work))


async def _user(conn: asyncpg.Connection, email: str) -> accounts.User:
    user = await accounts.user_by_email(conn, email)
    if user is None:
        raise UserError(f"no account has the email {email}")
    return user


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UserError("--password-stdin: no password was given on standard input")
    return password


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if moment else "-"


# Users ---------------------------------------------------------------------------------------


@main.group("user")
def user_group() -> None:
    """Accounts: licensing officers, data protection officers, DfT analysts, administrators."""


@user_group.command("create")
@click.option("--email", required=True, help="Sign-in email address.")
@click.option("--name", "display_name", required=True, help="The person's name as shown to others.")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option(
    "--authority",
    "authority_code",
    default=None,
    metavar="CODE",
    help="The authority's ONS code (or TFL); officers and DPOs only.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read a password for the web pages from the first line of standard input.",
)
@friendly
def user_create(
    email: str, display_name: str, role: str, authority_code: str | None, password_stdin: bool
) -> None:
    """Create an account."""
    password = _read_password() if password_stdin else None

    async def work(conn: asyncpg.Connection) -> accounts.User:
        return await accounts.create_user(
            conn,
            email=email,
            display_name=display_name,
            role=role,
            authority_code=authority_code,
            password=password,
        )

    user = _run(work)
    where = f" at {user.authority_name}" if user.authority_name else ""
    click.echo(f"created user {user.id}: {user.email}, {user.role}{where}")


@user_group.command("list")
@click.option(
    "--authority",
    "authority_code",
    default=None,
    metavar="CODE",
    help="Only this authority's accounts.",
)
@friendly
def user_list(authority_code: str | None) -> None:
    """List accounts (email, role, authority, whether active)."""

    async def work(conn: asyncpg.Connection) -> list[accounts.User]:
        authority_id = None
        if authority_code:
            from registry.authorities import by_code

            found = await by_code(conn, authority_code)
            if found is None:
                raise UserError(
                    f"--authority: no licensing authority has the code {authority_code}"
                )
            authority_id = found.id
        return await accounts.list_users(conn, authority_id=authority_id)

    users = _run(work)
    for user in users:
        state = "active" if user.active else "deactivated"
        click.echo(
            f"{user.id:>6}  {user.email:40}  {user.role:17}  "
            f"{user.authority_code or '-':10}  {state}"
        )
    if not users:
        click.echo("no accounts")


@user_group.command("deactivate")
@click.option("--email", required=True)
@friendly
def user_deactivate(email: str) -> None:
    """Switch an account off: no more sign-in, and its API tokens are revoked."""

    async def work(conn: asyncpg.Connection) -> accounts.User | None:
        return await accounts.deactivate_user(conn, (await _user(conn, email)).id)

    user = _run(work)
    assert user is not None  # _user found the account
    click.echo(f"deactivated {user.email}; its API tokens are revoked")


@user_group.command("password")
@click.option("--email", required=True)
@friendly
def user_password(email: str) -> None:
    """Set an account's password, read from the first line of standard input."""
    password = _read_password()

    async def work(conn: asyncpg.Connection) -> None:
        await accounts.set_password(conn, (await _user(conn, email)).id, password)

    _run(work)
    click.echo(f"password set for {email}")


@user_group.command("totp")
@click.option("--email", required=True)
@friendly
def user_totp(email: str) -> None:
    """The code a demo account's authenticator app would show now (demo accounts only: every
    other account's code is on its owner's phone)."""
    if email.lower() not in DEMO_EMAILS:
        raise UserError(f"--email: {email} is not a demo account; its code is on its owner's phone")

    async def work(conn: asyncpg.Connection) -> str | None:
        return await two_factor.secret_of(conn, (await _user(conn, email)).id)

    secret = _run(work)
    if secret is None:
        raise UserError(f"{email} has no authenticator set up")
    step = two_factor.current_step()
    left = two_factor.STEP_SECONDS - int(datetime.now(UTC).timestamp()) % two_factor.STEP_SECONDS
    click.echo(
        f"{two_factor.code_at(secret, step)}  (for {left} more seconds; each code works once)"
    )


# Tokens --------------------------------------------------------------------------------------


@main.group("token")
def token_group() -> None:
    """API tokens for machine clients (shown once, stored only as a hash)."""


@token_group.command("create")
@click.option("--email", required=True, help="The account the token acts as.")
@click.option("--label", required=True, help="What the token is for, e.g. 'case system import'.")
@click.option("--days", default=365, show_default=True, type=int, help="Days until it expires.")
@friendly
def token_create(email: str, label: str, days: int) -> None:
    """Issue a token; it is printed once, on standard output, and cannot be shown again."""
    try:
        accounts.check_token_request(label, days)
    except AccountError as exc:
        raise _explain(exc) from None

    async def work(conn: asyncpg.Connection) -> tuple[accounts.TokenInfo, str]:
        user = await _user(conn, email)
        if not user.active:
            raise UserError(f"{email} is deactivated: tokens cannot be issued to it")
        async with conn.transaction():
            token_id, token = await auth.create_token(
                conn, user.id, label.strip(), timedelta(days=days)
            )
            info = await accounts.token_issued(conn, token_id)
        return info, token

    info, token = _run(work)
    click.echo(
        f"token {info.id} for {email}, expires {_when(info.expires_at)} UTC. "
        "Store it now: it is shown only this once.",
        err=True,
    )
    click.echo(token)


@token_group.command("revoke")
@click.option("--id", "token_id", required=True, type=int, help="The token's id (see token list).")
@friendly
def token_revoke(token_id: int) -> None:
    """Revoke a token at once."""
    if not 0 < token_id < 2**31:
        raise UserError(f"--id: no token has the id {token_id}")

    async def work(conn: asyncpg.Connection) -> accounts.TokenInfo | None:
        return await accounts.revoke_token(conn, token_id)

    if _run(work) is None:
        raise UserError(f"--id: no token has the id {token_id}")
    click.echo(f"revoked token {token_id}")


@token_group.command("list")
@click.option("--email", required=True)
@friendly
def token_list(email: str) -> None:
    """List an account's tokens: id, label, created, expires, last used, state."""

    async def work(conn: asyncpg.Connection) -> list[accounts.TokenInfo]:
        return await accounts.list_tokens(conn, (await _user(conn, email)).id)

    tokens = _run(work)
    now = datetime.now(UTC)
    click.echo(f"{'id':>6}  {'label':30}  {'created':16}  {'expires':16}  {'last used':16}  state")
    for t in tokens:
        state = "revoked" if t.revoked_at else "expired" if t.expires_at <= now else "active"
        click.echo(
            f"{t.id:>6}  {t.label[:30]:30}  {_when(t.created_at):16}  {_when(t.expires_at):16}  "
            f"{_when(t.last_used_at):16}  {state}"
        )
    if not tokens:
        click.echo("no tokens")


# Demo accounts -------------------------------------------------------------------------------

DEMO_PASSWORD_ENV = "CROSSCHECK_DEMO_PASSWORD"
DEMO_PASSWORD_DEFAULT = "demo-password-change-me"
DEMO_TOKEN_LABEL = "demo"
DEMO_ACCOUNTS = (
    # email, name, role, authority name
    (
        "officer.rotherham@crosscheck.example",
        "Rita Rotherham (demo)",
        "licensing_officer",
        "Rotherham",
    ),
    (
        "officer.sheffield@crosscheck.example",
        "Sam Sheffield (demo)",
        "licensing_officer",
        "Sheffield",
    ),
    ("officer.bolton@crosscheck.example", "Bea Bolton (demo)", "licensing_officer", "Bolton"),
    (
        "officer.wolverhampton@crosscheck.example",
        "Wes Wolverhampton (demo)",
        "licensing_officer",
        "Wolverhampton",
    ),
    ("dpo.bolton@crosscheck.example", "Dee Bolton, data protection (demo)", "dpo", "Bolton"),
    ("analyst@dft.crosscheck.example", "Dan DfT analyst (demo)", "dft_analyst", None),
    ("admin@crosscheck.example", "Ada Administrator (demo)", "admin", None),
)
DEMO_EMAILS = frozenset(email for email, *_ in DEMO_ACCOUNTS)


async def ensure_demo_accounts(
    conn: asyncpg.Connection, password: str
) -> list[tuple[accounts.User, str, str]]:
    """Create the demo accounts if absent (with `password` and an authenticator already set
    up), and give each a fresh token (earlier demo tokens are revoked: a token cannot be shown
    twice); returns (user, token, TOTP secret). An account that exists keeps its password
    (`crosscheck user password` changes it) and its authenticator, or gets one if an
    administrator reset it."""
    issued = []
    for email, name, role, authority in DEMO_ACCOUNTS:
        user = await accounts.user_by_email(conn, email)
        if user is None:
            code = await authorities.code_by_name(conn, authority) if authority else None
            user = await accounts.create_user(
                conn,
                email=email,
                display_name=name,
                role=role,
                authority_code=code,
                password=password,
            )
        if not user.active:
            continue
        async with conn.transaction():
            await conn.execute(
                "UPDATE api_token SET revoked_at = now() WHERE user_id = $1 "
                "AND label = $2 AND revoked_at IS NULL",
                user.id,
                DEMO_TOKEN_LABEL,
            )
            _, token = await auth.create_token(conn, user.id, DEMO_TOKEN_LABEL, timedelta(days=30))
        secret = await two_factor.secret_of(conn, user.id)
        if secret is None:
            secret = two_factor.new_secret()
            await two_factor.enrol_without_code(conn, user.id, secret)
        issued.append((user, token, secret))
    return issued


def demo_accounts_step(settings: Settings) -> list[str]:
    password = os.environ.get(DEMO_PASSWORD_ENV) or DEMO_PASSWORD_DEFAULT

    async def work(conn: asyncpg.Connection) -> list[tuple[accounts.User, str, str]]:
        return await ensure_demo_accounts(conn, password)

    issued = asyncio.run(_with_conn(settings, work))
    if os.environ.get(DEMO_PASSWORD_ENV):
        said = f"the value of {DEMO_PASSWORD_ENV}"
    else:
        said = f"{DEMO_PASSWORD_DEFAULT} (set {DEMO_PASSWORD_ENV} to choose another)"
    lines = ["", "Demo accounts:"]
    secret = [
        Secret(""),
        Secret(f"Demo accounts: sign in with one of these emails; the password is {said}."),
        Secret("Then a code from an authenticator app: add each account's TOTP key below to the"),
        Secret("app, or print the code it would show now with"),
        Secret("  .venv/bin/crosscheck user totp --email EMAIL"),
        Secret("API tokens (new on each demo start; send as 'Authorization: Bearer TOKEN'):"),
    ]
    for user, token, totp_secret in issued:
        where = f" at {user.authority_name}" if user.authority_name else ""
        lines.append(f"  {user.email:42} {user.role}{where}")
        secret.append(Secret(f"  {user.email:42} TOTP key {totp_secret}  token {token}"))
    return lines + secret
