"""The one table from domain errors to HTTP statuses.

Domain errors carry messages meant for the person who caused them; this table decides only
the status. The most specific class in an error's MRO wins; anything unlisted that is still a
``LiaisonError`` is a 400, so bad input never surfaces as a 500.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from liaison.accounts import errors as accounts
from liaison.adapters.store import errors as store
from liaison.biometrics import errors as biometrics
from liaison.bookings import errors as bookings
from liaison.detainers import errors as detainers
from liaison.errors import LiaisonError
from liaison.identity import errors as identity
from liaison.jurisdictions import errors as jurisdictions
from liaison.operations import errors as operations
from liaison.screening import errors as screening

__all__ = ["STATUS", "liaison_error_handler", "status_of"]

STATUS: dict[type[LiaisonError], int] = {
    LiaisonError: 400,
    # bookings
    bookings.InvalidBooking: 422,
    bookings.DuplicateTcn: 409,
    bookings.UnknownBooking: 404,
    bookings.OutsideAgency: 404,  # as if it did not exist: no probing other agencies' data
    bookings.NotReviewable: 409,
    bookings.WrongAgency: 403,
    bookings.AdjudicationError: 422,
    bookings.UnknownReferral: 404,
    bookings.ReferralNotOpen: 409,
    bookings.NotAnAdjudicator: 403,  # separation of duties: the role that may rule
    bookings.AdjudicatorConflict: 403,  # separation of duties: not on one's own case
    # detainers
    detainers.DetainerError: 409,
    detainers.UnknownDetainer: 404,
    detainers.IllegalTransition: 409,
    detainers.HoldExpired: 409,
    detainers.LodgingRefused: 422,  # a safeguard refused the detainer; the message says which
    detainers.MissingReason: 422,
    detainers.UnverifiedIdentification: 422,
    detainers.CitizenshipIndicatorUnresolved: 422,
    detainers.MissingProbableCause: 422,
    detainers.MissingWarrant: 422,
    detainers.NotTheVerifiedIdentity: 422,
    detainers.BasisNotSupported: 422,
    detainers.DetainerAlreadyOpen: 409,  # one open detainer per booking, per person and agency
    detainers.ConflictOfDuties: 403,  # separation of duties: an adjudicator of the person
    detainers.ImpossibleReleaseTime: 422,
    detainers.AnswerForbiddenByPolicy: 422,
    # identity
    identity.UnknownIdentity: 404,
    identity.IdentityError: 422,
    # jurisdictions: an unknown ORI or place in a request is bad input, not a missing page
    jurisdictions.JurisdictionError: 422,
    # accounts
    accounts.AccountError: 422,
    accounts.InvalidCredentials: 401,
    accounts.AccountLocked: 423,
    # the engine is not there: the server's fault, not the caller's
    biometrics.GalleryError: 503,
    biometrics.ExtractionError: 422,  # an image with no usable fingerprint on it
    # screening
    screening.ScreeningError: 422,
    screening.UnknownCase: 404,
    screening.UnknownListVersion: 409,  # nothing published yet: publish a list first
    screening.CaseTransitionForbidden: 409,
    # operations: what cannot be declared, extended, deployed, ... as asked is bad input
    operations.OperationsError: 422,
    operations.OverlappingDeployment: 422,  # the request is at odds with a deployment on record
    operations.UnknownRecord: 404,
    operations.DuplicateRecord: 409,  # another record, with different contents, under that id
    # store
    store.DuplicateKey: 409,
    store.ConcurrentUpdate: 409,  # someone else changed it first: reload and try again
    store.StoreError: 503,
}


def status_of(exc: LiaisonError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


async def liaison_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LiaisonError)
    return JSONResponse(
        status_code=status_of(exc),
        content={"error": type(exc).__name__, "detail": str(exc)},
    )
