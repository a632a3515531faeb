"""What ``liaison serve`` adds around the HTTP app: the URL it listens on, once it does, and an
access log line per request (structlog, logfmt on stderr).

A line names the method, the path (never the query string: a person search carries names and
dates of birth there), the status, the duration, the client's address and the request's
correlation id where the app set one (the ``X-Request-ID`` response header, else
``request.state.request_id``), so an error a client reports by its id can be found here.
"""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

import structlog
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AccessLog", "Server", "access_logger"]

REQUEST_ID_HEADER = b"x-request-id"


def access_logger(stream: TextIO | None = None) -> Any:
    """A structlog logger writing logfmt lines (``timestamp=... level=info event=request ...``)
    to ``stream`` (stderr by default); configured here, not globally."""
    return structlog.wrap_logger(
        structlog.PrintLogger(stream or sys.stderr),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.LogfmtRenderer(
                key_order=["timestamp", "level", "event"], drop_missing=True
            ),
        ],
    )


class AccessLog:
    """ASGI middleware: one log line per HTTP request, written when its response is done (or
    when the app fails: status 500)."""

    def __init__(self, app: ASGIApp, log: Any) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what a client sees when the app fails before it answers
        request_id: str | None = None

        async def sending(message: Message) -> None:
            nonlocal status, request_id
            if message["type"] == "http.response.start":
                status = int(message["status"])
                for name, value in message.get("headers", ()):
                    if name.lower() == REQUEST_ID_HEADER:
                        request_id = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            state = scope.get("state") or {}
            client = scope.get("client")
            self.log.info(
                "request",
                method=scope.get("method", ""),
                path=scope.get("path", ""),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                client=client[0] if client else None,
                request_id=request_id or state.get("request_id"),
            )


class Server(uvicorn.Server):
    """A uvicorn server that calls ``listening(url)`` once its socket is bound (with the port
    the system chose, for ``--port 0``); a port already taken exits before that, as uvicorn
    does."""

    def __init__(self, config: uvicorn.Config, listening: Callable[[str], None]) -> None:
        super().__init__(config)
        self._listening = listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.should_exit:
            return
        host, port = self.config.host, self.config.port
        for server in getattr(self, "servers", ()):
            for sock in server.sockets or ():
                host, port = sock.getsockname()[:2]
                break
        shown = f"[{host}]" if ":" in host else host
        self._listening(f"http://{shown}:{port}")
