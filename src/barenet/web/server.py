"""The HTTP server behind ``barenet serve``: Python's ``http.server``, nothing else.

Routes:

- ``GET /``, ``/app.js``, ``/style.css``: the page (files from ``static/``, read once).
- ``GET /api/model``: the model's architecture, input shape, classes and parameter count.
- ``POST /api/predict``: a JSON body ``{"image": "data:image/png;base64,..."}`` or
  ``{"pixels": [[...], ...]}`` (H x W numbers in [0, 1], ink = 1; see ``inputs``) ->
  ``{"class", "index", "classes", "probabilities" (in class order), "input", "layers"}``.

Every answer is JSON or a static file. A bad body gets 400 ``{"error": "..."}``; a body
over ``MAX_BODY_BYTES`` gets 413 before it is read; a known path with the wrong method
gets 405 with an ``Allow`` header; any other path 404. The server keeps serving after
each of them. It binds 127.0.0.1 unless told otherwise and has no debug mode.
"""

from __future__ import annotations

import json
import socket
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, Callable

from .api import Predictor
from .inputs import MAX_BODY_BYTES, RequestError, check_length

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
READ_TIMEOUT_S = 10  # a client that stalls mid-request loses its connection, not a thread forever
LINGER_S, LINGER_BYTES = 2.0, 8 * MAX_BODY_BYTES  # see Handler.linger


def read_static() -> dict[str, tuple[bytes, str]]:
    """URL path -> (file bytes, content type), read from the package once at start."""
    folder = resources.files(__package__) / "static"
    return {path: ((folder / name).read_bytes(), ctype) for path, (name, ctype) in STATIC.items()}


class Handler(BaseHTTPRequestHandler):
    """One request; ``self.server`` is the ``WebServer`` holding the predictor and files."""

    server: "WebServer"
    timeout = READ_TIMEOUT_S

    def version_string(self) -> str:
        return "barenet"

    def routes(self) -> dict[str, dict[str, Callable[[], None]]]:
        api = {"/api/model": {"GET": self.get_model}, "/api/predict": {"POST": self.post_predict}}
        return {**api, **{path: {"GET": self.get_static} for path in self.server.static}}

    def dispatch(self) -> None:
        self.body_read = False
        try:
            self.route()
        except RequestError as e:
            self.send_json(e.status, {"error": str(e)}, extra=e.headers, close=True)
        except ConnectionError:  # the client went away mid-answer: nobody to tell
            self.close_connection = True
            return
        except Exception as e:  # never a traceback to the client; the server goes on
            self.log_error("internal error on %s %s: %s: %s", self.command, self.path, type(e).__name__, e)
            self.send_json(500, {"error": "internal server error"}, close=True)
        if not self.body_read and self.has_body():
            self.linger()

    def route(self) -> None:
        path = self.path.split("?", 1)[0]
        methods = self.routes().get(path)
        if methods is None:
            raise RequestError(f"no such path {path!r}; the API is /api/model and /api/predict", status=404)
        allowed = {**methods, **({"HEAD": methods["GET"]} if "GET" in methods else {})}
        if self.command not in allowed:
            allow = ", ".join(sorted(allowed))
            raise RequestError(f"{self.command} is not allowed on {path}; use {allow}", status=405,
                               headers={"Allow": allow})
        allowed[self.command]()

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = dispatch

    # -- endpoints ----------------------------------------------------------------
    def get_static(self) -> None:
        body, ctype = self.server.static[self.path.split("?", 1)[0]]
        self.send_bytes(200, body, ctype, {"Cache-Control": "no-cache"})

    def get_model(self) -> None:
        self.send_json(200, self.server.predictor.describe())

    def post_predict(self) -> None:
        raw = self.read_body()
        self.send_json(200, self.server.predictor.predict_body(raw))

    def read_body(self) -> bytes:
        """The body, refused before reading if its declared length is missing or too large."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise RequestError("chunked bodies are not accepted; send a Content-Length", status=411)
        length = check_length(self.headers.get("Content-Length"), self.server.max_body)
        self.body_read = True
        try:
            raw = self.rfile.read(length)  # exactly the declared length, never more
        except TimeoutError:
            raise RequestError("the body did not arrive in time", status=408) from None
        if len(raw) != length:
            raise RequestError(f"the body ended after {len(raw)} of {length} bytes", status=400)
        return raw

    # -- answers ------------------------------------------------------------------
    def send_json(self, status: int, data: Any, extra: dict[str, str] | None = None, close: bool = False) -> None:
        body = json.dumps(data, separators=(",", ":"), allow_nan=False).encode("utf-8")
        headers = {"Cache-Control": "no-store", **(extra or {})}
        if close:
            headers["Connection"] = "close"
            self.close_connection = True
        self.send_bytes(status, body, "application/json", headers)

    def send_bytes(self, status: int, body: bytes, ctype: str, headers: dict[str, str]) -> None:
        self.send_response(status, HTTPStatus(status).phrase)
        for name, value in {"Content-Type": ctype, "Content-Length": str(len(body)),
                            **SECURITY_HEADERS, **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def has_body(self) -> bool:
        length = (self.headers.get("Content-Length") or "0").strip()
        return length != "0" or "Transfer-Encoding" in self.headers

    def linger(self) -> None:
        """After refusing a request without reading its body, let the client finish sending it.

        The body is discarded as it arrives, never held: at most LINGER_BYTES for LINGER_S
        seconds. Without this, closing a socket with unread bytes resets the connection, and
        the client may lose the answer (a 413, 404 or 405) or fail with "broken pipe".
        """
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(LINGER_S)
            deadline, drained = time.monotonic() + LINGER_S, 0
            while drained < LINGER_BYTES and time.monotonic() < deadline:
                chunk = self.connection.recv(65536)
                if not chunk:
                    break
                drained += len(chunk)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log is not None:
            self.server.log.write(f"{self.address_string()} - {format % args}\n")


class WebServer(ThreadingHTTPServer):
    """A threading HTTP server holding one ``Predictor`` and the page's files."""

    daemon_threads = True  # a stuck client never keeps the process alive at exit
    request_queue_size = 128  # bursts of connections wait in the backlog instead of being refused

    def __init__(self, address: tuple[str, int], predictor: Predictor, *, log: Any = None,
                 max_body: int = MAX_BODY_BYTES) -> None:
        self.predictor, self.log, self.max_body = predictor, log, max_body
        self.static = read_static()
        super().__init__(address, Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"


def make_server(model_path: str, host: str = "127.0.0.1", port: int = 8000, *, log: Any = None) -> WebServer:
    """Load ``model_path`` and bind a server to (host, port); port 0 picks a free port.

    Call ``serve_forever()`` on the result (``shutdown()`` from another thread stops it).
    ``log``: a text stream for one line per request, or None for silence.
    """
    return WebServer((host, port), Predictor.from_file(model_path), log=log)


def serve_until_interrupted(server: WebServer) -> None:
    """Serve until Ctrl-C, then close the listening socket."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
