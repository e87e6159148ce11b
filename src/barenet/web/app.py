"""The page's routes as a Starlette app, with every limit that bounds a request's memory and time.

Routes:

- ``GET /``, ``/index.html``, ``/app.js``, ``/view.js``, ``/style.css``: the page (read once).
- ``GET /api/model``: the model's architecture, input shape, classes and parameter count.
- ``POST /api/predict``: a JSON body ``{"image": "data:image/png;base64,..."}`` or
  ``{"pixels": [[...], ...]}`` (see ``inputs``) -> ``{"class", "index", "classes",
  "probabilities", "input", "layers"}``.

Every answer is JSON or a static file, with the security headers below. Errors are
``{"error": "one line"}`` with their status: 400 bad body, 404 unknown path, 405 wrong
method (with ``Allow``), 408 body too slow, 411 no Content-Length, 413 body or picture too
large, 414 URL too long, 431 headers too large, 503 busy (with ``Retry-After``), 500 a bug
(no details). ``protocol.py`` makes the errors uvicorn answers by itself JSON too.

How one ``POST /api/predict`` is bounded (``Limits``):

1. Its head: ``max_url`` and ``max_head`` bytes (here) and h11's incomplete-head limit.
2. Its body: ``Content-Length`` is checked before a byte is read (``max_body``), and all
   bodies held at once share a budget of ``body_budget`` bytes; a request that cannot get
   its share in time is answered 503.
3. Its work (JSON parsing, PNG header check, decoding, prediction) runs in a worker thread,
   at most ``workers`` at once (an anyio ``CapacityLimiter``); the rest wait their turn.
4. Its time: reading the body, waiting for the budget and a worker all share one deadline of
   ``request_timeout_s``; a slow body gets 408, a full queue 503.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any, TextIO

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .api import Predictor
from .inputs import MAX_BODY_BYTES, MAX_IMAGE_PIXELS, RequestError, check_length

STATIC = {"/": ("index.html", "text/html; charset=utf-8"),
          "/index.html": ("index.html", "text/html; charset=utf-8"),
          "/app.js": ("app.js", "text/javascript; charset=utf-8"),
          "/view.js": ("view.js", "text/javascript; charset=utf-8"),
          "/style.css": ("style.css", "text/css; charset=utf-8")}
# The page loads nothing from elsewhere; the browser is told so too.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
API = "the API is /api/model and /api/predict"


@dataclass
class Limits:
    """Every bound the server keeps; the defaults hold 1,000 concurrent clients on 2 cores.

    Memory: at most ``body_budget`` bytes of bodies plus ``workers`` decodes of at most
    ``max_pixels`` each (~40 MB per Mpx) are held at once, beside uvicorn's own per-connection
    buffer (64 KiB before it stops reading) for at most ``max_connections`` connections.
    """

    max_body: int = MAX_BODY_BYTES
    max_pixels: int = MAX_IMAGE_PIXELS
    body_budget: int = 64 * 1024 * 1024  # bytes of request bodies held at once, all requests together
    workers: int = max(1, min(4, os.cpu_count() or 1))  # decodes + predictions at once
    request_timeout_s: float = 20.0  # body + waiting for the budget and a worker
    head_timeout_s: float = 10.0  # from connection (or previous answer) to a complete request head
    keep_alive_s: int = 5  # uvicorn's idle keep-alive
    max_connections: int = 1024  # uvicorn's limit_concurrency: more get 503
    backlog: int = 2048
    max_url: int = 8 * 1024
    max_head: int = 16 * 1024  # request line + headers; also h11's incomplete-event limit

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                    math.isfinite(value) and value > 0):
                raise ValueError(f"Limits.{name} must be a positive number, received {value!r}")
        if self.body_budget < self.max_body:
            raise ValueError(f"Limits.body_budget ({self.body_budget}) must hold one body of max_body "
                             f"({self.max_body}) bytes")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response(status, {"error": " ".join(message.split())}, headers)


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return Response(body, status, {"Cache-Control": "no-store", **(headers or {})}, media_type="application/json")


def read_static() -> dict[str, tuple[bytes, str]]:
    """URL path -> (file bytes, content type), read from the package once at start."""
    folder = resources.files(__package__) / "static"
    return {path: ((folder / name).read_bytes(), ctype) for path, (name, ctype) in STATIC.items()}


class ByteBudget:
    """A pool of bytes that request bodies borrow from while they are held (asyncio, one loop)."""

    def __init__(self, total: int) -> None:
        self.total, self.free = total, total
        self._changed = asyncio.Condition()

    async def take(self, n: int) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.free >= n)
            self.free -= n

    async def give(self, n: int) -> None:
        async with self._changed:
            self.free += n
            self._changed.notify_all()


class Handlers:
    """The endpoints, holding the predictor, the page's files and the limits."""

    def __init__(self, predictor: Predictor, limits: Limits) -> None:
        self.predictor, self.limits = predictor, limits
        self.static = read_static()
        self.workers = anyio.CapacityLimiter(limits.workers)
        self.budget = ByteBudget(limits.body_budget)  # binds to the server's loop at its first use

    async def static_file(self, request: Request) -> Response:
        body, ctype = self.static[request.url.path]
        return Response(body, 200, {"Cache-Control": "no-cache"}, media_type=ctype)

    async def model(self, request: Request) -> Response:
        return json_response(200, self.predictor.describe())

    async def predict(self, request: Request) -> Response:
        """Read the body within the deadline, then decode and predict in a bounded worker."""
        deadline = time.monotonic() + self.limits.request_timeout_s
        if "chunked" in request.headers.get("transfer-encoding", "").lower():
            raise RequestError("chunked bodies are not accepted; send a Content-Length", status=411)
        length = check_length(request.headers.get("content-length"), self.limits.max_body)
        with anyio.move_on_after(deadline - time.monotonic()) as waiting:
            await self.budget.take(length)
        if waiting.cancelled_caught:
            raise busy("the server is holding its limit of request bodies")
        try:
            raw = await self._read_body(request, length, deadline)
            with anyio.move_on_after(deadline - time.monotonic()) as queued:
                answer = await anyio.to_thread.run_sync(self.predictor.predict_body, raw, limiter=self.workers)
            if queued.cancelled_caught:
                raise busy("every worker stayed busy until the request's deadline")
        finally:
            await self.budget.give(length)
        return json_response(200, answer)

    async def _read_body(self, request: Request, length: int, deadline: float) -> bytes:
        raw = bytearray()
        with anyio.move_on_after(deadline - time.monotonic()) as reading:
            try:
                async for chunk in request.stream():
                    raw += chunk
            except ClientDisconnect:
                pass
        close = {"Connection": "close"}  # the rest of the body may still come: this connection is done
        if reading.cancelled_caught:
            raise RequestError(f"the body did not arrive within {self.limits.request_timeout_s:g} s "
                               f"({len(raw)} of {length} bytes came)", status=408, headers=close)
        if len(raw) != length:
            raise RequestError(f"the body ended after {len(raw)} of {length} bytes", headers=close)
        return bytes(raw)


