"""The API keeps to its OpenAPI document, and the document tells the truth about the API.

- ``known_query_only`` (a dependency of every route) refuses a query parameter the route does
  not declare with a 400 naming it: a filter the server would ignore must not look applied.
- ``document`` states on every route the error answers it can give, each with the one body
  every error has (``errors.ErrorOut``): 400 and 503 everywhere, 422 where there is input,
  401 and 403 where a caller must sign in, 404 where a path names a record or a body names
  others, 409 and 413 on writes. It names the two ways to sign in (a bearer token from
  ``/auth/token``, or a jail system's ``X-API-Key``) as security schemes, so the docs page
  can sign in.
- ``serve_docs`` serves Swagger UI and ReDoc from the files a pinned package ships
  (``fastapi-offline``): the docs work with no internet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import fastapi_offline
from fastapi import FastAPI, HTTPException, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles

from liaison.entrypoints.api.errors import ErrorOut

__all__ = [
    "BEARER",
    "JAIL_KEY",
    "declared_query",
    "document",
    "known_query_only",
    "serve_docs",
]

BEARER: Final = "bearerToken"
JAIL_KEY: Final = "jailApiKey"
_CREDENTIAL_HEADERS: Final = frozenset({"authorization", "x-api-key"})
_STATIC: Final = Path(fastapi_offline.__file__).parent / "static"
_ASSETS: Final = "/docs-assets"

_WHEN: Final[dict[int, str]] = {
    400: "a query parameter this route does not take (named in `detail`), or a domain rule "
    "the request breaks",
    401: "no credentials, or credentials that are not valid (a bearer token or X-API-Key)",
    403: "the caller's role or agency may not do this",
    404: "a record the request names does not exist (or is another agency's)",
    409: "the request conflicts with what is stored (a state that does not allow it, a key "
    "taken, a concurrent change)",
    413: "the request body is larger than this route takes",
    415: "the body is not in a media type this route takes",
    422: "the request is malformed or out of bounds (`problems` names each field), or a "
    "domain rule refuses it (`error` names the rule)",
    423: "the account is locked",
    429: "too many requests: wait and try again",
    503: "the store or the biometric engine is unavailable (`request_id` names the failure "
    "in the log)",
}


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def declared_query(route: APIRoute) -> frozenset[str]:
    """The query parameters ``route`` declares (by the name a caller sends)."""
    cached: frozenset[str] | None = getattr(route, "_liaison_query", None)
    if cached is None:
        cached = frozenset(p.alias for d in _walk(route.dependant) for p in d.query_params)
        route._liaison_query = cached  # type: ignore[attr-defined]
    return cached


def _authenticated(route: Any) -> bool:
    """Whether an ``APIRoute`` (or FastAPI's effective context of one) takes credentials."""
    for d in _walk(route.dependant):
        if any(p.alias.lower() in _CREDENTIAL_HEADERS for p in d.header_params):
            return True
    return False


def known_query_only(request: Request) -> None:
    """400 naming each query parameter the route does not declare."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    declared = declared_query(route)
    unknown = sorted({k for k in request.query_params if k not in declared})
    if unknown:
        named = ", ".join(_printable(k) for k in unknown[:10])
        takes = ", ".join(sorted(declared)) or "none"
        raise HTTPException(
            status_code=400,
            detail=f"unknown query parameter(s): {named}; this route takes: {takes}",
        )


def _printable(name: str) -> str:
    text = "".join(ch if ch.isprintable() and ch.isascii() else "?" for ch in name)
    return repr(text[:40])


def _statuses(route: Any) -> list[int]:
    methods = route.methods or set()
    writes = bool(methods - {"GET", "HEAD", "OPTIONS"})
    has_input = bool(
        route.dependant.path_params
        or any(d.query_params or d.body_params for d in _walk(route.dependant))
        or writes
    )
    statuses = [400, 503]
    if has_input:
        statuses.append(422)
    if _authenticated(route):
        statuses += [401, 403]
    if route.dependant.path_params or writes:
        statuses.append(404)
    if writes:
        statuses += [409, 413]
    return statuses


def document(app: FastAPI, extra: dict[str, tuple[int, ...]] | None = None) -> None:
    """Make ``app.openapi()`` state each route's error answers with ``ErrorOut`` (``extra``
    adds statuses by path, e.g. 429 on the logon), the two security schemes, and each
    signed-in route's requirement (either scheme) in place of its credential headers."""
    errors: dict[tuple[str, str], set[int]] = {}
    authenticated: set[tuple[str, str]] = set()
    # the routes as served, included routers' prefixes and dependencies applied
    for route in iter_route_contexts(app.routes):
        path = route.path_format
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        if path is None:
            continue
        statuses = {*_statuses(route), *(extra or {}).get(path, ())}
        for method in route.methods or ():
            errors[(path, method.lower())] = statuses
            if _authenticated(route):
                authenticated.add((path, method.lower()))
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {})
        _add_error_schemas(components.setdefault("schemas", {}))
        _add_security_schemes(components.setdefault("securitySchemes", {}))
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                declared = {int(s) for s in responses if s[:1] in ("4", "5") and s.isdigit()}
                for status in sorted(declared | errors.get((path, method), set())):
                    given = responses.get(str(status), {})
                    responses[str(status)] = {
                        "description": given.get("description") or _WHEN.get(status, ""),
                        "content": {"application/json": {"schema": {"$ref": _ERROR_REF}}},
                    }
                if (path, method) in authenticated:
                    _require_sign_in(operation)
        for unused in ("HTTPValidationError", "ValidationError"):
            components["schemas"].pop(unused, None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


_ERROR_REF: Final = "#/components/schemas/ErrorOut"


def _add_error_schemas(schemas: dict[str, Any]) -> None:
    body = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in body.pop("$defs", {}).items():
        schemas.setdefault(name, sub)
    schemas["ErrorOut"] = body


def _add_security_schemes(schemes: dict[str, Any]) -> None:
    schemes.setdefault(
        BEARER,
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "an access token from POST /auth/token",
        },
    )
    schemes.setdefault(
        JAIL_KEY,
        {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key",
            "description": "a jail system's key (issued by an administrator)",
        },
    )


def _require_sign_in(operation: dict[str, Any]) -> None:
    operation.setdefault("security", [{BEARER: []}, {JAIL_KEY: []}])
    kept = [
        p
        for p in operation.get("parameters", [])
        if not (p.get("in") == "header" and p["name"].lower() in _CREDENTIAL_HEADERS)
    ]
    if kept:
        operation["parameters"] = kept
    else:
        operation.pop("parameters", None)


def serve_docs(app: FastAPI) -> None:
    """Swagger UI at /docs and ReDoc at /redoc, from files the app serves itself."""
    app.mount(_ASSETS, StaticFiles(directory=_STATIC), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=f"{root}{redirect}",
            swagger_js_url=f"{root}{_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{_ASSETS}/favicon.png",
            swagger_ui_parameters={"persistAuthorization": True},
        )

    @app.get(redirect, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{_ASSETS}/favicon.png",
            with_google_fonts=False,
        )
