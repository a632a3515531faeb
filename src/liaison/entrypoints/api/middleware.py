"""What every request passes through before any route: its correlation id and its size.

``RequestIds`` takes the caller's ``X-Request-ID`` (1-64 of ``A-Za-z0-9._-``; anything else is
replaced) or makes one, keeps it where the error handlers and the log find it, and echoes it
on every answer. ``BodyLimits`` refuses a body larger than ``bounds.body_limit`` allows for
its route with a 413, from ``Content-Length`` before reading any of it, or as soon as a
streamed body grows past the limit.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Final

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liaison.entrypoints.api.bounds import body_limit
from liaison.entrypoints.api.errors import reason

__all__ = ["REQUEST_ID_HEADER", "BodyLimits", "RequestIds"]

REQUEST_ID_HEADER: Final = "X-Request-ID"
_TAKEN_ID: Final = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIds:
    """Each request's correlation id, in ``scope["state"]["request_id"]`` and on the answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = given if given and _TAKEN_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        raw = request_id.encode("ascii")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                message = {**message, "headers": [*headers, (b"x-request-id", raw)]}
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodyLimits:
    """413 for a request body over its route's limit (``bounds.body_limit``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["method"], scope["path"])
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _refuse(scope, send, limit)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(status_code=413, detail=_too_large(limit))
            return message

        await self.app(scope, counted, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1")).strip()
    return None


def _too_large(limit: int) -> str:
    return f"a request body of more than {limit} bytes is refused here"


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    body = json.dumps({"error": reason(413), "detail": _too_large(limit)}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
