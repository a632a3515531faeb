"""People in the identity repository: enforcement officers and adjudicators read a record by
its number, or search by family name and date of birth. Every read and every search is in the
audit trail with its purpose (the caller's role decides which)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from liaison.accounts.model import Role
from liaison.entrypoints.api.auth import Principal, allow
from liaison.entrypoints.api.bounds import MAX_ID, Day, Name
from liaison.entrypoints.api.deps import Wired
from liaison.entrypoints.api.listing import LIST_RESPONSES, PageQuery, listing
from liaison.entrypoints.api.lookup_schemas import IdentityOut, IdentityRowOut
from liaison.identity import services as identity
from liaison.identity.status import derive_status

router = APIRouter(tags=["identities"])

Reader = Annotated[Principal, Depends(allow(Role.ENFORCEMENT_OFFICER, Role.ADJUDICATOR))]


def _purpose(who: Principal) -> str:
    """What the read is for, by the reader's role: the audit trail records it."""
    if Role.ENFORCEMENT_OFFICER in who.roles:
        return "enforcement review"
    return "citizenship adjudication"


@router.get("/identities/{identity_id}")
def get_identity(
    identity_id: Annotated[int, Path(ge=0, le=MAX_ID)], who: Reader, wired: Wired
) -> IdentityOut:
    """A person's record: names, immigration history, and the status derived from it today
    (UTC). The read is audited."""
    now = wired.clock()
    found = identity.get_identity(
        uow=wired.uow(), identity_id=identity_id, actor=who.actor, purpose=_purpose(who), at=now
    )
    status = derive_status(found.events, now.date(), birth_country=found.birth_country)
    return IdentityOut.read(found, status, now.date())


@router.get("/identities", response_model=list[IdentityRowOut], responses=LIST_RESPONSES)
def search_identities(
    request: Request,
    who: Reader,
    wired: Wired,
    page: PageQuery,
    family_name: Annotated[
        Name, Query(min_length=1, max_length=100, description="case and accents aside; aliases")
    ],
    birth_date: Annotated[Day, Query(description="the date of birth on record")],
) -> Response:
    """Everyone born on ``birth_date`` with ``family_name`` among their names, by identity
    id. The search is audited, with the ids it found."""
    found = identity.find_identities(
        uow=wired.uow(),
        family_name=family_name,
        birth_date=birth_date,
        actor=who.actor,
        purpose=_purpose(who),
        at=wired.clock(),
    )
    rows = [IdentityRowOut.of(i) for i in page.of(found)]
    return listing(request, rows, total=len(found), name="identities")
