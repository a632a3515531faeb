"""The one table from domain errors to HTTP statuses: each listed class maps as listed, the
most specific class wins, and no ``LiaisonError`` anywhere in ``liaison`` (today's or one added
later) can surface as a 500: bad input is a 4xx, a failing database a 503."""

from __future__ import annotations

import asyncio
import importlib
import json
import pkgutil
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request

import liaison
from liaison.accounts import errors as accounts
from liaison.adapters.store import errors as store
from liaison.audit import errors as audit
from liaison.biometrics import errors as biometrics
from liaison.bookings import errors as bookings
from liaison.bootstrap import Container
from liaison.detainers import errors as detainers
from liaison.entrypoints.api.app import create_app
from liaison.entrypoints.api.errors import STATUS, liaison_error_handler, status_of
from liaison.errors import LiaisonError
from liaison.identity import errors as identity
from liaison.jurisdictions import errors as jurisdictions


def instance(cls: type[LiaisonError]) -> LiaisonError:
    """An instance without calling ``__init__`` (many errors need arguments; only the class
    decides the status)."""
    return cls.__new__(cls)


def every_liaison_error() -> list[type[LiaisonError]]:
    """Every ``LiaisonError`` subclass defined in ``liaison``, after importing every module."""
    for module in pkgutil.walk_packages(liaison.__path__, "liaison."):
        importlib.import_module(module.name)
    found: dict[type[LiaisonError], None] = {}
    todo = [LiaisonError]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found[sub] = None
                todo.append(sub)
    return sorted(
        (cls for cls in found if cls.__module__.startswith("liaison.")),
        key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
    )


@pytest.mark.parametrize(
    ("cls", "status"),
    [pytest.param(cls, status, id=cls.__name__) for cls, status in STATUS.items()],
)
def test_every_listed_class_maps_as_listed(cls: type[LiaisonError], status: int) -> None:
    assert status_of(instance(cls)) == status


@pytest.mark.parametrize(
    ("cls", "status"),
    [
        # a listed child over its listed parent
        (detainers.UnknownDetainer, 404),  # DetainerError: 409
        (detainers.MissingWarrant, 422),
        (identity.UnknownIdentity, 404),  # IdentityError: 422
        (accounts.InvalidCredentials, 401),  # AccountError: 422
        (accounts.AccountLocked, 423),
        (store.DuplicateKey, 409),  # StoreError: 503
        (store.ConcurrentUpdate, 409),
        # an unlisted child takes its nearest listed ancestor's status
        (detainers.DuplicateDetainer, 409),  # DetainerError
        (detainers.MissingOfficer, 422),  # unlisted itself: LodgingRefused's
        (detainers.LapseNotDue, 409),
        (identity.UnknownOffenseCode, 422),  # IdentityError
        (jurisdictions.UnknownAgency, 422),  # JurisdictionError
        (store.LeaseLost, 503),  # StoreError
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else str(v),
)
def test_the_most_specific_listed_class_wins(cls: type[LiaisonError], status: int) -> None:
    assert status_of(instance(cls)) == status


def test_a_subclass_of_a_listed_class_inherits_its_status() -> None:
    class StillMissing(detainers.UnknownDetainer):
        pass

    class BookingAndDetainer(bookings.UnknownBooking, detainers.IllegalTransition):
        pass  # the first base in the MRO decides

    assert status_of(instance(StillMissing)) == 404
    assert status_of(instance(BookingAndDetainer)) == 404


@pytest.mark.parametrize(
    "cls",
    [audit.AuditError, audit.AuditTrailBroken, biometrics.BiometricsError],
    ids=lambda cls: cls.__name__,
)
def test_an_unlisted_branch_is_a_400(cls: type[LiaisonError]) -> None:
    assert cls not in STATUS
    assert status_of(instance(cls)) == 400


def test_a_new_unlisted_error_is_a_400() -> None:
    class SomethingNew(LiaisonError):
        pass

    assert status_of(SomethingNew("a message for the caller")) == 400


def test_every_liaison_error_anywhere_is_a_4xx_or_a_store_503() -> None:
    classes = every_liaison_error()
    # the walk found the branches of every context (a broken walk must not pass vacuously)
    for branch in (
        bookings.BookingError,
        detainers.DetainerError,
        identity.IdentityError,
        jurisdictions.JurisdictionError,
        accounts.AccountError,
        audit.AuditError,
        biometrics.BiometricsError,
        store.StoreError,
    ):
        assert branch in classes
    assert len(classes) > 40

    wrong = {}
    for cls in classes:
        status = status_of(instance(cls))
        server_fault = issubclass(cls, (store.StoreError, biometrics.GalleryError))
        ok = 400 <= status < 500 or (status == 503 and server_fault)
        if not ok:
            wrong[f"{cls.__module__}.{cls.__qualname__}"] = status
    assert wrong == {}


def test_only_the_store_is_listed_as_unavailable() -> None:
    server_side = {cls: status for cls, status in STATUS.items() if not 400 <= status < 500}
    # the store being down, or the engine missing its gallery, is the server's fault
    assert server_side == {store.StoreError: 503, biometrics.GalleryError: 503}


def _request() -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": []})


def test_the_handler_answers_with_the_status_the_class_name_and_the_message() -> None:
    response = asyncio.run(
        liaison_error_handler(_request(), bookings.DuplicateTcn("TCN T-1 was already submitted"))
    )
    assert response.status_code == 409
    assert json.loads(bytes(response.body)) == {
        "error": "DuplicateTcn",
        "detail": "TCN T-1 was already submitted",
    }


def test_the_app_answers_an_unlisted_error_with_a_400_not_a_500() -> None:
    class SomethingNew(LiaisonError):
        pass

    app: FastAPI = create_app(cast(Container, object()))

    @app.get("/refuse")
    def refuse() -> Any:
        raise SomethingNew("that input cannot be taken")

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://liaison") as client:
            return await client.get("/refuse")

    response = asyncio.run(call())
    assert response.status_code == 400
    assert response.json() == {"error": "SomethingNew", "detail": "that input cannot be taken"}
