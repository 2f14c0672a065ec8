"""Proposed changes to who a driver is, on the pages (registry/identity_proposals.py).

A driver's name, date of birth and identifiers belong to the authorities that license them or
hold a register entry about them. An officer of any other authority who presses "Change
details" on the record is taken to "Propose a change": the same identity fields, filled in
with what the register holds, and a reason. An owning authority's officer sees the proposal on
the record, in the list of proposals and by alert, and accepts or rejects it with a note; the
proposing officer sees the outcome on the same page.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import asyncpg
from litestar import Request, Response, get
from markupsafe import Markup, escape

from licensing import auth
from licensing.auth import actor_of
from licensing.pages import fields as f
from licensing.pages.about import driver_form, driver_or_404, record_form, shown
from licensing.pages.forms import saves
from licensing.pages.recording.drivers import IDENTITY
from licensing.pages.render import Conn, long_date, page
from licensing.pages.visit import with_visit
from registry import drivers
from registry import identity_proposals as proposals
from registry.actor import Actor, audit_view
from registry.identity_proposals import FIELD_WORDS

# The record's identity fields, as the change page declares them, and why the change is asked
# for.
PROPOSED = [
    *[field for field in IDENTITY if field.name in drivers.IDENTITY_FIELDS],
    f.textarea(
        "reason",
        "Why should the details change?",
        "For example, the driver showed your officer a marriage certificate. The authorities "
        "that decide will read this",
    ),
]


async def on_record(conn: asyncpg.Connection, actor: Actor, driver_key: int) -> dict[str, Any]:
    """For the driver page: whether the officer's authority changes the identity itself, and
    the proposals about this driver it may see."""
    return {
        "owns_identity": await proposals.owns_identity(conn, actor, driver_key),
        "identity_proposals": await proposals.for_driver(conn, actor, driver_key),
    }


def _owners_words(owners: list[str]) -> str:
    if not owners:
        return "the authorities that license them"
    return owners[0] if len(owners) == 1 else ", ".join(owners[:-1]) + " or " + owners[-1]


async def _propose_words(request: Request, conn: asyncpg.Connection, row) -> dict:
    await shown(request, conn, row["id"])
    name = f"{row['forenames']} {row['surname']}"
    owners = _owners_words(await proposals.owner_names(conn, row["id"]))
    return {
        "title": f"Propose a change to {name}'s details",
        "back_href": with_visit(f"/drivers/{row['public_id']}", request),
        "intro": [
            f"Your authority does not license {name} or hold a register entry about them, so "
            f"{owners} decides changes to their name, date of birth and identifiers.",
            "Change what is wrong below and say why. They are told, and you will see here "
            "whether they accept the change. Their address and home authority you can change "
            "yourself, from the record.",
        ],
    }


PROPOSE = driver_form(
    "propose",
    fields=PROPOSED,
    button="Send the proposal",
    words=_propose_words,
    shows=dict,
    save=saves(proposals.propose, proposals.ProposedIdentityChange, itemgetter("id")),
    done=lambda request, row, made: with_visit(
        f"/identity-proposals/{made.id}", request, done="proposed"
    ),
)


# --- one proposal: the owners decide, the proposer sees the outcome ----------------------------

DECISION = [
    f.radios(
        "decision",
        "Do you accept the change?",
        [
            ("accept", "Accept it", "The register is changed now, as your authority"),
            ("reject", "Reject it", "Nothing changes; the proposing authority sees your note"),
        ],
        required="Choose whether to accept or reject the change",
    ),
    f.textarea(
        "note",
        "Note for the authority that proposed it",
        "Needed when you reject the change: say why",
        rows=3,
    ),
]
DONE = {
    "proposed": "Proposal sent. An authority that licenses the driver will accept or reject it.",
    "accepted": "Change accepted. The register now holds the new details.",
    "rejected": "Change rejected. The proposing authority sees your note.",
}


def what_changes(proposal: proposals.IdentityProposal) -> str:
    """'Surname, date of birth': the fields a proposal changes, in words."""
    return _sentence(", ".join(FIELD_WORDS.get(name, name) for name in proposal.changes))


def _sentence(words: str) -> str:
    return words[:1].upper() + words[1:]


def _value(name: str, value: Any) -> str:
    if value is None or value == "":
        return "Not recorded"
    return long_date(value) if name == "date_of_birth" else str(value)


def _facts(proposal: proposals.IdentityProposal) -> list[tuple[str, str]]:
    facts = [
        (
            _sentence(FIELD_WORDS.get(name, name)),
            f"{_value(name, proposal.current.get(name))} to {_value(name, value)}",
        )
        for name, value in proposal.changes.items()
    ]
    facts += [
        ("Proposed by", f"{proposal.proposed_by}, {long_date(proposal.proposed_at)}"),
        ("Reason", proposal.reason),
        ("Status", proposal.status.capitalize()),
    ]
    if proposal.decided_by:
        facts.append(("Decided by", f"{proposal.decided_by}, {long_date(proposal.decided_at)}"))
    if proposal.decision_note:
        facts.append(("Note", proposal.decision_note))
    return facts


def _banner(request: Request) -> Markup | None:
    done = DONE.get(request.query_params.get("done") or "")
    return (
        Markup(f'<h3 class="govuk-notification-banner__heading">{escape(done)}</h3>')
        if done
        else None
    )


async def _proposal_words(request: Request, conn: asyncpg.Connection, proposal) -> dict:
    """The proposal's words; each showing is audited, the one sent back with errors too."""
    await audit_view(
        conn, actor_of(request), f"identity_proposal:{proposal.id}", proposal.driver_id
    )
    driver = await driver_or_404(conn, proposal.driver_id)
    return {
        "title": f"Proposed change to {driver['forenames']} {driver['surname']}'s details",
        "caption": "Identity",
        "facts": _facts(proposal),
        "banner": _banner(request),
        "back_href": with_visit(f"/drivers/{proposal.driver_id}", request),
        # a decision posted by someone who may not decide is answered with the form's error
        "view_only": not proposal.may_decide and request.method == "GET",
    }


async def _decide(conn: asyncpg.Connection, actor: Actor, proposal, values: dict) -> Any:
    if values["decision"] not in ("accept", "reject"):
        return None  # the form says to choose; nothing is written
    return await proposals.decide(
        conn,
        actor,
        proposal.id,
        values["decision"] == "accept",
        proposals.ProposalDecision(note=values["note"] or None),
    )


DECIDE = record_form(
    "/identity-proposals/{proposal_id:int}",
    proposals.get,
    fields=DECISION,
    button="Save decision",
    words=_proposal_words,
    save=_decide,
    done=lambda request, proposal, decided: with_visit(
        f"/identity-proposals/{proposal.id}", request, done=decided.status
    ),
)


@get("/identity-proposals", guards=[auth.officer])
async def pending(request: Request, conn: Conn) -> Response:
    """Proposals waiting: those the officer's authority decides, and those it made."""
    found = await proposals.for_authority(conn, actor_of(request))
    await audit_view(conn, actor_of(request), "identity_proposals:pending", None)
    return page(
        "identity_proposals.html",
        request,
        title="Proposed changes to drivers' details",
        deciding=[(p, what_changes(p)) for p in found if p.may_decide],
        waiting=[(p, what_changes(p)) for p in found if not p.may_decide],
    )