def busy(why: str) -> RequestError:
    return RequestError(f"the server is busy ({why}); try again", status=503, headers={"Retry-After": "1"})


async def not_found_or_not_allowed(request: Request, exc: Exception) -> Response:
    """Starlette's routing errors (404, 405) as JSON; ``Allow`` in a fixed order."""
    status = getattr(exc, "status_code", 500)
    path = request.url.path
    if status == 404:
        return error_response(404, f"no such path {path!r}; {API}")
    if status == 405:
        allow = ", ".join(sorted(m.strip() for m in getattr(exc, "headers", {}).get("Allow", "").split(",")))
        return error_response(405, f"{request.method} is not allowed on {path}; use {allow}", {"Allow": allow})
    return error_response(status, getattr(exc, "detail", "") or "the request was refused")


async def refused(request: Request, exc: Exception) -> Response:
    """A ``RequestError`` from an endpoint or a worker: its status, message and headers."""
    return error_response(getattr(exc, "status", 400), str(exc), getattr(exc, "headers", None))


async def internal(request: Request, exc: Exception) -> Response:
    """Any other exception: 500 with no details (the Guard logs one line)."""
    return error_response(500, "internal server error")


class Guard:
    """Outermost ASGI layer: size limits on the head, security headers, one log line, no tracebacks out."""

    def __init__(self, app: ASGIApp, limits: Limits, log: TextIO | None) -> None:
        self.app, self.limits, self.log = app, limits, log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        refusal = self._head_refusal(scope)
        try:
            if refusal is not None:
                await refusal(scope, receive, send_with_headers)
            else:
                await self.app(scope, receive, send_with_headers)
        except Exception as exc:  # Starlette has answered 500 (``internal``); log one line, raise nothing
            self._write(f"internal error on {scope['method']} {scope['path']}: {type(exc).__name__}: {exc}")
            if not status:
                await error_response(500, "internal server error")(scope, receive, send_with_headers)
        self._write(f"{_client(scope)} - \"{scope['method']} {scope['path']}\" {status or '-'}")

    def _head_refusal(self, scope: Scope) -> Response | None:
        """414 / 431 for a request head that is complete but over the limits (h11 checks only incomplete ones)."""
        url = len(scope.get("raw_path", b"")) + len(scope.get("query_string", b""))
        if url > self.limits.max_url:
            return error_response(414, f"the URL is {url} bytes; the limit is {self.limits.max_url}",
                                  {"Connection": "close"})
        head = sum(len(k) + len(v) + 4 for k, v in scope["headers"]) + url
        if head > self.limits.max_head:
            return error_response(431, f"the request headers are {head} bytes; the limit is {self.limits.max_head}",
                                  {"Connection": "close"})
        return None

    def _write(self, line: str) -> None:
        if self.log is not None:
            self.log.write(line + "\n")
            self.log.flush()


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "-"


def build_app(predictor: Predictor, limits: Limits | None = None, log: TextIO | None = None) -> Guard:
    """The ASGI app behind ``barenet serve``: Starlette routes inside the ``Guard``."""
    limits = limits or Limits()
    handlers = Handlers(predictor, limits)
    routes = [Route("/api/model", handlers.model, methods=["GET"]),  # Starlette adds HEAD to GET routes
              Route("/api/predict", handlers.predict, methods=["POST"]),
              *[Route(path, handlers.static_file, methods=["GET"]) for path in handlers.static]]
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found_or_not_allowed,
                                                       RequestError: refused, Exception: internal})
    app.router.redirect_slashes = False  # "/api/predict/" is a 404, not a redirect
    return Guard(app, limits, log)
