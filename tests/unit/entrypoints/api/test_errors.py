"""The one table from domain errors to HTTP statuses: each listed class maps as listed, the
most specific class wins, and no ``LiaisonError`` anywhere in ``liaison`` (today's or one added
later) can surface as a 500: bad input is a 4xx, a failing database a 503.

And the handlers: an answer never carries a database's message, the input it refused or an
unexpected exception's text; a store error and a crash are logged under the request's id,
which the answer names."""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import pkgutil
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
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
from liaison.entrypoints.api.errors import (
    STATUS,
    ErrorOut,
    liaison_error_handler,
    status_of,
    validation_error_handler,
)
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


# -- what an error answer never carries: a database's message, the input, a crash -----------


def _app() -> FastAPI:
    return create_app(cast(Container, object()))


def _call(app: FastAPI, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://liaison") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(call())


SQL_MESSAGE = (
    'reading booking x: invalid byte sequence for encoding "UTF8": 0x00 '
    "[SQL: SELECT bookings.booking_id FROM bookings WHERE bookings.booking_id = %(pk)s]"
)


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (store.StoreError(SQL_MESSAGE), 503),
        (store.DuplicateKey(SQL_MESSAGE), 409),
        (store.ConcurrentUpdate(SQL_MESSAGE), 409),
        (store.LeaseLost(SQL_MESSAGE), 503),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_a_store_error_is_logged_under_the_request_id_and_never_sent(
    exc: store.StoreError, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app()

    @app.get("/fail")
    def fail() -> Any:
        raise exc

    with caplog.at_level(logging.WARNING, logger="liaison.api"):
        r = _call(app, "GET", "/fail", headers={"X-Request-ID": "req-123"})
    assert r.status_code == status
    assert "SQL" not in r.text
    assert "UTF8" not in r.text
    body = ErrorOut.model_validate(r.json())
    assert body.error == type(exc).__name__
    assert body.request_id == "req-123" == r.headers["X-Request-ID"]
    assert any(
        "req-123" in rec.getMessage() and "SELECT" in rec.getMessage() for rec in caplog.records
    )


def test_an_unexpected_exception_is_a_500_with_its_request_id_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = _app()

    @app.get("/crash")
    def crash() -> Any:
        raise RuntimeError("secret internals: password=hunter2")

    with caplog.at_level(logging.ERROR, logger="liaison.api"):
        r = _call(app, "GET", "/crash")
    assert r.status_code == 500
    assert "hunter2" not in r.text
    body = ErrorOut.model_validate(r.json())
    request_id = r.headers["X-Request-ID"]
    assert body.request_id == request_id
    assert len(request_id) == 32
    (logged,) = [rec for rec in caplog.records if request_id in rec.getMessage()]
    assert logged.exc_info is not None
    assert "hunter2" in str(logged.exc_info[1])


class Payload(BaseModel):
    name: str = Field(max_length=3)
    count: int = 0


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "\\ud800\\udfff-too-long", "count": 1}',
        b'{"name": "ok", "count": NaN}',
        b'{"name": "ok", "count": "\\ud800"}',
        b'{"name": "password=hunter2-long"}',
        b'{"name": ',
    ],
    ids=["surrogates", "nan", "surrogate-in-int", "secret", "broken-json"],
)
def test_a_refused_body_is_a_422_that_echoes_nothing_it_was_sent(raw: bytes) -> None:
    app = _app()

    @app.post("/take")
    def take(body: Payload) -> dict[str, str]:
        return {"name": body.name}

    r = _call(app, "POST", "/take", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    body = ErrorOut.model_validate(r.json())
    assert body.error == "RequestValidationError"
    assert body.problems
    assert "input" not in r.json()["problems"][0]
    assert "hunter2" not in r.text
    assert "\\ud800" not in r.text
    json.loads(r.text)  # plain JSON: no NaN, no lone surrogate


def test_a_problem_location_or_context_that_json_cannot_carry_is_cleaned() -> None:
    exc = RequestValidationError(
        [
            {
                "type": "value_error",
                "loc": ("body", "fingerprints", "k\ud800\x00", 3),
                "msg": "bad \x07 value",
                "input": float("nan"),
                "ctx": {"error": ValueError("x\ud800"), "limit": float("inf"), "n": 3},
            }
        ]
    )
    response = asyncio.run(validation_error_handler(_request(), exc))
    body = json.loads(bytes(response.body))
    (problem,) = body["problems"]
    assert problem["loc"] == ["body", "fingerprints", "k\ufffd\ufffd", 3]
    assert problem["msg"] == "bad \ufffd value"
    assert problem["ctx"] == {"error": "x\ufffd", "limit": "inf", "n": 3}
    assert "input" not in problem


def test_an_http_error_has_the_common_shape_and_keeps_its_headers() -> None:
    r = _call(_app(), "GET", "/no-such-route")
    assert r.status_code == 404
    assert ErrorOut.model_validate(r.json()).error == "NotFound"
    r = _call(_app(), "DELETE", "/health")
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD"
    assert ErrorOut.model_validate(r.json()).error == "MethodNotAllowed"


def test_a_body_over_its_limit_is_a_413_before_it_is_read() -> None:
    r = _call(_app(), "POST", "/auth/token", content=b"x" * (1024 * 1024 + 1))
    assert r.status_code == 413
    assert ErrorOut.model_validate(r.json()).error == "ContentTooLarge"
    assert r.headers["X-Request-ID"]
