"""``liaison serve``'s access log: one logfmt line per HTTP request, whatever the app does."""

from __future__ import annotations

import asyncio
import io
import re

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liaison.entrypoints.cli.serving import AccessLog, access_logger


def _scope(path: str = "/people", query: bytes = b"name=Ana&dob=1990-01-01") -> Scope:
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query,
        "headers": [],
        "client": ("10.0.0.7", 52100),
        "state": {},
    }


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _serve(app: AccessLog, scope: Scope) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, _receive, send))
    return sent


def _answering(status: int, headers: list[tuple[bytes, bytes]] | None = None) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers or []})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


def test_a_request_is_one_line_with_its_status_duration_and_request_id() -> None:
    stream = io.StringIO()
    app = AccessLog(_answering(404, [(b"X-Request-ID", b"abc123")]), access_logger(stream))
    sent = _serve(app, _scope())
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    (line,) = stream.getvalue().splitlines()
    assert re.match(r"timestamp=\S+Z level=info event=request ", line), line
    assert "method=GET path=/people status=404" in line
    assert "client=10.0.0.7" in line
    assert "request_id=abc123" in line
    assert re.search(r"duration_ms=\d+(\.\d+)?", line)
    assert "Ana" not in line  # never the query string


def test_the_request_id_falls_back_to_the_request_state() -> None:
    stream = io.StringIO()
    app = AccessLog(_answering(200), access_logger(stream))
    scope = _scope()
    scope["state"]["request_id"] = "from-state"
    _serve(app, scope)
    assert "request_id=from-state" in stream.getvalue()


def test_an_app_that_fails_is_logged_as_a_500_and_the_error_goes_on() -> None:
    stream = io.StringIO()

    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        _serve(AccessLog(broken, access_logger(stream)), _scope())
    assert "status=500" in stream.getvalue()


def test_other_scopes_pass_through_unlogged() -> None:
    stream = io.StringIO()
    seen: list[str] = []

    async def lifespan(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    asyncio.run(AccessLog(lifespan, access_logger(stream))({"type": "lifespan"}, _receive, _noop))
    assert seen == ["lifespan"]
    assert stream.getvalue() == ""


async def _noop(message: Message) -> None:
    return None
