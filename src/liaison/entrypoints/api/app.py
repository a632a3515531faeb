"""The FastAPI application: routers, the error table and its handlers, the bounds every
request passes, and the OpenAPI document with its docs at /docs and /redoc (served locally).
"""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from liaison.bootstrap import Container
from liaison.entrypoints.api.contract import document, known_query_only, serve_docs
from liaison.entrypoints.api.errors import (
    http_error_handler,
    liaison_error_handler,
    unexpected_error_handler,
    validation_error_handler,
)
from liaison.entrypoints.api.middleware import BodyLimits, RequestIds
from liaison.entrypoints.api.routes import (
    access,
    adjudication,
    bookings,
    detainers,
    identities,
    jurisdictions,
    operations,
    oversight,
    screening,
)
from liaison.errors import LiaisonError

__all__ = ["create_app"]

DESCRIPTION = """\
Sign in with a bearer token from `POST /auth/token`, or as a jail system with `X-API-Key`.

**Lists** take `limit` (1-500, default 100) and `offset`, and give the number of rows in all
in the `X-Total-Count` header; with `Accept: text/csv` they answer CSV for a spreadsheet.
**Query parameters** a route does not declare are refused (400), never ignored.
**Errors** all have one body, `ErrorOut`: `error` (the rule or the HTTP reason), `detail`,
and `problems` for a malformed request. Every answer carries an `X-Request-ID` (the caller's,
or a new one); a server failure's body names it too, and the log has the failure under it.
"""


def create_app(container: Container) -> FastAPI:
    """The API over one wired container (bootstrap builds it; tests build their own)."""
    app = FastAPI(
        title="Liaison",
        summary="Booking fingerprints, identification, detainers and their safeguards",
        description=DESCRIPTION,
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(known_query_only)],
        # a path with a trailing slash is not found (404), never redirected to another route
        # (`GET /agencies/` is not a list of agencies)
        redirect_slashes=False,
    )
    app.state.liaison = container
    app.add_exception_handler(LiaisonError, liaison_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
    app.add_middleware(BodyLimits)
    app.add_middleware(RequestIds)  # outermost of the two: a 413 carries its id too
    routers = (access, adjudication, bookings, detainers, identities, jurisdictions, operations)
    for module in (*routers, oversight, screening):
        app.include_router(module.router)

    @app.get("/health", tags=["ops"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    serve_docs(app)
    document(app, extra={"/auth/token": (401, 423, 429)})
    return app
