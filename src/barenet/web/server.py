"""The server behind ``barenet serve``: the Starlette app (``app.py``) served by uvicorn.

``make_server`` loads the model, binds a listening socket (127.0.0.1 unless told otherwise,
port 0 picks a free one) and returns a ``WebServer``; ``serve_forever`` runs uvicorn on
that socket until ``shutdown`` is called from another thread or the process gets Ctrl-C.
There is no debug mode and no reloader.

uvicorn supplies the event loop, HTTP/1.1 parsing (h11), the keep-alive timeout, the
incomplete-head size limit (``Limits.max_head``), the listen backlog and the concurrency
limit (``Limits.max_connections``: requests beyond it get 503). ``protocol.py`` turns the
few answers uvicorn gives by itself into JSON and adds the head deadline; ``app.py`` bounds
each request's body, decoding work and time. See ``Limits`` for the figures.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from typing import Any, TextIO

import uvicorn

from .api import Predictor
from .app import STATIC, Limits, build_app, read_static  # noqa: F401  (STATIC, read_static: re-exported)
from .protocol import protocol_for

GRACEFUL_SHUTDOWN_S = 5


class WebServer:
    """One ``Predictor`` served on one bound socket by uvicorn."""

    def __init__(self, address: tuple[str, int], predictor: Predictor, *, log: TextIO | None = None,
                 limits: Limits | None = None) -> None:
        self.predictor, self.log, self.limits = predictor, log, limits or Limits()
        self.socket = _bind(address, self.limits.backlog)
        self.server_address = self.socket.getsockname()[:2]
        config = uvicorn.Config(
            build_app(predictor, self.limits, log), http=protocol_for(self.limits), ws="none", lifespan="off",
            limit_concurrency=self.limits.max_connections, backlog=self.limits.backlog,
            timeout_keep_alive=self.limits.keep_alive_s, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
            h11_max_incomplete_event_size=self.limits.max_head, server_header=False, access_log=False,
            log_config=_log_config(log), log_level=logging.WARNING)
        self._uvicorn = uvicorn.Server(config)
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address
        return f"http://{host}:{port}/"

    def serve_forever(self) -> None:
        """Serve until ``shutdown()`` (from another thread) or Ctrl-C; then close the socket.

        While serving, BLAS runs one thread per call: the server already predicts on up to
        ``Limits.workers`` requests at once, and a one-letter prediction is far too small to
        gain from more threads, so letting each call spawn its own would only oversubscribe
        the cores (measured: 0.2 ms per letter with one thread, 55 ms with the default under load).
        """
        from threadpoolctl import threadpool_limits

        self._stopped.clear()
        try:
            with threadpool_limits(limits=1, user_api="blas"):
                self._uvicorn.run(sockets=[self.socket])
        finally:
            self.socket.close()
            self._stopped.set()

    def shutdown(self, timeout: float = 30.0) -> None:
        """Ask ``serve_forever`` to stop, and wait until it has (answers in progress finish first)."""
        self._uvicorn.should_exit = True
        self._stopped.wait(timeout)

    def server_close(self) -> None:
        """Close the listening socket (``serve_forever`` also does when it ends)."""
        self.socket.close()


def only_this_machine(host: str) -> bool:
    """Whether ``host`` names a loopback address (127.0.0.0/8, ::1, localhost): no other machine reaches it."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to an address other machines can reach
        return False


def _bind(address: tuple[str, int], backlog: int) -> socket.socket:
    if not address[0].strip():  # the socket API reads "" as every interface; the page has no login
        raise ValueError(f"cannot listen on {address[0]!r}: an empty host would listen on every interface; "
                         "give 127.0.0.1 (this machine), or 0.0.0.0 if every interface is meant")
    sock = socket.socket(socket.AF_INET6 if ":" in address[0] else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
        sock.setblocking(False)
    except OSError as exc:  # a bad host name or a port in use: say which address
        sock.close()
        raise type(exc)(f"cannot listen on {address[0]!r} port {address[1]}: {exc.strerror or exc}") from None
    except (UnicodeError, ValueError) as exc:  # a host name the IDNA codec or bind refuses
        sock.close()
        raise ValueError(f"cannot listen on {address[0]!r} port {address[1]}: {exc}") from None
    return sock


def _log_config(stream: TextIO | None) -> dict[str, Any]:
    """uvicorn's own warnings (bad requests, the concurrency limit) go to ``stream``, or nowhere."""
    handler = {"class": "logging.StreamHandler", "stream": stream} if stream is not None else \
        {"class": "logging.NullHandler"}
    return {"version": 1, "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(message)s"}},
            "handlers": {"barenet": {**handler, **({"formatter": "plain"} if stream is not None else {})}},
            "loggers": {name: {"handlers": ["barenet"], "level": "WARNING", "propagate": False}
                        for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")}}


def make_server(model_path: str, host: str = "127.0.0.1", port: int = 8000, *, log: TextIO | None = None,
                limits: Limits | None = None) -> WebServer:
    """Load ``model_path`` and bind a server to (host, port); port 0 picks a free port.

    Call ``serve_forever()`` on the result (``shutdown()`` from another thread stops it).
    ``log``: a text stream for one line per request, or None for silence.
    """
    return WebServer((host, port), Predictor.from_file(model_path), log=log, limits=limits)


def serve_until_interrupted(server: WebServer) -> None:
    """Serve until Ctrl-C (uvicorn finishes the answers in progress first), then close the socket."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
