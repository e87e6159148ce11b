"""uvicorn's HTTP/1.1 protocol (h11), made to answer in JSON and to bound the time before a request.

uvicorn answers a few requests without calling the app, in plain text:

- a request h11 cannot parse (bad request line, bad header, bad Content-Length, a head
  over ``h11_max_incomplete_event_size``): 400 "Invalid HTTP request received.";
- a request beyond ``limit_concurrency``: 503 "Service Unavailable".

``BoundedH11Protocol`` keeps uvicorn's parsing, timeouts and limits and changes four things:

1. Those answers become ``{"error": ...}`` JSON: 414 when the unfinished head is one request
   line over the limit, 431 when it is headers, 400 otherwise; 503 with ``Retry-After``.
2. A request head must be complete within ``head_timeout_s`` of the connection (or of the
   previous answer), or the client gets 408 and the connection closes: a client sending a
   byte every few seconds cannot hold it (uvicorn's keep-alive timer restarts on every byte).
   After an answer, a client still sending a body nobody reads, or not reading its answer,
   is cut off at the same deadline.
3. A client that half-closes after its request (``shutdown(SHUT_WR)``) still gets its answer:
   uvicorn would close the connection at the end of input; here the request's body ends there
   (the app then sees how many bytes came) and the connection closes after the answer.
4. Once this protocol has answered by itself, the app's answer to the same request is dropped.
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from typing import Any

import h11
from uvicorn.protocols.http import h11_impl

from .app import SECURITY_HEADERS, Limits

RETRY_AFTER_S = 1


def json_head(status: int, body: bytes, extra: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """Response headers of a JSON error that closes the connection."""
    return [("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Connection", "close"),
            ("Cache-Control", "no-store"), *SECURITY_HEADERS.items(), *(extra or {}).items()]


def error_body(message: str) -> bytes:
    return json.dumps({"error": message}, separators=(",", ":")).encode("utf-8")


async def json_service_unavailable(scope: Any, receive: Any, send: Any) -> None:
    """uvicorn's answer beyond ``limit_concurrency``, as JSON (replaces its plain-text one)."""
    body = error_body("the server has reached its limit of concurrent connections; try again")
    headers = json_head(503, body, {"Retry-After": str(RETRY_AFTER_S)})
    await send({"type": "http.response.start", "status": 503,
                "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class BoundedH11Protocol(h11_impl.H11Protocol):
    """uvicorn's h11 protocol with JSON errors and a deadline for each request head (see module doc)."""

    limits = Limits()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:  # type: ignore[override]
        self._deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._answering():  # a complete head reached the app: its own deadline takes over
            self._disarm()

    def on_response_complete(self) -> None:
        self._arm()  # before super(): a pipelined request may start inside it
        super().on_response_complete()
        if self._answering():
            self._disarm()

    def eof_received(self) -> bool | None:
        """The client stopped sending. Keep the connection open to answer a request in progress."""
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            return None  # nothing to answer: asyncio closes the connection
        cycle.keep_alive = False  # close once the answer is out
        if cycle.more_body:
            cycle.more_body = False  # the body ends here; the app compares it with Content-Length
            cycle.message_event.set()
        return True

    def send_400_response(self, msg: str) -> None:
        """h11 could not parse the request: say why in JSON (414, 431 or 400)."""
        pending, _ = self.conn.trailing_data
        limit = self.limits.max_head
        if len(pending) > limit:
            line_end = pending.find(b"\r\n")
            if line_end < 0 or line_end > limit:
                self._answer(414, f"the request line is over the {limit}-byte limit")
            else:
                self._answer(431, f"the request headers are over the {limit}-byte limit")
        else:
            self._answer(400, "the request is not valid HTTP/1.1 (bad request line, header or body framing)")

    # -- the head deadline -----------------------------------------------------------
    def _answering(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.limits.head_timeout_s, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():  # an answer the client never reads: stop flushing it
            self.transport.abort()
        elif self._answering():
            return  # the app's request deadline bounds it
        elif self.conn.their_state is h11.IDLE and self.conn.trailing_data[0]:
            self._answer(408, f"the request head did not arrive within {self.limits.head_timeout_s:g} s")
        else:  # idle, or still sending a body that was refused: nobody to answer
            self.transport.close()

    def _answer(self, status: int, message: str) -> None:
        """Write a JSON error straight to the socket and close; the app's answer, if any, is dropped."""
        if self.cycle is not None and self.cycle.response_started:
            self.transport.close()  # an answer is already on its way: never a second one
            return
        if self.cycle is not None:
            self.cycle.disconnected = True  # the app's send() becomes a no-op
            self.cycle.message_event.set()
        body = error_body(message)
        lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", *(f"{k}: {v}" for k, v in json_head(status, body))]
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        self.transport.close()
        self._disarm()
        self._deadline = self.loop.call_later(self.limits.head_timeout_s, self._expired)  # abort if unread


def protocol_for(limits: Limits) -> type[BoundedH11Protocol]:
    """A protocol class holding ``limits``; also makes uvicorn's 503 answer JSON.

    uvicorn looks its concurrency-limit answer up by name in ``h11_impl`` on each request,
    so replacing that one module attribute is how the 503 becomes JSON;
    ``tests/test_web_protocol.py`` checks that it still does.
    """
    h11_impl.service_unavailable = json_service_unavailable
    return type("BoundedH11Protocol", (BoundedH11Protocol,), {"limits": limits})
