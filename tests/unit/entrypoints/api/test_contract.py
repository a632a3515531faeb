"""The OpenAPI document tells the truth: each route's error answers with the one error schema,
the two ways to sign in, and no credential header posing as a parameter; a query parameter a
route does not declare is refused, naming it; the docs pages load from the app itself."""

from __future__ import annotations

import asyncio
import re
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI

from liaison.bootstrap import Container
from liaison.entrypoints.api.app import create_app

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(cast(Container, object()))


@pytest.fixture(scope="module")
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()
    ]


def _call(app: FastAPI, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://liaison") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(call())


def test_every_error_answer_is_documented_with_the_error_schema(document: dict[str, Any]) -> None:
    operations = _operations(document)
    assert len(operations) > 50
    for path, method, op in operations:
        errors = {s: r for s, r in op["responses"].items() if s.startswith(("4", "5"))}
        assert {"400", "503"} <= set(errors), f"{method} {path}"
        for status, answer in errors.items():
            schema = answer["content"]["application/json"]["schema"]
            assert schema == ERROR_REF, f"{method} {path} {status}"
            assert answer["description"], f"{method} {path} {status}"
        if op.get("parameters") or "requestBody" in op:
            assert "422" in errors, f"{method} {path}"
        if method == "post":
            assert {"404", "409", "413"} <= set(errors), f"{method} {path}"
        if re.search(r"\{\w+\}", path):
            assert "404" in errors, f"{method} {path}"
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["ErrorOut"]["required"]) == {"error", "detail"}
    assert set(schemas["Problem"]["required"]) == {"loc", "msg", "type"}


def test_signed_in_routes_name_the_two_security_schemes(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "an access token from POST /auth/token",
    }
    assert schemes["jailApiKey"]["in"] == "header"
    assert schemes["jailApiKey"]["name"] == "X-API-Key"
    secured = open_ = 0
    for path, method, op in _operations(document):
        headers = {p["name"].lower() for p in op.get("parameters", []) if p["in"] == "header"}
        assert not headers & {"authorization", "x-api-key"}, f"{method} {path}"
        if path in ("/health", "/auth/token"):
            assert "security" not in op
            open_ += 1
        else:
            assert op["security"] == [{"bearerToken": []}, {"jailApiKey": []}], f"{method} {path}"
            assert {"401", "403"} <= set(op["responses"]), f"{method} {path}"
            secured += 1
    assert open_ == 2
    assert secured > 50


def test_an_undeclared_query_parameter_is_a_400_naming_it(app: FastAPI) -> None:
    r = _call(app, "GET", "/health?verbose=1&x%00y=2")
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "BadRequest"
    assert "'verbose'" in body["detail"]
    assert "'x?y'" in body["detail"]  # an unprintable name is not echoed as sent
    assert "this route takes: none" in body["detail"]
    assert _call(app, "GET", "/health").status_code == 200


def test_the_docs_load_from_the_app(app: FastAPI) -> None:
    page = _call(app, "GET", "/docs")
    assert page.status_code == 200
    assert "https://" not in page.text
    scripts = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/docs-assets/swagger-ui-bundle.js" in scripts
    for asset in scripts:
        assert _call(app, "GET", asset).status_code == 200, asset
    redoc = _call(app, "GET", "/redoc")
    assert "/docs-assets/redoc.standalone.js" in redoc.text
    assert "fonts.googleapis" not in redoc.text
