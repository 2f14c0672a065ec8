"""An authority's own settings: where and how it receives alerts, what alert emails may say
about the driver, and how another authority asks it for information. Administrators change
them (from the API and the administration pages); every change is audited."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Literal

import asyncpg
import msgspec

from registry import audit_log
from registry.accounts import EMAIL
from registry.actor import Actor, acting
from registry.errors import Invalid

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class AuthoritySettings(msgspec.Struct, frozen=True):
    code: str
    name: str
    alert_email: str | None
    alert_delivery: str
    digest_time: str
    information_contact: str
    alert_identity: bool
    dpo_email: str | None = None


class AuthorityPatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Only the fields given change; `alert_email: null` stops alert emails."""

    alert_email: str | msgspec.UnsetType | None = msgspec.UNSET
    alert_delivery: Literal["immediate", "digest"] | msgspec.UnsetType = msgspec.UNSET
    digest_time: (
        Annotated[str, msgspec.Meta(pattern=HHMM, description="HH:MM, UK time")] | msgspec.UnsetType
    ) = msgspec.UNSET
    information_contact: str | msgspec.UnsetType = msgspec.UNSET
    alert_identity: (
        Annotated[
            bool,
            msgspec.Meta(
                description="Each alert email names the driver (name and date of birth); by "
                "default none does"
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    dpo_email: (
        Annotated[
            str | None,
            msgspec.Meta(
                description="The data protection officer's address, for alerts about officers' "
                "use of the register (never names anyone); null stops them"
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET


SETTINGS = """
SELECT code, name, alert_email::text, alert_delivery, to_char(digest_time, 'HH24:MI') AS digest_time,
       information_contact, alert_identity, dpo_email::text
FROM authority WHERE id = $1
"""
UPDATE_SETTINGS = """
UPDATE authority SET
    alert_email = CASE WHEN $2 THEN $3::citext ELSE alert_email END,
    alert_delivery = coalesce($4, alert_delivery),
    digest_time = coalesce($5::time, digest_time),
    information_contact = coalesce($6, information_contact),
    alert_identity = coalesce($7, alert_identity),
    dpo_email = CASE WHEN $8 THEN $9::citext ELSE dpo_email END
WHERE id = $1
"""


async def read(conn: asyncpg.Connection, authority_id: int) -> AuthoritySettings:
    return AuthoritySettings(**dict(await conn.fetchrow(SETTINGS, authority_id)))


def errors(change: AuthorityPatch) -> list[tuple[str, str]]:
    """(field, message) for each value the register would refuse."""
    found = []
    if isinstance(change.alert_email, str) and (
        not EMAIL.match(change.alert_email) or len(change.alert_email) > 254
    ):
        found.append(("alert_email", "Enter an email address like licensing@council.gov.uk"))
    if isinstance(change.dpo_email, str) and (
        not EMAIL.match(change.dpo_email) or len(change.dpo_email) > 254
    ):
        found.append(("dpo_email", "Enter an email address like dpo@council.gov.uk"))
    if isinstance(change.information_contact, str) and len(change.information_contact) > 1000:
        found.append(("information_contact", "Use at most 1000 characters"))
    return found


def _given(value: object) -> object:
    return None if value is msgspec.UNSET else value


async def change(
    conn: asyncpg.Connection, actor: Actor, authority_id: int, patch: AuthorityPatch
) -> AuthoritySettings:
    """Apply the change and audit it (naming the fields changed, never their values)."""
    if found := errors(patch):
        raise Invalid(found)
    digest = patch.digest_time if isinstance(patch.digest_time, str) else None
    changed = sorted(f for f in patch.__struct_fields__ if getattr(patch, f) is not msgspec.UNSET)
    async with acting(conn, actor):
        await conn.execute(
            UPDATE_SETTINGS,
            authority_id,
            patch.alert_email is not msgspec.UNSET,
            _given(patch.alert_email),
            _given(patch.alert_delivery),
            time.fromisoformat(digest) if digest else None,
            _given(patch.information_contact),
            _given(patch.alert_identity),
            patch.dpo_email is not msgspec.UNSET,
            _given(patch.dpo_email),
        )
        await audit_log.record(
            conn,
            action="authority_updated",
            user_id=actor.user_id,
            authority_id=authority_id,
            subject=f"authority:{authority_id}",
            detail={"fields": changed},
        )
    return await read(conn, authority_id)
