"""The one table from domain errors to HTTP statuses, and the handlers that answer every
error in one shape (``ErrorOut``).

Domain errors carry messages meant for the person who caused them; this table decides only
the status. The most specific class in an error's MRO wins; anything unlisted that is still a
``LiaisonError`` is a 400, so bad input never surfaces as a 500.

What is never sent back: the input a request was refused for (it may be a password, a lone
surrogate or a NaN that JSON cannot carry), and a database's message (it may quote the SQL).
A store error or an unexpected exception is logged with the request's id (``X-Request-ID``,
see ``middleware``), and the answer carries only that id and a generic sentence.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, Final

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from liaison.accounts import errors as accounts
from liaison.adapters.store import errors as store
from liaison.audit import errors as audit
from liaison.biometrics import errors as biometrics
from liaison.bookings import errors as bookings
from liaison.detainers import errors as detainers
from liaison.errors import LiaisonError
from liaison.identity import errors as identity
from liaison.jurisdictions import errors as jurisdictions
from liaison.operations import errors as operations
from liaison.screening import errors as screening

__all__ = [
    "STATUS",
    "ErrorOut",
    "Problem",
    "http_error_handler",
    "liaison_error_handler",
    "reason",
    "request_id_of",
    "status_of",
    "unexpected_error_handler",
    "validation_error_handler",
]

log = logging.getLogger("liaison.api")

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
    accounts.UnknownAccount: 404,  # a user or key an administrator named
    accounts.InvalidCredentials: 401,  # also for a locked or disabled account: never said
    accounts.AccountLocked: 423,
    accounts.LogonThrottled: 429,  # the logon route answers it itself, with Retry-After
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
    # audit
    audit.InvalidEntryQuery: 422,
    # store
    store.DuplicateKey: 409,
    store.ConcurrentUpdate: 409,  # someone else changed it first: reload and try again
    store.StoreError: 503,
}

# what a caller is told of a store error instead of the database's message (which is logged)
_STORE_DETAIL: Final[dict[type[store.StoreError], str]] = {
    store.DuplicateKey: "a record with the same key exists already",
    store.ConcurrentUpdate: "someone else changed the record first: read it again and retry",
    store.StoreError: "the store could not complete the request; quote the request id to the "
    "operator",
}
_UNEXPECTED: Final = "the server failed on this request; quote the request id to the operator"
_REASONS: Final = {413: "ContentTooLarge", 422: "UnprocessableContent"}  # RFC 9110's words
_MAX_PROBLEMS: Final = 20
_MAX_TEXT: Final = 200


class Problem(BaseModel):
    """One reason a request was refused before any use case ran."""

    model_config = ConfigDict(extra="forbid")

    loc: list[str | int] = Field(description='where: ["body", "charges", 0, "literal"]')
    msg: str
    type: str
    ctx: dict[str, str | int | float | bool | None] | None = None


class ErrorOut(BaseModel):
    """Every error answer: what went wrong (``error``: a domain error's class name, or the
    HTTP reason), for whom (``detail``: a sentence for the caller), and for a refusal of the
    request's shape, each ``problem``. ``request_id`` comes with the server's own failures
    (quote it to the operator); the ``X-Request-ID`` header carries it on every answer."""

    model_config = ConfigDict(extra="forbid")

    error: str
    detail: str
    request_id: str | None = None
    problems: list[Problem] | None = None


def status_of(exc: LiaisonError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def request_id_of(request: Request) -> str:
    """The request's correlation id (set by ``middleware.RequestIds``; "" outside it)."""
    state = request.scope.get("state") or {}
    return str(state.get("request_id", ""))


def _answer(status: int, body: ErrorOut, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        status_code=status, content=body.model_dump(exclude_none=True), headers=headers
    )


async def liaison_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LiaisonError)
    status = status_of(exc)
    if isinstance(exc, store.StoreError):
        request_id = request_id_of(request)
        log.warning(
            "store error on %s %s [request %s]: %s",
            request.method,
            request.url.path,
            request_id,
            exc,
            exc_info=exc,
        )
        detail = next(v for cls, v in _STORE_DETAIL.items() if isinstance(exc, cls))
        return _answer(
            status, ErrorOut(error=type(exc).__name__, detail=detail, request_id=request_id)
        )
    return _answer(status, ErrorOut(error=type(exc).__name__, detail=str(exc)))


async def unexpected_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """A 500 that says nothing of the failure but its request id; the failure is logged."""
    request_id = request_id_of(request)
    log.error(
        "unexpected error on %s %s [request %s]",
        request.method,
        request.url.path,
        request_id,
        exc_info=exc,
    )
    body = ErrorOut(error="InternalServerError", detail=_UNEXPECTED, request_id=request_id)
    return _answer(500, body, {"X-Request-ID": request_id} if request_id else None)


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """An ``HTTPException`` (401, 403, 404, 405, 413, 415, ...) in the common shape; a 405
    names every method the path takes in ``Allow``."""
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed(request)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return _answer(exc.status_code, ErrorOut(error=reason(exc.status_code), detail=detail), headers)


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """422 naming each field refused and why; never the value that was refused."""
    assert isinstance(exc, RequestValidationError)
    problems = [_problem(e) for e in exc.errors()[:_MAX_PROBLEMS]]
    summary = "; ".join(f"{'.'.join(str(p) for p in x.loc)}: {x.msg}" for x in problems[:5])
    more = len(exc.errors()) - min(len(exc.errors()), 5)
    if more:
        summary += f"; and {more} more"
    body = ErrorOut(error="RequestValidationError", detail=summary, problems=problems)
    return _answer(422, body)


def reason(status: int) -> str:
    """The ``error`` of an answer that no domain error made: the HTTP reason, in one word."""
    if status in _REASONS:
        return _REASONS[status]
    try:
        return HTTPStatus(status).phrase.replace(" ", "").replace("-", "")
    except ValueError:
        return "HTTPError"


def _allowed(request: Request) -> str:
    """Every method some route takes on the request's path (included routers' too)."""
    methods: set[str] = set()
    path = request.scope.get("path", "")
    for route in iter_route_contexts(request.app.router.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path):
            methods |= set(route.methods or ())
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def _problem(error: Mapping[str, Any]) -> Problem:
    ctx = error.get("ctx")
    return Problem(
        loc=[_clean(p) if isinstance(p, str) else p for p in _locations(error.get("loc", ()))],
        msg=_clean(str(error.get("msg", ""))),
        type=_clean(str(error.get("type", ""))),
        ctx={_clean(str(k)): _scalar(v) for k, v in ctx.items()} if ctx else None,
    )


def _locations(loc: Sequence[Any]) -> list[str | int]:
    return [p if isinstance(p, int) and not isinstance(p, bool) else str(p) for p in loc]


def _scalar(value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return _clean(str(value))


def _clean(text: str) -> str:
    """``text`` with what JSON or a terminal cannot carry replaced, and cut short."""
    safe = "".join(
        ch if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF else "\ufffd" for ch in text
    )
    return safe if len(safe) <= _MAX_TEXT else safe[:_MAX_TEXT] + "..."
