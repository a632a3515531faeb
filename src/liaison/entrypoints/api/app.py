"""The FastAPI application: routers, the error table, OpenAPI docs at /docs."""

from __future__ import annotations

from fastapi import FastAPI

from liaison.bootstrap import Container
from liaison.entrypoints.api.errors import liaison_error_handler
from liaison.entrypoints.api.routes import (
    access,
    adjudication,
    bookings,
    detainers,
    jurisdictions,
    operations,
    oversight,
    screening,
)
from liaison.errors import LiaisonError

__all__ = ["create_app"]


def create_app(container: Container) -> FastAPI:
    """The API over one wired container (bootstrap builds it; tests build their own)."""
    app = FastAPI(
        title="Liaison",
        summary="Booking fingerprints, identification, detainers and their safeguards",
        version="0.1.0",
    )
    app.state.liaison = container
    app.add_exception_handler(LiaisonError, liaison_error_handler)
    routers = (access, adjudication, bookings, detainers, jurisdictions, operations, oversight)
    for module in (*routers, screening):
        app.include_router(module.router)

    @app.get("/health", tags=["ops"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
