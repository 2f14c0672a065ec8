"""Proposed changes to a driver's identity (registry/identity_proposals.py): an authority
that does not own the identity proposes; one that does accepts or rejects. A proposal is seen
only by the authority that made it and the owning authorities (404 for anyone else)."""

from __future__ import annotations

import uuid
from typing import Annotated

import asyncpg
import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter

from licensing.auth import officer
from licensing.idempotency import Outcome, actor_of, perform
from licensing.problems import not_found_problem, problem_spec
from registry import drivers
from registry import identity_proposals as proposals
from registry.actor import audit_view
from registry.errors import NotFound

Conn = NamedDependency[asyncpg.Connection]
Id = Annotated[int, PathParameter(ge=1, le=2**63 - 1)]
COMMON = {"guards": [officer], "tags": ["recording"]}
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


async def _driver(conn: asyncpg.Connection, public_id: uuid.UUID) -> int:
    key = await drivers.driver_key(conn, public_id)
    if key is None:
        raise NotFound("driver")
    return key


@post(
    "/api/v1/drivers/{driver_id:uuid}/identity-proposals",
    **COMMON,
    responses=WRITE,
    summary="Propose a change to a driver's name, date of birth or identifiers",
    status_code=201,
)
async def propose(
    request: Request,
    conn: Conn,
    driver_id: FromPath[uuid.UUID],
    data: JSONBody[proposals.ProposedIdentityChange],
) -> Response[proposals.IdentityProposal]:
    """For an authority that neither licenses the driver nor has a register entry about
    them: one of those authorities accepts or rejects the change."""

    async def work(actor):
        made = await proposals.propose(conn, actor, await _driver(conn, driver_id), data)
        return Outcome(made, 201, f"/api/v1/identity-proposals/{made.id}")

    return await perform(request, conn, work)


@get(
    "/api/v1/drivers/{driver_id:uuid}/identity-proposals",
    **COMMON,
    responses={404: problem_spec("No such driver")},
    summary="Proposed identity changes for a driver that your authority may see",
)
async def driver_proposals(
    request: Request, conn: Conn, driver_id: FromPath[uuid.UUID]
) -> IdentityProposals:
    try:
        key = await _driver(conn, driver_id)
    except NotFound as exc:
        raise not_found_problem(exc) from None
    found = await proposals.for_driver(conn, actor_of(request), key)
    await audit_view(conn, actor_of(request), "identity_proposals:driver", driver_id)
    return IdentityProposals(found)


@get(
    "/api/v1/identity-proposals",
    **COMMON,
    summary="Pending proposals your authority may decide, and those it made",
)
async def pending(request: Request, conn: Conn) -> IdentityProposals:
    found = await proposals.for_authority(conn, actor_of(request))
    await audit_view(conn, actor_of(request), "identity_proposals:pending")
    return IdentityProposals(found)


@get(
    "/api/v1/identity-proposals/{proposal_id:int}",
    **COMMON,
    responses={404: problem_spec("No such proposal that your authority can see")},
    summary="One proposed identity change",
)
async def show(request: Request, conn: Conn, proposal_id: Id) -> proposals.IdentityProposal:
    try:
        found = await proposals.get(conn, actor_of(request), proposal_id)
    except NotFound as exc:
        raise not_found_problem(exc) from None
    await audit_view(conn, actor_of(request), f"identity_proposal:{proposal_id}", found.driver_id)
    return found


async def _decide(
    request: Request, conn: asyncpg.Connection, proposal_id: int, accept: bool, data
) -> Response:
    async def work(actor):
        return Outcome(await proposals.decide(conn, actor, proposal_id, accept, data), 200)

    return await perform(request, conn, work)


@post(
    "/api/v1/identity-proposals/{proposal_id:int}/accept",
    **COMMON,
    responses=WRITE,
    summary="Accept a proposed identity change: it is made now, as your authority",
    status_code=200,
)
async def accept(
    request: Request, conn: Conn, proposal_id: Id, data: JSONBody[proposals.ProposalDecision]
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
    request: Request, conn: Conn, proposal_id: Id, data: JSONBody[proposals.ProposalDecision]
) -> Response[proposals.IdentityProposal]:
    return await _decide(request, conn, proposal_id, False, data)


ROUTES = [propose, driver_proposals, pending, show, accept, reject]
