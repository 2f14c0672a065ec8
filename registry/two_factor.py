"""The second factor for signing in to the pages: a TOTP authenticator app, and one-time
recovery codes for when the phone is lost. API tokens are not touched by any of this.

- Each account has at most one authenticator: a random 160-bit secret (RFC 6238, 30-second
  steps, 6 digits). A code is accepted from the step before to the step after now (clocks
  drift), and each step at most once: the last step used is kept, and only a later one is
  taken, in one statement, so two requests cannot spend the same code.
- Setting one up gives 10 recovery codes, shown once; only a salted SHA-256 of each is kept.
  Each works once. Setting up again replaces them.
- An administrator's reset removes the authenticator and the codes and ends every session of
  the account: at the next sign-in the person sets up a new one.
- Enrolment, every use of a recovery code and every reset are audited (ids and counts only).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import asyncpg
import msgspec
import pyotp

from registry import audit_log
from registry.actor import Actor, acting

ISSUER = "Crosscheck"
STEP_SECONDS = 30
DIGITS = 6
RECOVERY_CODES = 10
# 12 characters of base32, lower case, shown as three groups of four: 60 random bits each.
_RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_RECOVERY_LENGTH = 12


class TwoFactorState(msgspec.Struct, frozen=True):
    enrolled: bool
    recovery_codes_left: int


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters: 160 bits


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).at(step * STEP_SECONDS)


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The step (now, one before or one after) whose code this is, or None."""
    code = normal_code(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    here = current_step(now)
    for step in (here, here - 1, here + 1):
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def normal_code(code: str) -> str:
    """As typed, without spaces or hyphens (apps show '123 456'; recovery codes have groups)."""
    return "".join(code.split()).replace("-", "").lower()


def looks_like_totp(code: str) -> bool:
    code = normal_code(code)
    return len(code) == DIGITS and code.isdigit()


def new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
    return codes


def _recovery_hash(salt: bytes, code: str) -> bytes:
    return hashlib.sha256(salt + normal_code(code).encode()).digest()


STATE = """
SELECT u.totp_secret IS NOT NULL AS enrolled,
       (SELECT count(*) FROM recovery_code r WHERE r.user_id = u.id AND r.used_at IS NULL)
           AS recovery_codes_left
FROM app_user u WHERE u.id = $1
"""


async def state(conn: asyncpg.Connection, user_id: int) -> TwoFactorState:
    row = await conn.fetchrow(STATE, user_id)
    if row is None:
        return TwoFactorState(False, 0)
    return TwoFactorState(row["enrolled"], row["recovery_codes_left"])


def required(role: str, optional_for_officers: bool) -> bool:
    """Every account needs a second factor, unless the service lets licensing officers off
    (MFA_OPTIONAL_FOR_OFFICERS): never administrators, DPOs or DfT analysts."""
    return not (optional_for_officers and role == "licensing_officer")


SECRET_OF = "SELECT totp_secret FROM app_user WHERE id = $1 AND active"

# Only a step later than the last one used: a code (or an older one) cannot be used twice.
SPEND_STEP = """
UPDATE app_user SET totp_last_step = $2
WHERE id = $1 AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < $2)
RETURNING id
"""


async def check_code(conn: asyncpg.Connection, user_id: int, code: str) -> bool:
    """True once for a right code from the account's authenticator (and marks it used)."""
    secret = await conn.fetchval(SECRET_OF, user_id)
    step = matching_step(secret, code) if secret else None
    if step is None:
        return False
    return await conn.fetchval(SPEND_STEP, user_id, step) is not None


UNUSED_RECOVERY = (
    "SELECT id, salt, code_hash FROM recovery_code WHERE user_id = $1 AND used_at IS NULL"
)
SPEND_RECOVERY = """
UPDATE recovery_code SET used_at = now() WHERE id = $1 AND used_at IS NULL RETURNING user_id
"""
USER_AUTHORITY = "SELECT authority_id FROM app_user WHERE id = $1"


async def use_recovery_code(conn: asyncpg.Connection, user_id: int, code: str) -> int | None:
    """Spend a recovery code: the number of codes left, or None when it is not one of theirs
    (or already used). Audited as two_factor_recovery_code_used."""
    wanted = normal_code(code)
    if len(wanted) != _RECOVERY_LENGTH:
        return None
    found = None
    for row in await conn.fetch(UNUSED_RECOVERY, user_id):
        if hmac.compare_digest(_recovery_hash(row["salt"], wanted), row["code_hash"]):
            found = row["id"]
    if found is None:
        return None
    authority_id = await conn.fetchval(USER_AUTHORITY, user_id)
    async with acting(conn, Actor(user_id, authority_id)):
        if await conn.fetchval(SPEND_RECOVERY, found) is None:
            return None  # spent a moment ago by another request
        left = (await state(conn, user_id)).recovery_codes_left
        await audit_log.record(
            conn,
            action="two_factor_recovery_code_used",
            user_id=user_id,
            authority_id=authority_id,
            subject=f"user:{user_id}",
            detail={"recovery_codes_left": left},
        )
    return left


ENROL = """
UPDATE app_user SET totp_secret = $2, totp_enrolled_at = now(), totp_last_step = $3
WHERE id = $1 AND active RETURNING id
"""
FORGET_RECOVERY = "DELETE FROM recovery_code WHERE user_id = $1"
ADD_RECOVERY = "INSERT INTO recovery_code (user_id, salt, code_hash) VALUES ($1, $2, $3)"


async def _replace_recovery_codes(conn: asyncpg.Connection, user_id: int) -> list[str]:
    codes = new_recovery_codes()
    await conn.execute(FORGET_RECOVERY, user_id)
    salts = [secrets.token_bytes(16) for _ in codes]
    await conn.executemany(
        ADD_RECOVERY,
        [
            (user_id, salt, _recovery_hash(salt, code))
            for salt, code in zip(salts, codes, strict=True)
        ],
    )
    return codes


async def enrol(
    conn: asyncpg.Connection, user_id: int, secret: str, code: str, *, now: float | None = None
) -> list[str] | None:
    """Keep the authenticator the person has just set up, once they show a code from it;
    returns their new recovery codes (shown once), or None when the code is not right."""
    step = matching_step(secret, code, now)
    if step is None:
        return None
    authority_id = await conn.fetchval(USER_AUTHORITY, user_id)
    async with acting(conn, Actor(user_id, authority_id)):
        if await conn.fetchval(ENROL, user_id, secret, step) is None:
            return None
        codes = await _replace_recovery_codes(conn, user_id)
        await audit_log.record(
            conn,
            action="two_factor_enrolled",
            user_id=user_id,
            authority_id=authority_id,
            subject=f"user:{user_id}",
            detail={"recovery_codes": len(codes)},
        )
    return codes


async def enrol_without_code(conn: asyncpg.Connection, user_id: int, secret: str) -> None:
    """For accounts made ready to use (the demo's, the tests'): the secret is given, not
    scanned, so there is no code to show. Audited as an enrolment like any other."""
    authority_id = await conn.fetchval(USER_AUTHORITY, user_id)
    async with acting(conn, Actor(None, authority_id)):
        await conn.execute(ENROL, user_id, secret, None)
        await audit_log.record(
            conn,
            action="two_factor_enrolled",
            authority_id=authority_id,
            subject=f"user:{user_id}",
            detail={"set_up_by": "command line"},
        )


SECRET_FOR_DEMO = "SELECT totp_secret FROM app_user WHERE id = $1"


async def secret_of(conn: asyncpg.Connection, user_id: int) -> str | None:
    """The authenticator's secret, for the demo's terminal only (see licensing/cli_accounts)."""
    secret: str | None = await conn.fetchval(SECRET_FOR_DEMO, user_id)
    return secret


RESET = """
UPDATE app_user SET totp_secret = NULL, totp_enrolled_at = NULL, totp_last_step = NULL
WHERE id = $1 RETURNING authority_id
"""
END_SESSIONS = "UPDATE web_session SET ended_at = now() WHERE user_id = $1 AND ended_at IS NULL"


async def reset(conn: asyncpg.Connection, actor: Actor, user_id: int) -> bool:
    """An administrator removes an account's authenticator and recovery codes (a lost phone)
    and signs the account out everywhere; it sets up a new one at its next sign-in. False
    when there is no such account."""
    before = await state(conn, user_id)
    async with acting(conn, actor):
        row = await conn.fetchrow(RESET, user_id)
        if row is None:
            return False
        removed = await conn.execute(FORGET_RECOVERY, user_id)
        await conn.execute(END_SESSIONS, user_id)
        await audit_log.record(
            conn,
            action="two_factor_reset",
            user_id=actor.user_id,
            authority_id=row["authority_id"],
            subject=f"user:{user_id}",
            detail={
                "had_authenticator": before.enrolled,
                "recovery_codes_removed": int(removed.split()[-1]),
            },
        )
    return True
