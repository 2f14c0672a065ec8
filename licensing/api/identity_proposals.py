"""Proposed changes to a driver's identity (registry/identity_proposals.py): an authority
that does not own the identity proposes; one that does accepts or rejects. A proposal is seen
only by the authority that made it and the owning authorities (404 for anyone else)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, JSONBody

from licensing.api.common import Conn, Id, Key, Options, audited_record, driver_key, own
from licensing.auth import actor_of, officer
from licensing.idempotency import change, create
from licensing.problems import problem_spec
from registry import identity_proposals as proposals
from registry.actor import Actor, audit_view

COMMON: Options = {"guards": [officer], "tags": ["recording"]}
WRITE = {
    404: problem_spec("No such driver or proposal that your authority can see"),
    409: problem_spec(
        "Your authority owns the identity (change it directly), does not own it (to decide), "
        "or the proposal was decided already"
    ),
    422: problem_spec("Fields are missing or wrong: every one is named in errors"),
}


class IdentityProposals(msgspec.Struct):
    items: list[proposals.IdentityProposal]


@post(
    "/api/v1/drivers/{driver_id:uuid}/identity-proposals",
    **COMMON,
    responses=WRITE,
    summary="Propose a change to a driver's name, date of birth or identifiers",
    status_code=201,
)
async def propose(
    request: Request[Any, Any, Any],
    conn: Conn,
    driver_id: FromPath[uuid.UUID],
    data: JSONBody[proposals.ProposedIdentityChange],
    idempotency_key: Key = None,
) -> Response[proposals.IdentityProposal]:
    """For an authority that neither licenses the driver nor has a register entry about
    them: one of those authorities accepts or rejects the change."""

    async def make(actor: Actor) -> proposals.IdentityProposal:
        return await proposals.propose(conn, actor, await driver_key(conn, driver_id), data)

    return await create(request, conn, "identity_proposal", make)


@get(
    "/api/v1/drivers/{driver_id:uuid}/identity-proposals",
    **COMMON,
    responses={404: problem_spec("No such driver")},
    summary="Proposed identity changes for a driver that your authority may see",
)
async def driver_proposals(
    request: Request[Any, Any, Any], conn: Conn, driver_id: FromPath[uuid.UUID]
) -> IdentityProposals:
    key = await own(driver_key(conn, driver_id))
    found = await proposals.for_driver(conn, actor_of(request), key)
    await audit_view(conn, actor_of(request), "identity_proposals:driver", driver_id)
    return IdentityProposals(found)


@get(
    "/api/v1/identity-proposals",
    **COMMON,
    summary="Pending proposals your authority may decide, and those it made",
)
async def pending(request: Request[Any, Any, Any], conn: Conn) -> IdentityProposals:
    found = await proposals.for_authority(conn, actor_of(request))
    await audit_view(conn, actor_of(request), "identity_proposals:pending")
    return IdentityProposals(found)


@get(
    "/api/v1/identity-proposals/{proposal_id:int}",
    **COMMON,
    responses={404: problem_spec("No such proposal that your authority can see")},
    summary="One proposed identity change",
)
async def show(
    request: Request[Any, Any, Any], conn: Conn, proposal_id: Id
) -> proposals.IdentityProposal:
    return await audited_record(
        request,
        conn,
        f"identity_proposal:{proposal_id}",
        lambda actor: proposals.get(conn, actor, proposal_id),
    )


async def _decide(
    request: Request[Any, Any, Any],
    conn: asyncpg.Connection,
    proposal_id: int,
    accept: bool,
    data: proposals.ProposalDecision,
) -> Response[proposals.IdentityProposal]:
    return await change(
        request, conn, lambda actor: proposals.decide(conn, actor, proposal_id, accept, data)
    )


@post(
    "/api/v1/identity-proposals/{proposal_id:int}/accept",
    **COMMON,
    responses=WRITE,
    summary="Accept a proposed identity change: it is made now, as your authority",
    status_code=200,
)
async def accept(
    request: Request[Any, Any, Any],
    conn: Conn,
    proposal_id: Id,
    data: JSONBody[proposals.ProposalDecision],
    idempotency_key: Key = None,
) -> Response[proposals.IdentityProposal]:
    return await _decide(request, conn, proposal_id, True, data)


@post(
    "/api/v1/identity-proposals/{proposal_id:int}/reject",
    **COMMON,
    responses=WRITE,
    summary="Reject a proposed identity change, with a note saying why",
    status_code=200,
)
async def reject(
    request: Request[Any, Any, Any],
    conn: Conn,
    proposal_id: Id,
    data: JSONBody[proposals.ProposalDecision],
    idempotency_key: Key = None,
) -> Response[proposals.IdentityProposal]:
    return await _decide(request, conn, proposal_id, False, data)


ROUTES = [propose, driver_proposals, pending, show, accept, reject]
